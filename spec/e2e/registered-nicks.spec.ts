import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ask, joined } from './helpers/client.js';
import { cleanUp } from './helpers/leftovers.js';
import { run, tcpchat, waitForExit } from './helpers/processes.js';
import { startServer } from './helpers/server.js';

/** Registered nicks with `serve --data DIR`: a registration outlives a SIGKILL, and only its secret takes the nick back. */

let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'tcpchat-nicks-'))));
afterEach(async () => {
  await cleanUp();
  rmSync(dir, { recursive: true, force: true });
});

const SECRET = 's3cret words';

describe('registered nicks', () => {
  it('outlive a SIGKILL: nc cannot take the nick and is told why; the owner’s client with TCPCHAT_IDENTITY gets it back', async () => {
    const first = await startServer(['--data', dir]);
    const ada = await joined(first.port, 'ada');
    await ask(ada, `/register ${SECRET}`, '* ada is registered to you; take it back later with /identify ada SECRET');
    first.child.kill('SIGKILL');
    expect((await waitForExit(first)).signal).toBe('SIGKILL');

    const second = await startServer(['--data', dir]);
    const nc = run('nc', ['-N', '127.0.0.1', String(second.port)], { name: 'nc' });
    await nc.stdout.waitFor(/^\* welcome to .* you are guest-1/);
    nc.write('/nick ada\n');
    await nc.stdout.waitFor('! ada is registered: /identify ada SECRET first');
    nc.write('/identify ada wrong\n');
    await nc.stdout.waitFor('! wrong secret for ada');

    const owner = tcpchat(['connect', `127.0.0.1:${second.port}`, '--nick', 'ada'], { name: 'ada', env: { TCPCHAT_IDENTITY: SECRET } });
    await owner.stdout.waitFor('* you are now ada');
    nc.write('/who\n');
    await nc.stdout.waitFor(/^\* online in #lobby \(3\): server, (guest-1, ada|ada, guest-1)$/);
    const everything = [...owner.stdout.all, ...owner.stderr.all, ...second.stdout.all, ...second.stderr.all, ...nc.stdout.all];
    expect(everything.filter((line) => line.includes('s3cret'))).toEqual([]);
  });

  it('connect --identity-file with a wrong secret leaves the client a guest, told why in one line', async () => {
    const server = await startServer(['--data', dir]);
    const ada = await joined(server.port, 'ada');
    await ask(ada, `/register ${SECRET}`, /^\* ada is registered to you/);
    ada.socket.end();
    await ada.closed;
    const file = join(dir, 'identity');
    writeFileSync(file, 'not it\n');
    const other = tcpchat(['connect', `127.0.0.1:${server.port}`, '--nick', 'ada', '--identity-file', file], { name: 'other' });
    await other.stderr.waitFor(
      /^tcpchat: the server refused the nick ada \(wrong secret for ada; ada is registered: \/identify ada SECRET first\); you are guest-\d+$/,
    );
    expect(other.stdout.all.filter((line) => line.includes('you are now ada'))).toEqual([]);
  });
});
