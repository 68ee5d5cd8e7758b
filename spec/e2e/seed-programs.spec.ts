import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanUp } from './helpers/leftovers.js';
import { ROOT, run, tcpchat, waitForExit, type Running } from './helpers/processes.js';
import { startServer } from './helpers/server.js';

/**
 * The original programs themselves (in shared/seed/ next to the project, or TCPCHAT_SEED), run
 * with python3 from copies in a temporary folder, changed only where they name their port: the
 * client takes it as its argument, the server binds a free one on loopback and prints it.
 */
const SEED_PLACES = [process.env.TCPCHAT_SEED, join(ROOT, '..', 'shared', 'seed'), join(ROOT, '..', '..', 'shared', 'seed')];
let dir: string;

beforeAll(() => {
  const SEED = SEED_PLACES.find((place) => place !== undefined && existsSync(join(place, 'Client.py')));
  if (SEED === undefined)
    throw new Error(`the original programs are in none of ${SEED_PLACES.filter(Boolean).join(', ')} (set TCPCHAT_SEED)`);
  dir = mkdtempSync(join(tmpdir(), 'tcpchat-seed-'));
  const client = readFileSync(join(SEED, 'Client.py'), 'utf8');
  const server = readFileSync(join(SEED, 'Server.py'), 'utf8');
  writeFileSync(join(dir, 'Client.py'), patched(client, "('127.0.0.1', 2023)", "('127.0.0.1', int(__import__('sys').argv[1]))"));
  const bound = patched(server, "Server.bind(('', 2023))", "Server.bind(('127.0.0.1', 0))");
  writeFileSync(join(dir, 'Server.py'), patched(bound, 'Server.listen(5)', "Server.listen(5)\nprint('port', Server.getsockname()[1])"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(cleanUp);

function patched(source: string, from: string, to: string): string {
  if (!source.includes(from)) throw new Error(`the seed program no longer contains ${from}`);
  return source.replace(from, to);
}

/** What the seed client printed for each read: the text after its label, one entry per recv(1024). */
const CLIENT_LABEL = '服务器：';
const SERVER_LABEL = '客户端：';
const reads = (program: Running, label: string): string[] =>
  program.stdout.all.filter((line) => line.includes(label)).map((line) => line.slice(line.indexOf(label) + label.length));

describe('serve --framing raw with the original Client.py', () => {
  it('chats both ways; lines typed quickly arrive as messages of their own; a long line comes in pieces the client can decode', async () => {
    // The original programs had no rooms: their Client.py talks with the console alone.
    const server = await startServer(['--console-only', '--framing', 'raw', '--max-line', '4000']);
    const client = run('python3', ['-u', join(dir, 'Client.py'), String(server.port)], { name: 'Client.py' });
    await client.stdout.waitFor((line) => line.includes(`${CLIENT_LABEL}* welcome to server, you are guest-1`));

    client.write('你好，服务器\n');
    await server.stdout.waitFor('<guest-1> 你好，服务器');

    server.write('one\ntwo\n'); // typed quickly: one write to the console
    await client.stdout.waitFor((line) => line.endsWith(`${CLIENT_LABEL}<server> two`));
    const long = 'é'.repeat(1500); // 3000 bytes: more than one recv(1024)
    server.write(`${long}\n`);
    server.write('after\n');
    await client.stdout.waitFor((line) => line.endsWith(`${CLIENT_LABEL}<server> after`));

    const got = reads(client, CLIENT_LABEL);
    expect(got.slice(got.indexOf('<server> one'))).toEqual([
      '<server> one',
      '<server> two',
      ...pieces(`<server> ${long}`),
      '<server> after',
    ]);
    expect(client.stderr.raw).toBe(''); // no UnicodeDecodeError, nothing

    client.write(`${'x'.repeat(4001)}\n`); // over --max-line
    await client.stdout.waitFor((line) => line.endsWith(`${CLIENT_LABEL}! line too long (max 4000 bytes)`));
    expect(server.stdout.all.some((line) => line.includes('xxxx'))).toBe(false);
  });
});

/** How a text is cut for recv(1024): at most 1024 bytes a piece, between characters (é is 2 bytes). */
function pieces(text: string): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > 0) {
    let take = rest.length;
    while (Buffer.byteLength(rest.slice(0, take)) > 1024) take--;
    out.push(rest.slice(0, take));
    rest = rest.slice(take);
  }
  return out;
}

describe('connect --framing raw with the original Server.py', () => {
  it("sends only text, one message per line; /nick and /who stay local; /quit ends it; the server's text is shown", async () => {
    const seed = run('python3', ['-u', join(dir, 'Server.py')], { name: 'Server.py' });
    const port = Number((await seed.stdout.waitFor(/^port \d+$/)).split(' ')[1]);
    const client = tcpchat(['connect', `127.0.0.1:${port}`, '--framing', 'raw'], { name: 'connect --framing raw' });
    await seed.stdout.waitFor((line) => line.includes('客户端与与服务器连接成功'));

    client.write('hello\nsecond\n/nick bob\n/who\n//literal\n'); // typed quickly
    await seed.stdout.waitFor((line) => line.endsWith(`${SERVER_LABEL}/literal`));
    expect(reads(seed, SERVER_LABEL)).toEqual(['hello', 'second', '/literal']);
    await client.stderr.waitFor(
      'tcpchat: /nick is not available in raw mode: the server reads only text (//text sends /text, /quit leaves)',
    );
    await client.stderr.waitFor((line) => line.startsWith('tcpchat: /who is not available in raw mode'));

    seed.write('来自服务器的消息\n');
    await client.stdout.waitFor('来自服务器的消息');

    client.write('/quit\n');
    expect(await waitForExit(client)).toEqual({ code: 0, signal: null });
    await seed.stdout.waitFor((line) => line.endsWith(SERVER_LABEL)); // its recv() saw the end
    expect(reads(seed, SERVER_LABEL)).toEqual(['hello', 'second', '/literal', '']);
  });
});
