import { afterEach, describe, expect, it } from '@jest/globals';
import { mark } from './helpers/chatter.js';
import { ask, joined } from './helpers/client.js';
import { clusterNode } from './helpers/cluster-node.js';
import { cleanUp } from './helpers/leftovers.js';
import { testRedis } from './helpers/redis.js';

afterEach(cleanUp);

/** A line said in #dev (its members' lines reach others as `<nick> text`). */
const saidInDev = (line: string): boolean => /^<(ada|bob)> /.test(line);

describe('serve --cluster: rooms across nodes', () => {
  it('a member on each node in #dev hears the other; /who #dev lists both with their nodes; a topic set on one is shown on the other; #lobby hears nothing of #dev', async () => {
    const redis = await testRedis();
    const [a, b] = await Promise.all(['a', 'b'].map((name) => clusterNode(name, redis, ['--presence-ttl', '2'])));
    const ada = await joined(a.port, 'ada');
    const bob = await joined(b.port, 'bob');
    const amy = await joined(a.port, 'amy');
    const ben = await joined(b.port, 'ben');

    await ask(ada, '/join #dev', /^\* you are now in #dev \(1 here\)/);
    // #lobby hears her go on both nodes; by then node b knows where she is.
    await Promise.all([
      bob.lines.waitFor('* ada left for #dev'),
      ben.lines.waitFor('* ada left for #dev'),
      amy.lines.waitFor('* ada left for #dev'),
    ]);
    // Counted across the cluster: ada on a is already there.
    expect(await ask(bob, '/join #dev', /^\* you are now in /)).toBe('* you are now in #dev (2 here); no topic');
    await Promise.all([ada.lines.waitFor('* bob joined'), amy.lines.waitFor('* bob left for #dev')]);

    ada.send('from a\n');
    bob.send('from b\n');
    await Promise.all([bob.lines.waitFor('<ada> from a'), ada.lines.waitFor('<bob> from b')]);
    // The consoles see #dev with the room first, and the other node named.
    await Promise.all([
      a.stdout.waitFor((line) => line.startsWith('#dev <bob') && line.endsWith('> from b')),
      b.stdout.waitFor((line) => line.startsWith('#dev <ada') && line.endsWith('> from a')),
    ]);

    const who = await ask(amy, '/who #dev', (line) => line.startsWith('* ') && line.includes('ada'));
    expect(who).toContain('ada (a)');
    expect(who).toContain('bob (b)');
    expect(who).not.toContain('amy');
    const rooms = await ask(ben, '/rooms', (line) => line.includes('#dev'));
    expect(rooms).toMatch(/\b2\b/);

    bob.send('/topic shipping on friday\n');
    // #dev hears it set, on both nodes; by then node a knows the topic too.
    await ada.lines.waitFor((line) => line.startsWith('* bob') && line.includes('shipping on friday'));
    expect(await ask(ada, '/topic', (line) => line.startsWith('* ') && line.includes('shipping on friday'))).toContain(
      'shipping on friday',
    );
    expect(await ask(amy, '/rooms', (line) => line.includes('#dev'))).toContain('shipping on friday');

    // Until now ben (in #lobby on b) heard nothing of #dev.
    expect(ben.lines.all.filter(saidInDev)).toEqual([]);

    // A newcomer to #dev on either node gets the topic and the room's last lines, from both nodes.
    const joinedDev = mark(ben.lines);
    expect(await ask(ben, '/join #dev', /^\* you are now in /)).toBe('* you are now in #dev (3 here); topic: shipping on friday');
    await ben.lines.waitFor('<ada> from a', undefined, joinedDev);
    await ben.lines.waitFor('<bob> from b', undefined, joinedDev);

    // #lobby on both nodes: amy talks with the console of b, across the cluster, and hears nothing of #dev.
    amy.send('lobby line\n');
    await b.stdout.waitFor((line) => line.includes('lobby line'));
    ada.send('last dev line\n');
    await Promise.all([bob.lines.waitFor('<ada> last dev line'), ben.lines.waitFor('<ada> last dev line')]);
    amy.send('/msg bob done\n');
    await bob.lines.waitFor('*amy* done');
    expect(amy.lines.all.filter(saidInDev)).toEqual([]);
    for (const member of [ada, bob, ben]) expect(member.lines.all.filter((line) => line.includes('lobby line'))).toEqual([]);
  });
});
