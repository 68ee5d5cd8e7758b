import { afterEach, describe, expect, it } from '@jest/globals';
import { createClient } from 'redis';
import { KEPT_TOPICS } from '../../streams/server/topic-lock.js';
import { ask, joined } from './helpers/client.js';
import { clusterNode } from './helpers/cluster-node.js';
import { cleanUp } from './helpers/leftovers.js';
import { testRedis } from './helpers/redis.js';

afterEach(cleanUp);

describe('serve --cluster: topics of rooms nobody is in', () => {
  it(`are the latest ${KEPT_TOPICS} in Redis and on every node, so one client making rooms by the thousand cannot grow the cluster`, async () => {
    const redis = await testRedis();
    // The default presence TTL: a node busy with a thousand rooms on a loaded machine is not taken for gone.
    const args = ['--relay', '--rate', '0'];
    const a = await clusterNode('a', redis, args);
    const b = await clusterNode('b', redis, args);
    const watcher = await joined(b.port, 'watcher');
    const maker = await joined(a.port, 'maker');
    const rooms = KEPT_TOPICS + 5;
    maker.send(Array.from({ length: rooms }, (_, i) => `/join #t${i}\n/topic topic ${i}\n`).join(''));
    await maker.lines.waitFor(`* maker set the topic: topic ${rooms - 1}`, 20_000);
    await ask(maker, '/join #lobby', /^\* you are now in #lobby/); // every #tN is empty now
    // Node a's requests reach Redis, and b, in order: the topics it forgot went before this.
    await watcher.lines.waitFor('* maker joined', 20_000);

    const redisClient = createClient({ url: redis.url });
    await redisClient.connect();
    try {
      expect(await redisClient.hLen(`tcpchat:{${redis.cluster}}:facts`)).toBe(KEPT_TOPICS);
    } finally {
      await redisClient.quit();
    }
    await ask(watcher, '/join #t0', '* you are now in #t0 (1 here); no topic');
    await ask(watcher, '/join #t4', '* you are now in #t4 (1 here); no topic');
    await ask(watcher, '/join #t5', '* you are now in #t5 (1 here); topic: topic 5');
    await ask(maker, '/join #t1', '* you are now in #t1 (1 here); no topic');
    await ask(maker, `/join #t${rooms - 1}`, `* you are now in #t${rooms - 1} (1 here); topic: topic ${rooms - 1}`);
  });
});
