import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ask, joined, type Client } from './helpers/client.js';
import { cleanUp } from './helpers/leftovers.js';
import { tcpchat, waitForExit } from './helpers/processes.js';
import { startServer, type Server } from './helpers/server.js';

/**
 * `tcpchat connect --nick NICK` fed by a pipe that ends at once (`echo ... | tcpchat connect`):
 * every line goes out under NICK, never under the guest nick the welcome gives, also when NICK is
 * registered and taken with TCPCHAT_IDENTITY; a nick the server refuses is said on stderr.
 */

let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'tcpchat-nick-first-'))));
afterEach(async () => {
  await cleanUp();
  rmSync(dir, { recursive: true, force: true });
});

const LINES = ['one', 'two', 'three'];
const SECRET = 's3cret';

/** Pipes LINES into `connect --nick nick` and ends the input at once; resolves with its exit, stdout and stderr. */
async function piped(
  server: Server,
  nick: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; out: string[]; err: string[] }> {
  const client = tcpchat(['connect', `127.0.0.1:${server.port}`, '--nick', nick], { name: `connect --nick ${nick}`, env });
  client.write(LINES.map((line) => `${line}\n`).join(''));
  client.endInput();
  const { code } = await waitForExit(client);
  return { code, out: client.stdout.all, err: client.stderr.all };
}

/** The room lines that carry LINES, as the observer saw them, once the last has come. */
async function said(observer: Client, from: string): Promise<string[]> {
  await observer.lines.waitFor(`<${from}> ${LINES.at(-1)}`);
  return observer.lines.all.filter((line) => LINES.some((text) => line.endsWith(`> ${text}`)));
}

const guestLines = (server: Server): string[] => server.stdout.all.filter((line) => /<guest-\d+>/.test(line));

describe('the nick before the lines of a pipe', () => {
  it('with TCPCHAT_IDENTITY, a registered nick says every line, none as a guest, and the client exits 0', async () => {
    const server = await startServer(['--data', dir]);
    const ada = await joined(server.port, 'ada');
    await ask(ada, `/register ${SECRET}`, /^\* ada is registered to you/);
    ada.socket.end();
    await ada.closed;
    const observer = await joined(server.port, 'obs');

    const { code, out, err } = await piped(server, 'ada', { TCPCHAT_IDENTITY: SECRET });
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(await said(observer, 'ada')).toEqual(['<ada> one', '<ada> two', '<ada> three']);
    expect(guestLines(server)).toEqual([]);
    // Taken once, by /identify: the answer to the /nick after it says nothing new and is not shown.
    expect(out.filter((line) => /you are (now )?ada$/.test(line))).toEqual(['* you are now ada']);
  });

  it('without a secret, an unregistered nick says every line, none as a guest', async () => {
    const server = await startServer(['--data', dir]);
    const observer = await joined(server.port, 'obs');

    const { code, err } = await piped(server, 'bea');
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(await said(observer, 'bea')).toEqual(['<bea> one', '<bea> two', '<bea> three']);
    expect(guestLines(server)).toEqual([]);
  });

  it('a nick the server refuses is said in one line on stderr, and the lines go out under the guest nick it gave', async () => {
    const server = await startServer(['--data', dir]);
    const holder = await joined(server.port, 'cid');

    const { code, err } = await piped(server, 'cid');
    expect(code).toBe(0);
    expect(err).toEqual([expect.stringMatching(/^tcpchat: the server refused the nick cid \(nick cid is taken\); you are guest-\d+$/)]);
    const guest = /you are (guest-\d+)$/.exec(err[0])![1];
    expect(await said(holder, guest)).toEqual([`<${guest}> one`, `<${guest}> two`, `<${guest}> three`]);
  });
});
