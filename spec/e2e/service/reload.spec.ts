import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawClient, type Client } from '../helpers/client.js';
import { cleanUp } from '../helpers/leftovers.js';
import { tcpchat, waitForExit } from '../helpers/processes.js';
import { startServer, type Server } from '../helpers/server.js';
import { within } from '../helpers/within.js';
import { WELCOME } from '../helpers/sentences.js';

afterEach(cleanUp);

let home: string;
beforeAll(() => void (home = mkdtempSync(join(tmpdir(), 'tcpchat-reload-'))));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** A client from `from` that gives `password`, once it is in the room. */
async function signedIn(server: Server, from: string, password: string, name: string): Promise<Client> {
  const client = await rawClient(server.port, name, '127.0.0.1', from);
  await client.lines.waitFor('* this server needs a password: send /pass SECRET');
  client.send(`/pass ${password}\n`);
  await client.lines.waitFor(WELCOME);
  return client;
}

/** A client from `from` that is refused with `reason`, in one line, before anything else. */
async function refused(server: Server, from: string, reason: string, name: string, password?: string): Promise<void> {
  const client = await rawClient(server.port, name, '127.0.0.1', from);
  if (password !== undefined) client.send(`/pass ${password}\n`);
  await within(client.ended, `${name} to be closed`);
  expect((await client.lines.end()).filter((line) => line.startsWith('!'))).toEqual([`! ${reason}`]);
}

async function hangUp(server: Server, said: RegExp): Promise<string> {
  const from = server.stderr.all.length;
  server.child.kill('SIGHUP');
  return server.stderr.waitFor(said, undefined, from);
}

describe('serve: SIGHUP reloads without a restart', () => {
  it('reads the password file and --allow-file again: old connections stay, new ones follow the new rules', async () => {
    const password = join(home, 'password');
    const allow = join(home, 'allow');
    writeFileSync(password, 'old secret\n');
    writeFileSync(allow, '# loopback, for now\n127.0.0.1\n\n');
    const server = await startServer(['--relay', '--password-file', password, '--allow-file', allow]);
    const before = await signedIn(server, '127.0.0.1', 'old secret', 'in before the reload');
    await refused(server, '127.0.0.2', 'access denied', 'from .2 before the reload');

    writeFileSync(password, 'new secret\n');
    writeFileSync(allow, '127.0.0.2 # only this one now\n');
    await hangUp(server, new RegExp(`^tcpchat: reloaded the password from ${password}$`));
    await server.stderr.waitFor(`tcpchat: reloaded the access lists from ${allow}`);

    await refused(server, '127.0.0.1', 'access denied', 'from .1 after the reload');
    await refused(server, '127.0.0.2', 'authentication failed', 'old password after the reload', 'old secret');
    const after = await signedIn(server, '127.0.0.2', 'new secret', 'in after the reload');
    // The connection made under the old rules is still in the room and chats with the new one.
    before.send('still here\n');
    await after.lines.waitFor(/^<guest-1> still here$/);
    expect(server.child.exitCode).toBeNull();
  });

  it('a bad file keeps the old settings and says so in one line; the others are still reloaded', async () => {
    const password = join(home, 'password-bad');
    const deny = join(home, 'deny-bad');
    writeFileSync(password, 'secret\n');
    writeFileSync(deny, '127.0.0.2\n');
    const server = await startServer(['--password-file', password, '--deny-file', deny]);

    writeFileSync(deny, '127.0.0.3\n10.0.0.0/40\n');
    writeFileSync(password, 'changed\n');
    const kept = await hangUp(server, /^tcpchat: kept the old access lists: /);
    expect(kept).toBe(
      `tcpchat: kept the old access lists: --deny-file ${deny} line 2: 10.0.0.0/40 is not an address or a CIDR block like 192.168.0.0/16 or fd00::/8`,
    );
    await server.stderr.waitFor(`tcpchat: reloaded the password from ${password}`);
    await refused(server, '127.0.0.2', 'access denied', 'still denied');
    await signedIn(server, '127.0.0.3', 'changed', 'not denied yet');

    rmSync(password);
    expect(await hangUp(server, /^tcpchat: kept the old password: /)).toBe(
      `tcpchat: kept the old password: cannot read --password-file ${password}: ENOENT`,
    );
    await signedIn(server, '127.0.0.1', 'changed', 'the password kept');

    writeFileSync(password, ' \t\n'); // no /pass could match it: everyone would be locked out
    expect(await hangUp(server, /^tcpchat: kept the old password: /)).toBe(
      `tcpchat: kept the old password: --password-file ${password} holds only blanks on its first line (a secret cannot be blank)`,
    );
    await signedIn(server, '127.0.0.4', 'changed', 'the password kept over blanks');
    expect(server.child.exitCode).toBeNull();
  });

  it('a server without TLS or files keeps serving on SIGHUP and says there was nothing to reload', async () => {
    const server = await startServer(['--relay']);
    const before = await rawClient(server.port, 'before SIGHUP');
    await before.lines.waitFor(/^\* welcome/);
    await hangUp(server, /^tcpchat: got SIGHUP: nothing to reload \(no --tls-cert, --password-file, --allow-file or --deny-file\)$/);
    const after = await rawClient(server.port, 'after SIGHUP');
    await after.lines.waitFor(/^\* welcome/);
    before.send('hello after the signal\n');
    await after.lines.waitFor(/^<guest-1> hello after the signal$/);
    expect(server.child.exitCode).toBeNull();
  });

  it('an --allow-file that cannot be read at start is one sentence and exit 1', async () => {
    const missing = join(home, 'missing-allow');
    const running = tcpchat(['serve', '--port', '0', '--allow-file', missing], { stdin: 'ignore' });
    expect(await waitForExit(running)).toEqual({ code: 1, signal: null });
    expect(await running.stderr.end()).toEqual([`tcpchat: cannot read --allow-file ${missing} (ENOENT)`]);
  });
});
