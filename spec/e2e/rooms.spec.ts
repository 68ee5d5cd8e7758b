import { afterEach, describe, expect, it } from '@jest/globals';
import { chatter, mark } from './helpers/chatter.js';
import { ask, joined, rawClient, type Client } from './helpers/client.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import { startServer } from './helpers/server.js';

afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
});

const INVALID = ': a room is # and up to 31 letters, digits, _ - or .';

const heard = (client: Client, text: string): string[] => client.lines.all.filter((line) => line.includes(text));

describe('serve: rooms (the default)', () => {
  it('keeps each room to itself: a line said in #dev never reaches #lobby, and moves are told in both rooms', async () => {
    const server = await startServer();
    const ada = await joined(server.port, 'ada');
    expect(ada.lines.all[0]).toMatch(/^\* welcome to server, you are guest-\d+ in #lobby; \/help lists commands$/);
    const bob = await joined(server.port, 'bob');
    const cy = await joined(server.port, 'cy');

    expect(await ask(ada, '/join #Dev', /^\* you are now in /)).toBe('* you are now in #dev (1 here); no topic');
    await Promise.all([bob.lines.waitFor('* ada left for #dev'), cy.lines.waitFor('* ada left for #dev')]);
    expect(await ask(bob, '/join #dev', /^\* you are now in /)).toBe('* you are now in #dev (2 here); no topic');
    await Promise.all([ada.lines.waitFor('* bob joined'), cy.lines.waitFor('* bob left for #dev')]);

    ada.send('hi from dev\n');
    await bob.lines.waitFor('<ada> hi from dev');
    cy.send('hi from the lobby\n');
    // The console speaks in the first room: its own room's lines as the room got them, another's with the room first.
    await server.stdout.waitFor('#dev <ada> hi from dev');
    await server.stdout.waitFor('<cy> hi from the lobby');
    ada.send('/me waves\n');
    await bob.lines.waitFor('* ada waves');

    // /msg reaches anyone in any room; by then every line said before it has been delivered.
    cy.send('/msg ada psst\n');
    bob.send('/msg cy over here\n');
    await Promise.all([ada.lines.waitFor('*cy* psst'), cy.lines.waitFor('*bob* over here')]);
    expect([heard(cy, 'hi from dev'), heard(cy, 'waves')]).toEqual([[], []]);
    expect([heard(ada, 'hi from the lobby'), heard(bob, 'hi from the lobby')]).toEqual([[], []]);

    // A joiner gets the room's last lines, never another room's.
    const joinedDev = mark(cy.lines);
    expect(await ask(cy, '/join #dev', /^\* you are now in /)).toBe('* you are now in #dev (3 here); no topic');
    await cy.lines.waitFor((line) => line.endsWith('<ada> hi from dev'), undefined, joinedDev);
    await ada.lines.waitFor('* cy joined');
    expect(cy.lines.all.slice(joinedDev).filter((line) => line.includes('hi from the lobby'))).toEqual([]);
  });

  it('/topic, /rooms, /who #room and /part, and an empty room is forgotten with its topic', async () => {
    const server = await startServer();
    const ada = await joined(server.port, 'ada');
    const bob = await joined(server.port, 'bob');
    await ask(ada, '/join #dev', '* you are now in #dev (1 here); no topic');
    await bob.lines.waitFor('* ada left for #dev');

    ada.send('/topic release on friday\n');
    expect(await ask(ada, '/topic', (line) => line.startsWith('* ') && line.includes('release on friday'))).toContain('release on friday');
    const rooms = await ask(bob, '/rooms', (line) => line.includes('#dev'));
    expect(rooms).toContain('release on friday');
    expect(rooms).toMatch(/\b1\b/);
    expect(await ask(bob, '/rooms', (line) => line.includes('#lobby'))).toMatch(/\b1\b/);

    const dev = await ask(bob, '/who #dev', (line) => line.startsWith('* ') && line.includes('ada'));
    expect(dev).not.toContain('bob');
    const lobby = await ask(bob, '/who', (line) => line.startsWith('* ') && line.includes('bob'));
    expect(lobby).toContain('server'); // the console is listed in the first room, as the server's name
    expect(lobby).not.toContain('ada');

    expect(await ask(ada, '/part', /^\* you are now in /)).toBe('* you are now in #lobby (2 here); no topic');
    await bob.lines.waitFor('* ada joined');
    expect(await ask(ada, '/part', /^[!*] /)).toMatch(/^! /); // already in the first room
    // #dev was left empty: it is gone, and so is its topic.
    expect(await ask(ada, '/join #dev', /^\* you are now in /)).toBe('* you are now in #dev (1 here); no topic');
    expect(await ask(ada, '/join #x!', /^! /)).toBe(`! invalid room name #x!${INVALID}`);
    expect(await ask(ada, `/join #${'a'.repeat(32)}`, /^! /)).toBe(`! invalid room name #${'a'.repeat(32)}${INVALID}`);
  });

  it('lets the console see every room, speak in the one it joins, and say which room in --json', async () => {
    const server = await startServer(['--json']);
    const ada = await joined(server.port, 'ada');
    const bob = await joined(server.port, 'bob');
    await ask(ada, '/join #dev', /^\* you are now in #dev/);

    ada.send('hi from dev\n');
    const event = JSON.parse(await server.stdout.waitFor((line) => line.includes('hi from dev')));
    expect(event).toMatchObject({ type: 'message', room: '#dev', from: 'ada', text: 'hi from dev' });
    bob.send('hi from the lobby\n');
    expect(JSON.parse(await server.stdout.waitFor((line) => line.includes('hi from the lobby')))).toMatchObject({
      type: 'message',
      room: '#lobby',
      from: 'bob',
    });

    server.write('/join #dev\n');
    server.write('console in dev\n');
    await ada.lines.waitFor('<server> console in dev');
    server.write('/msg bob across\n');
    await bob.lines.waitFor('*server* across');
    expect(heard(bob, 'console in dev')).toEqual([]);
    // The console is not a member: #dev's /who is ada alone.
    expect(await ask(ada, '/who', (line) => line.startsWith('* ') && line.includes('ada'))).not.toContain('server');
  });

  it('records lines of rooms the console is not in with the room first, and its own room as today', async () => {
    const server = await startServer();
    const ada = await joined(server.port, 'ada');
    const bob = await joined(server.port, 'bob');
    await ask(ada, '/join #dev', /^\* you are now in #dev/);
    server.write('/join #dev\n');
    server.write('here now\n');
    await ada.lines.waitFor('<server> here now');
    ada.send('in dev\n');
    bob.send('in the lobby\n');
    await server.stdout.waitFor('<ada> in dev');
    await server.stdout.waitFor('#lobby <bob> in the lobby');
  });

  it('--room ops makes #ops the first room: the welcome says so, and /part goes back there', async () => {
    const server = await startServer(['--room', 'Ops']);
    const ada = await rawClient(server.port, 'ada');
    expect(await ada.lines.waitFor(/^\* welcome/)).toMatch(/^\* welcome to server, you are guest-\d+ in #ops; \/help lists commands$/);
    expect(await ask(ada, '/join #lobby', /^\* you are now in /)).toBe('* you are now in #lobby (1 here); no topic');
    expect(await ask(ada, '/part', /^\* you are now in /)).toMatch(/^\* you are now in #ops \(1 here\)/);
  });
});

describe("a room's earlier lines", () => {
  it('come after the line that says which room: on /join (a plain client and tcpchat connect) and when put back in it after a lost connection', async () => {
    const server = await startServer(['--rate', '0']);
    const talker = await joined(server.port, 'talker');
    await ask(talker, '/join #dev', /^\* you are now in #dev/);
    talker.send('said before\n');
    await server.stdout.waitFor('#dev <talker> said before');

    const plain = await joined(server.port, 'plain');
    const plainFrom = mark(plain.lines);
    plain.send('/join #dev\n');
    await plain.lines.waitFor('* end of history', undefined, plainFrom);
    expect(plain.lines.all.slice(plainFrom)).toEqual([
      '* you are now in #dev (2 here); no topic',
      '* history: the last 2 lines',
      '* talker joined',
      '<talker> said before',
      '* end of history',
    ]);

    const proxy = await FaultProxy.start(server.port);
    const rd = await chatter(proxy.port, 'rd');
    // Where `* you are now in #dev ...` and the first replayed line are among the lines since `from` (-1: not there).
    const order = (from: number, replayed: string): number[] => {
      const lines = rd.stdout.all.slice(from);
      return [lines.findIndex((line) => line.startsWith('* you are now in #dev ')), lines.indexOf(replayed)];
    };
    let from = mark(rd.stdout);
    rd.write('/join #dev\n');
    await rd.stdout.waitFor('(earlier) <talker> said before', undefined, from);
    const [joinedAt, replayedAt] = order(from, '(earlier) <talker> said before');
    expect(joinedAt).toBeGreaterThanOrEqual(0);
    expect(joinedAt).toBeLessThan(replayedAt);

    // Cut off; what is said meanwhile is replayed once it is back, after it is told it is back in #dev.
    from = mark(rd.stdout);
    proxy.reset();
    await rd.stderr.waitFor(/reconnecting in/);
    talker.send('missed one\nmissed two\n');
    await server.stdout.waitFor('#dev <talker> missed two');
    await rd.stdout.waitFor('(earlier) <talker> missed two', undefined, from);
    const [backAt, missedAt] = order(from, '(earlier) <talker> missed one');
    expect(backAt).toBeGreaterThanOrEqual(0);
    expect(backAt).toBeLessThan(missedAt);
  });
});

describe('serve --console-only', () => {
  it('keeps the original programs: clients talk with the console alone, never with each other, and there are no rooms', async () => {
    const server = await startServer(['--console-only']);
    const ada = await joined(server.port, 'ada');
    expect(ada.lines.all[0]).toMatch(/^\* welcome to server, you are guest-\d+; only server hears you; \/help lists commands$/);
    const bob = await joined(server.port, 'bob');
    ada.send('for the console\n');
    bob.send('me too\n');
    await server.stdout.waitFor('<ada> for the console');
    await server.stdout.waitFor('<bob> me too');
    server.write('to everyone\n');
    await Promise.all([ada.lines.waitFor('<server> to everyone'), bob.lines.waitFor('<server> to everyone')]);
    expect([heard(bob, 'for the console'), heard(ada, 'me too'), heard(ada, 'bob joined')]).toEqual([[], [], []]);
    for (const command of ['/join #dev', '/part', '/rooms', '/topic hello']) {
      expect(await ask(ada, command, /^! /)).toBe('! this server has no rooms (console-only)');
    }
  });
});
