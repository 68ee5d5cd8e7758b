import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificates, type TestCertificates } from '../helpers/certificates.js';
import { cleanUp } from './helpers/leftovers.js';
import { run, tcpchat, waitForExit, type Running } from './helpers/processes.js';
import { startServer, type Server } from './helpers/server.js';

/**
 * A nick registered to a client certificate, with the built CLI over real TLS: `connect --tls
 * --nick` makes its own certificate on first use, a bare `/register` binds the nick to it, and
 * that client takes the nick back with no secret, after a server restart too; another certificate,
 * or none (`openssl s_client`), cannot.
 */

let certs: TestCertificates;
let dir: string; // the server's --data, and each client's config folder (XDG_CONFIG_HOME) under it
beforeAll(() => void (certs = makeCertificates()));
afterAll(() => certs.remove());
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'tcpchat-client-certs-'))));
afterEach(async () => {
  await cleanUp();
  rmSync(dir, { recursive: true, force: true });
});

const REFUSED = '! ada is registered to a client certificate: only a connection that presents it takes ada';

function tlsServer(): Promise<Server> {
  return startServer(['--tls-cert', certs.selfSigned.cert, '--tls-key', certs.selfSigned.key, '--data', join(dir, 'data')]);
}

/** `tcpchat connect --tls` from the config folder `home` (under the test's folder). */
function client(server: Server, home: string, args: readonly string[]): Running {
  return tcpchat(['connect', `127.0.0.1:${server.port}`, '--tls', ...args], { name: home, env: { XDG_CONFIG_HOME: join(dir, home) } });
}

/** Ends a client's input and waits for it to leave with exit 0. */
async function leaves(peer: Running): Promise<void> {
  peer.endInput();
  expect(await waitForExit(peer)).toEqual({ code: 0, signal: null });
}

describe('nicks registered to a client certificate', () => {
  it('connect --tls --nick makes a certificate, /register binds the nick to it, and it takes the nick back with no secret, after a restart too', async () => {
    let server = await tlsServer();
    const ada = client(server, 'ada', ['--nick', 'ada']);
    const made = await ada.stderr.waitFor(/^tcpchat: made a client certificate for your nicks in /);
    const certFile = join(dir, 'ada', 'tcpchat', 'client-cert.pem');
    const fingerprint = new X509Certificate(readFileSync(certFile)).fingerprint256;
    expect(made).toBe(
      `tcpchat: made a client certificate for your nicks in ${join(dir, 'ada', 'tcpchat')} (SHA256 fingerprint ${fingerprint}); /register binds your nick to it`,
    );
    expect(statSync(join(dir, 'ada', 'tcpchat', 'client-key.pem')).mode & 0o777).toBe(0o600);
    await ada.stdout.waitFor('* you are now ada');
    ada.write('/register\n');
    await ada.stdout.waitFor(
      '* ada is registered to you; take it back later by connecting with this client certificate (no secret needed)',
    );
    expect(await server.stdout.waitFor(/ada registered /)).toMatch(
      new RegExp(`ada registered \\(127\\.0\\.0\\.1:\\d+, client certificate ${fingerprint}\\)$`),
    );
    await leaves(ada);

    const back = client(server, 'ada', ['--nick', 'ada']);
    await back.stdout.waitFor('* you are now ada');
    expect(back.stderr.all.filter((line) => line.includes('made a client certificate'))).toEqual([]);
    await leaves(back); // the nick is free now, yet not to just anyone

    const other = client(server, 'bob', ['--nick', 'ada']);
    await other.stderr.waitFor((line) => line.startsWith(`tcpchat: the server refused the nick ada (${REFUSED.slice(2)}); you are guest-`));
    const bare = run('openssl', ['s_client', '-quiet', '-connect', `127.0.0.1:${server.port}`], { name: 'openssl s_client' });
    await bare.stdout.waitFor(/^\* welcome to server, you are guest-\d+/);
    bare.write('/nick ada\n');
    await bare.stdout.waitFor(REFUSED);
    bare.write('/identify ada guess\n');
    await bare.stdout.waitFor('! ada is registered to a client certificate; no secret takes it');

    server.child.kill('SIGKILL');
    await waitForExit(server);
    server = await tlsServer();
    const afterRestart = client(server, 'ada', ['--nick', 'ada']);
    await afterRestart.stdout.waitFor('* you are now ada');
    afterRestart.write('/unregister\n');
    await afterRestart.stdout.waitFor('* ada is no longer registered');
    await leaves(afterRestart);
  });

  it('connect --tls --cert FILE --key FILE presents that certificate, the one its fingerprint names', async () => {
    const server = await tlsServer();
    const files = ['--cert', certs.otherSelfSigned.cert, '--key', certs.otherSelfSigned.key];
    const bob = client(server, 'bob', files);
    await bob.stdout.waitFor(/^\* welcome to server/);
    bob.write('/nick bob\n/register\n');
    await bob.stdout.waitFor(/^\* bob is registered to you; take it back later by connecting with this client certificate/);
    expect(await server.stdout.waitFor(/bob registered /)).toMatch(
      new RegExp(`client certificate ${certs.otherSelfSigned.fingerprint}\\)$`),
    );
    await leaves(bob);
    const again = client(server, 'elsewhere', [...files, '--nick', 'bob']);
    await again.stdout.waitFor('* you are now bob');
    expect(again.stderr.all.filter((line) => line.includes('made a client certificate'))).toEqual([]);
    await leaves(again);
  });

  it('refuses a --key that does not go with --cert in one sentence, exit 1', async () => {
    // Checked before connecting: nothing needs to listen.
    const wrong = tcpchat(['connect', '127.0.0.1:9', '--tls', '--cert', certs.selfSigned.cert, '--key', certs.otherSelfSigned.key]);
    expect(await waitForExit(wrong)).toEqual({ code: 1, signal: null });
    expect(await wrong.stderr.end()).toEqual([
      expect.stringMatching(
        new RegExp(`^tcpchat: --key ${certs.otherSelfSigned.key} does not go with --cert ${certs.selfSigned.cert} \\(`),
      ),
    ]);
  });
});
