import { afterEach, describe, expect, it } from '@jest/globals';
import { joined } from './helpers/client.js';
import { cleanUp } from './helpers/leftovers.js';
import { run, tcpchat, waitForExit, type Running } from './helpers/processes.js';
import { startServer } from './helpers/server.js';
import { WELCOME } from './helpers/sentences.js';

afterEach(cleanUp);

/** netcat-openbsd as a chat client; -N closes our side when its stdin ends. */
function nc(port: number, name: string): Running {
  return run('nc', ['-N', '127.0.0.1', String(port)], { name });
}

async function named(client: Running, nick: string): Promise<void> {
  await client.stdout.waitFor(WELCOME);
  client.write(`/nick ${nick}\n`);
  await client.stdout.waitFor(`* you are now ${nick}`);
}

describe('serve --relay', () => {
  it('lets two nc clients and a tcpchat client chat: each sees the others prefixed, never itself', async () => {
    const server = await startServer(['--relay']);
    const ada = nc(server.port, 'nc ada');
    await named(ada, 'ada');
    const bob = nc(server.port, 'nc bob');
    await named(bob, 'bob');
    const cat = tcpchat(['connect', `127.0.0.1:${server.port}`, '--nick', 'cat'], { name: 'tcpchat cat' });
    await cat.stdout.waitFor('* you are now cat');
    await Promise.all([ada.stdout.waitFor('* guest-3 is now cat'), bob.stdout.waitFor('* guest-3 is now cat')]);

    ada.write('hello from ada\n');
    await Promise.all([bob.stdout.waitFor('<ada> hello from ada'), cat.stdout.waitFor('<ada> hello from ada')]);
    bob.write('bob here, 你好\n');
    await Promise.all([ada.stdout.waitFor('<bob> bob here, 你好'), cat.stdout.waitFor('<bob> bob here, 你好')]);
    cat.write('cat too\n');
    await Promise.all([ada.stdout.waitFor('<cat> cat too'), bob.stdout.waitFor('<cat> cat too')]);
    // Each has now received a line the server sent after relaying its own, so an echo would show.
    ada.write('done\n');
    await Promise.all([bob.stdout.waitFor('<ada> done'), cat.stdout.waitFor('<ada> done')]);

    const messages = (client: Running) => client.stdout.all.filter((line) => line.startsWith('<'));
    expect(messages(ada)).toEqual(['<bob> bob here, 你好', '<cat> cat too']);
    expect(messages(bob)).toEqual(['<ada> hello from ada', '<cat> cat too', '<ada> done']);
    expect(messages(cat)).toEqual(['<ada> hello from ada', '<bob> bob here, 你好', '<ada> done']);
    await server.stdout.waitFor('<ada> done');

    for (const client of [ada, bob, cat]) client.endInput();
    const exits = await Promise.all([ada, bob, cat].map((client) => waitForExit(client)));
    expect(exits.map((exit) => exit.code)).toEqual([0, 0, 0]);
    await server.stdout.waitFor('* cat left (quit)');
  });

  it('cleans telnet input (CRLF, CR NUL, IAC negotiation and commands after it) before relaying it', async () => {
    const server = await startServer(['--relay']);
    const ada = await joined(server.port, 'ada');
    const bob = await joined(server.port, 'bob');
    const IAC = 0xff;
    ada.send(Buffer.from([IAC, 0xfb, 0x18, IAC, 0xfd, 0x03])); // WILL TERMINAL-TYPE, DO SUPPRESS-GO-AHEAD
    ada.send(Buffer.concat([Buffer.from('hello'), Buffer.from([IAC, 0xf1]), Buffer.from(' telnet\r\n')])); // with a NOP inside
    ada.send(
      Buffer.concat([Buffer.from([IAC, 0xfa, 0x18, 0x00]), Buffer.from('xterm'), Buffer.from([IAC, 0xf0]), Buffer.from('a\r\0b\r\n')]),
    );
    ada.send('ünïcödé 👋 ok\r\n');

    await bob.lines.waitFor('<ada> ünïcödé 👋 ok');
    const fromAda = bob.lines.all.filter((line) => line.startsWith('<ada>'));
    expect(fromAda).toEqual(['<ada> hello telnet', '<ada> a', '<ada> b', '<ada> ünïcödé 👋 ok']);
    expect(bob.lines.raw).not.toMatch(/[\r\ufffd\xff]/);
  });

  it('passes a 0xFF from a peer that never negotiated as U+FFFD, taking no byte with it', async () => {
    const server = await startServer(['--relay']);
    const ada = await joined(server.port, 'ada');
    const bob = await joined(server.port, 'bob');
    ada.send(Buffer.from('a\xffb\none \xff two\n', 'latin1'));

    await bob.lines.waitFor('<ada> one \ufffd two');
    expect(bob.lines.all.filter((line) => line.startsWith('<ada>'))).toEqual(['<ada> a\ufffdb', '<ada> one \ufffd two']);
    await server.stdout.waitFor('<ada> one \ufffd two');
  });

  it('shows an ESC sequence from one client to another as the visible ␛, and one prefix per line', async () => {
    const server = await startServer(['--relay']);
    const ada = await joined(server.port, 'ada');
    const bob = await joined(server.port, 'bob');
    ada.send('\x1b[2J\x1b[31mred\x07\n');
    ada.send('hi\r<bob> I did not say this\n');
    ada.send('tab\tstays\n');

    await bob.lines.waitFor('<ada> tab\tstays');
    const fromAda = bob.lines.all.filter((line) => line.startsWith('<ada>'));
    // A bare CR ends a line: what follows it gets a prefix of its own.
    expect(fromAda).toEqual(['<ada> ␛[2J␛[31mred␇', '<ada> hi', '<ada> <bob> I did not say this', '<ada> tab\tstays']);
    expect(bob.lines.all.some((line) => line.startsWith('<bob>'))).toBe(false);
    expect(bob.lines.raw).not.toMatch(/[\x1b\x07\r]/);
  });
});
