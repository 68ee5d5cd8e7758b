import { afterEach, describe, expect, it } from '@jest/globals';
import { joined } from './helpers/client.js';
import { cleanUp } from './helpers/leftovers.js';
import { run, type Running } from './helpers/processes.js';
import { startServer } from './helpers/server.js';
import { within } from './helpers/within.js';

afterEach(cleanUp);

describe("the server's console", () => {
  it("with --console-only shows what a client says on the server's stdout, and only there", async () => {
    const server = await startServer(['--console-only']);
    const ada = await joined(server.port, 'ada');
    const bob = await joined(server.port, 'bob');
    ada.send('hello server\n');
    await server.stdout.waitFor('<ada> hello server');
    server.write('marker\n');
    await bob.lines.waitFor('<server> marker');
    expect(bob.lines.all.filter((line) => line.includes('hello server'))).toEqual([]);
  });

  it("sends a line typed on the server's stdin to every client as <server> text", async () => {
    const server = await startServer();
    const ada = await joined(server.port, 'ada');
    const bob = await joined(server.port, 'bob');
    server.write('hi all, 大家好\n');
    await Promise.all([ada.lines.waitFor('<server> hi all, 大家好'), bob.lines.waitFor('<server> hi all, 大家好')]);
  });

  it('sends /msg NAME text from the console to exactly that client', async () => {
    const server = await startServer();
    const ada = await joined(server.port, 'ada');
    const bob = await joined(server.port, 'bob');
    const cat = await joined(server.port, 'cat');
    server.write('/msg bob psst, only you\n');
    await bob.lines.waitFor('*server* psst, only you');
    server.write('after the secret\n'); // arrives after the private line would have
    await Promise.all([ada.lines.waitFor('<server> after the secret'), cat.lines.waitFor('<server> after the secret')]);
    for (const other of [ada, cat]) expect(other.lines.all.filter((line) => line.includes('psst'))).toEqual([]);

    server.write('/msg nobody hello?\n');
    await server.stdout.waitFor('! no such nick: nobody');
  });

  it('answers an over-long line (9000 bytes) with an error and keeps the connection working', async () => {
    const server = await startServer();
    const ada = await joined(server.port, 'ada');
    ada.send(`${'x'.repeat(9000)}\n`);
    await ada.lines.waitFor('! line too long (max 8192 bytes)');
    ada.send('short one\n');
    await server.stdout.waitFor('<ada> short one');
    server.write('still there?\n');
    await ada.lines.waitFor('<server> still there?');
    expect(server.stdout.all.some((line) => line.includes('xxxxxxxx'))).toBe(false);
    expect(ada.socket.destroyed).toBe(false);
  });

  it('holds the console to --max-line too: an over-long console line is refused at the console and reaches no client', async () => {
    const server = await startServer(['--max-line', '100']);
    const ada = await ncJoined(server.port, 'ada');
    server.write(`${'y'.repeat(101)}\n/msg ada ${'z'.repeat(100)}\nshort\n`);
    await ada.stdout.waitFor('<server> short');
    expect(server.stdout.all.filter((line) => line.startsWith('! '))).toEqual([
      '! line too long (max 100 bytes)',
      '! line too long (max 100 bytes)',
    ]);
    expect(ada.stdout.all.some((line) => /yyyy|zzzz/.test(line))).toBe(false);
  });
});

/** netcat-openbsd as a chat client; -N closes our side when its stdin ends. */
async function ncJoined(port: number, nick: string): Promise<Running> {
  const client = run('nc', ['-N', '127.0.0.1', String(port)], { name: `nc ${nick}` });
  await client.stdout.waitFor(/^\* welcome to /);
  client.write(`/nick ${nick}\n`);
  await client.stdout.waitFor(`* you are now ${nick}`);
  return client;
}

