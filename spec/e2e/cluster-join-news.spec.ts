import { afterEach, describe, expect, it } from '@jest/globals';
import { joined } from './helpers/client.js';
import { clusterNode } from './helpers/cluster-node.js';
import { cleanUp } from './helpers/leftovers.js';
import { tcpchat } from './helpers/processes.js';
import { testRedis } from './helpers/redis.js';

afterEach(cleanUp);

describe('tcpchat serve --cluster, a node that joins', () => {
  it("records no ban the cluster kept from before as news, and refuses a tcpchat client's look-alike of a nick held elsewhere naming it", async () => {
    const cluster = await testRedis();
    const a = await clusterNode('a', cluster, ['--rate', '0']);
    await joined(a.port, 'ada');
    a.write('/ban 127.0.9.9 spam\n');
    await a.stdout.waitFor(/^\* 127\.0\.9\.9 was banned by server/);

    const b = await clusterNode('b', cluster, ['--rate', '0']);
    const lookAlike = tcpchat(['connect', `127.0.0.1:${b.port}`, '--nick', 'аda'], { name: 'look-alike' }); // a Cyrillic а
    await lookAlike.stderr.waitFor(/^tcpchat: the server refused the nick аda /);

    expect(lookAlike.stderr.all.filter((line) => line.includes('refused the nick'))).toEqual([
      expect.stringMatching(/^tcpchat: the server refused the nick аda \(nick аda looks like ada, which is taken\); you are guest-\d+$/),
    ]);
    expect(b.stdout.all.filter((line) => line.includes('was banned'))).toEqual([]);
  });
});
