import { afterAll, beforeAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { redisBus } from '../../../src/drivers/redis-bus.js';
import { busContract } from '../../contract/bus-contract.js';
import { cleanUp } from '../../e2e/helpers/leftovers.js';
import { testRedis } from '../../e2e/helpers/redis.js';

/** Long enough that no node of a test is taken for gone while the test runs. */
const TTL = 5000;
let url: string;

// CI's Redis (TCPCHAT_TEST_REDIS), else one started here: a Redis that is not there fails, never skips.
beforeAll(async () => void ({ url } = await testRedis()));
afterAll(cleanUp);

busContract('the Redis bus', async ({ historySize }) => {
  const cluster = `contract-${randomBytes(6).toString('hex')}`;
  const reports: string[] = [];
  return {
    bus: (self) => redisBus({ url, cluster, ...self, historySize, ttlMs: TTL, report: (text) => reports.push(text) }),
    end: async () => {
      if (reports.length > 0) throw new Error(`the Redis bus reported: ${reports.join('; ')}`);
    },
  };
});