describe("the console's own text", () => {
  it("reaches an nc client sanitised like a client's: no raw ESC from a script feeding the console escape sequences", async () => {
    const server = await startServer();
    const ada = await ncJoined(server.port, 'ada');
    const bob = await ncJoined(server.port, 'bob');
    server.write('clear\x1b[2J\x1b[H bell\x07 \u202eevil\n');
    server.write('/msg ada title\x1b]0;pwned\x07 up\x1b[1A\n');
    server.write('/kick bob bye\x1b[31m\x9b\n');
    await ada.stdout.waitFor('<server> clear\u241b[2J\u241b[H bell\u2407 \ufffdevil');
    await ada.stdout.waitFor('*server* title\u241b]0;pwned\u2407 up\u241b[1A');
    await bob.stdout.waitFor('* you were kicked by server: bye\u241b[31m\ufffd');
    for (const client of [ada, bob]) expect(client.stdout.raw).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/);
  });

  it('is recorded on the plain output with the console as the author: its lines and its /msg', async () => {
    const server = await startServer();
    const ada = await ncJoined(server.port, 'ada');
    server.write('hello all\n');
    server.write('/msg ADA just you\n');
    await ada.stdout.waitFor('*server* just you');
    await server.stdout.waitFor('*-> ada* just you');
    expect(server.stdout.all.filter((line) => /server|ada\*/.test(line))).toEqual(['<server> hello all', '*-> ada* just you']);
  });

  it('is recorded in --json, a private line with its recipient, so serve --json > chat.log keeps the whole conversation', async () => {
    const server = await startServer(['--json']);
    const ada = await ncJoined(server.port, 'ada');
    ada.write('hi server\n');
    await server.stdout.waitFor((line) => line.includes('"hi server"'));
    server.write('hi ada\n');
    server.write('/msg ada psst\n');
    await ada.stdout.waitFor('*server* psst');
    ada.write('/msg server psst back\n');
    await ada.stdout.waitFor('*-> server* psst back');
    const said = await within(
      (async () => {
        await server.stdout.waitFor((line) => line.includes('"psst back"'));
        return server.stdout.all
          .map((line) => JSON.parse(line) as Record<string, unknown>)
          .filter((event) => ['message', 'private'].includes(String(event.type)));
      })(),
      'the record of the conversation',
    );
    expect(said.map(({ time, id, room, ...event }) => event)).toEqual([
      { type: 'message', from: 'ada', text: 'hi server' },
      { type: 'message', from: 'server', text: 'hi ada' },
      { type: 'private', from: 'server', to: 'ada', text: 'psst' },
      { type: 'private', from: 'ada', to: 'server', text: 'psst back' },
    ]);
    expect(said.map((event) => 'id' in event)).toEqual([true, false, false, true]);
  });
});

describe('look-alike nicks', () => {
  it('refuses a look-alike of a taken nick or of the console with a clear line, and keeps the NFKC form of a new one', async () => {
    const server = await startServer(['--relay']);
    await ncJoined(server.port, 'alice');
    const mallory = run('nc', ['-N', '127.0.0.1', String(server.port)], { name: 'nc mallory' });
    await mallory.stdout.waitFor(/^\* welcome to /);
    const tries = [
      '\u0430lice',
      '\uff41lice',
      'ALICE',
      '\ud835\udc1a\ud835\udc25\ud835\udc22\ud835\udc1c\ud835\udc1e',
      '\uff53\uff45\uff52\uff56\uff45\uff52',
      'ali\u0307ce',
    ];
    for (const nick of tries) mallory.write(`/nick ${nick}\n`);
    mallory.write('/nick \uff4d\uff41llory\n');
    await mallory.stdout.waitFor('* you are now mallory');
    expect(mallory.stdout.all.filter((line) => line.startsWith('! '))).toEqual([
      '! nick \u0430lice looks like alice, which is taken',
      '! nick \uff41lice looks like alice, which is taken',
      '! nick ALICE is taken',
      '! nick \ud835\udc1a\ud835\udc25\ud835\udc22\ud835\udc1c\ud835\udc1e looks like alice, which is taken',
      '! nick \uff53\uff45\uff52\uff56\uff45\uff52 looks like server, which is taken',
      '! nick ali\u0307ce looks like alice, which is taken',
    ]);
  });
});
