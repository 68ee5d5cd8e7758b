import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ask, rawClient, type Client } from './helpers/client.js';
import { cleanUp } from './helpers/leftovers.js';
import { waitForExit } from './helpers/processes.js';
import { startServer } from './helpers/server.js';

let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'tcpchat-moderation-guests-'))));
afterEach(async () => {
  await cleanUp();
  rmSync(dir, { recursive: true, force: true });
});

/** A plain client, once welcomed: `guest-N` by arrival. */
async function guest(port: number, nick: string): Promise<Client> {
  const client = await rawClient(port, nick);
  await client.lines.waitFor(`* welcome to server, you are ${nick} in #lobby; /help lists commands`);
  return client;
}

describe('moderation of guest nicks with --data', () => {
  it('a mute and a ban on guest nicks hold for that run only: after a restart the newcomers given those nicks speak freely', async () => {
    const first = await startServer(['--data', dir, '--rate', '0']);
    const muted = await guest(first.port, 'guest-1');
    const banned = await guest(first.port, 'guest-2');
    first.write('/mute guest-1 1h\n/ban guest-2 1h spam\n/mute carol 1h\n');
    await first.stdout.waitFor(/^\* carol was muted by server/);
    await ask(muted, 'quiet?', /^! you are muted \(until .* UTC\)$/); // this run: it holds
    await banned.ended;
    first.child.kill('SIGTERM');
    expect((await waitForExit(first)).code).toBe(0);

    const second = await startServer(['--data', dir, '--rate', '0']);
    const newcomer = await guest(second.port, 'guest-1');
    const other = await guest(second.port, 'guest-2');
    const listener = await guest(second.port, 'guest-3');
    newcomer.send('hello from a newcomer\n');
    other.send('hello from another\n');
    await listener.lines.waitFor('<guest-1> hello from a newcomer');
    await listener.lines.waitFor('<guest-2> hello from another');
    await ask(newcomer, '/nick dan', '* you are now dan');
    // A mute on a nick someone may hold again (not a guest's) still holds after the restart.
    await ask(other, '/nick carol', '* you are now carol');
    await ask(other, 'still muted?', /^! you are muted \(until .* UTC\)$/);
  });
});
