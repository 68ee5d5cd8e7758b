import { afterEach, describe, expect, it } from '@jest/globals';
import { chatter } from './helpers/chatter.js';
import { joined } from './helpers/client.js';
import { cleanUp } from './helpers/leftovers.js';
import { tcpchat, waitForExit } from './helpers/processes.js';
import { startServer } from './helpers/server.js';

afterEach(cleanUp);

type Json = Record<string, unknown>;

/** Parses one JSON object per line; a line that is not one fails the test. */
const parseAll = (lines: readonly string[]): Json[] => lines.filter((line) => line !== '').map((line) => JSON.parse(line) as Json);

const isJson = (fields: Json) => (line: string) => {
  try {
    const parsed = JSON.parse(line) as Json;
    return Object.entries(fields).every(([key, value]) => parsed[key] === value);
  } catch {
    return false;
  }
};

describe('tcpchat connect with stdin as a pipe', () => {
  it("sends the lines, prints the server's lines plainly, and after stdin EOF exits 0 when the server closes", async () => {
    const server = await startServer();
    const client = tcpchat(['connect', `127.0.0.1:${server.port}`, '--nick', 'dave'], { name: 'client' });
    await server.stdout.waitFor('* guest-1 is now dave');
    await client.stdout.waitFor('* you are now dave');

    client.write('hello from dave\n');
    await server.stdout.waitFor('<dave> hello from dave');
    server.write('hi dave\n');
    await client.stdout.waitFor('<server> hi dave');
    server.write('/msg dave just you\n');
    await client.stdout.waitFor('*server* just you');

    client.write('last words without a newline');
    client.endInput();
    await server.stdout.waitFor('<dave> last words without a newline');
    await server.stdout.waitFor('* dave left (quit)');
    expect(await waitForExit(client)).toEqual({ code: 0, signal: null });

    expect(await client.stdout.end()).toEqual([
      '* welcome to server, you are guest-1 in #lobby; /help lists commands',
      '* you are now in #lobby (1 here); no topic',
      '* you are now dave',
      '<server> hi dave',
      '*server* just you',
    ]);
    expect(client.stdout.raw).not.toMatch(/\x1b|^> /m); // no colour, no prompt
    expect(await client.stderr.end()).toEqual([]);
  });

  it('leaves quietly when its output is closed (tcpchat connect | head -1)', async () => {
    const server = await startServer();
    const client = tcpchat(['connect', `127.0.0.1:${server.port}`], { name: 'client' });
    await client.stdout.waitFor(/^\* welcome/);
    client.child.stdout!.destroy(); // nobody reads its output any more
    server.write('are you reading?\n'); // its next write to stdout fails with EPIPE
    await server.stdout.waitFor('* guest-1 left (quit)');
    expect(await waitForExit(client)).toEqual({ code: 0, signal: null });
    expect(await client.stderr.end()).toEqual([]);
  });

  it('gives one JSON object per line with --json, on both commands', async () => {
    const server = await startServer(['--json']);
    const listening = parseAll([await server.stdout.waitFor(isJson({ type: 'listening' }))])[0];
    expect(listening).toMatchObject({ type: 'listening', host: '127.0.0.1', port: server.port });

    const client = tcpchat(['connect', `127.0.0.1:${server.port}`, '--json', '--nick', 'eve'], { name: 'client' });
    await client.stdout.waitFor(isJson({ type: 'notice', text: 'you are now eve' }));
    client.write('hi from eve\n');
    await server.stdout.waitFor(isJson({ type: 'message', from: 'eve', text: 'hi from eve' }));
    server.write('hello eve\n');
    await client.stdout.waitFor(isJson({ type: 'message', from: 'server', text: 'hello eve' }));
    client.endInput();
    expect((await waitForExit(client)).code).toBe(0);
    await server.stdout.waitFor(isJson({ type: 'leave', from: 'eve' }));

    const clientObjects = parseAll(client.stdout.all);
    expect(clientObjects).toEqual([
      { type: 'notice', time: expect.any(String), text: 'welcome to server, you are guest-1 in #lobby; /help lists commands' },
      { type: 'notice', time: expect.any(String), text: 'you are now in #lobby (1 here); no topic' },
      { type: 'notice', time: expect.any(String), text: 'you are now eve' },
      { type: 'message', time: expect.any(String), from: 'server', text: 'hello eve' },
    ]);
    const serverObjects = parseAll(server.stdout.all);
    expect(serverObjects).toEqual([
      { type: 'listening', time: expect.any(String), host: '127.0.0.1', port: server.port },
      {
        type: 'join',
        time: expect.any(String),
        id: 1,
        from: 'guest-1',
        room: '#lobby',
        address: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      },
      { type: 'nick', time: expect.any(String), id: 1, from: 'guest-1', to: 'eve', room: '#lobby' },
      { type: 'message', time: expect.any(String), id: 1, from: 'eve', text: 'hi from eve', room: '#lobby' },
      { type: 'message', time: expect.any(String), from: 'server', text: 'hello eve', room: '#lobby' },
      { type: 'leave', time: expect.any(String), id: 1, from: 'eve', reason: 'quit', room: '#lobby' },
    ]);
    for (const { time } of [...clientObjects, ...serverObjects]) {
      expect(new Date(time as string).toISOString()).toBe(time);
    }
  });

  it('with its input at an end from the start (</dev/null) shows the welcome and the answer to --nick, then exits 0 once the server closes', async () => {
    const server = await startServer(['--history', '0']);
    for (const nick of ['zed', 'zoe']) {
      const client = tcpchat(['connect', `127.0.0.1:${server.port}`, '--nick', nick], {
        name: `connect --nick ${nick} </dev/null`,
        stdin: 'ignore',
      });
      expect(await waitForExit(client)).toEqual({ code: 0, signal: null });
      expect(await client.stdout.end()).toEqual([
        expect.stringMatching(/^\* welcome to server, you are guest-\d+ in #lobby; \/help lists commands$/),
        '* you are now in #lobby (1 here); no topic',
        `* you are now ${nick}`,
      ]);
      expect(await client.stderr.end()).toEqual([]);
      await server.stdout.waitFor(`* ${nick} left (quit)`);
    }
  });

  it('works over IPv6: serve --host ::1 and connect [::1]:PORT', async () => {
    const server = await startServer([], { host: '::1' });
    expect(server.host).toBe('::1');
    expect(server.stderr.all[0]).toBe(`tcpchat: listening on [::1]:${server.port}`);
    const client = tcpchat(['connect', `[::1]:${server.port}`, '--nick', 'six'], { name: 'client' });
    await server.stdout.waitFor(/^\* guest-1 joined from \[::1\]:\d+$/);
    await client.stdout.waitFor('* you are now six');
    client.write('over six\n');
    await server.stdout.waitFor('<six> over six');
    server.write('back over six\n');
    await client.stdout.waitFor('<server> back over six');
    client.endInput();
    expect((await waitForExit(client)).code).toBe(0);
  });
});

describe('tcpchat connect and long lines', () => {
  it("shows a line as long as the server's --max-line takes, which reaches it longer by the author's nick and tags", async () => {
    const server = await startServer(['--no-timestamps']);
    const watcher = await chatter(server.port, 'watcher');
    const talker = await joined(server.port, 'longtalker');
    const longest = 'L'.repeat(8192);
    talker.send(`${longest}\nshort after\n`);
    await watcher.stdout.waitFor('<longtalker> short after');
    expect(watcher.stdout.all.filter((line) => line.startsWith('<longtalker> '))).toEqual([
      `<longtalker> ${longest}`,
      '<longtalker> short after',
    ]);
    expect(watcher.stderr.all).toEqual([]);
  });
});
