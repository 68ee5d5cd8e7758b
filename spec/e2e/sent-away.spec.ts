import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { chatter } from './helpers/chatter.js';
import { joined } from './helpers/client.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import { tcpchat, waitForExit, type Running } from './helpers/processes.js';
import { startServer } from './helpers/server.js';
import { makeCertificates, type TestCertificates } from '../helpers/certificates.js';

/**
 * tcpchat's client told to go (refused at the door, kicked, timed out, a wrong password, a TLS
 * server spoken to in plain text) does not come back by itself: it exits 1 with one sentence.
 */
let certs: TestCertificates;
beforeAll(() => void (certs = makeCertificates()));
afterAll(() => certs.remove());
afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
});

/** `tcpchat connect` with stdin left open (a person who did not type anything yet). */
const connectTo = (port: number, args: readonly string[] = [], env?: NodeJS.ProcessEnv): Running =>
  tcpchat(['connect', `127.0.0.1:${port}`, ...args], { name: 'client', env: { TCPCHAT_PASSWORD: '', ...env } });

async function exitsWith(client: Running, sentence: string | RegExp): Promise<void> {
  expect(await waitForExit(client)).toEqual({ code: 1, signal: null });
  const stderr = await client.stderr.end();
  expect(stderr).toHaveLength(1);
  expect(stderr[0]).toMatch(sentence);
}

describe('a client refused at the door', () => {
  // One line on stderr: no "reconnecting in", so no second try.
  it('server full: exits 1 with the reason, after one try', async () => {
    const server = await startServer(['--relay', '--max-clients', '1']);
    await joined(server.port, 'first');
    await exitsWith(connectTo(server.port), `tcpchat: 127.0.0.1:${server.port} refused us: server full`);
  });

  it('access denied: exits 1 with the reason', async () => {
    const server = await startServer(['--relay', '--deny', '127.0.0.1']);
    await exitsWith(connectTo(server.port), `tcpchat: 127.0.0.1:${server.port} refused us: access denied`);
  });

  it('a wrong password, or none, exits 1 saying authentication failed (and does not lock the address out by retrying)', async () => {
    const server = await startServer(['--relay'], { env: { TCPCHAT_PASSWORD: 'right' } });
    await exitsWith(connectTo(server.port, [], { TCPCHAT_PASSWORD: 'wrong' }), /refused us: authentication failed$/);
    const none = connectTo(server.port);
    none.write('hi\n');
    none.endInput();
    await exitsWith(none, /refused us: authentication failed$/);
    // Two failures only: the right password still gets in.
    const good = connectTo(server.port, ['--nick', 'bea'], { TCPCHAT_PASSWORD: 'right' });
    await good.stdout.waitFor('* you are now bea');
  });
});

describe('a client sent away', () => {
  it('kicked from the console: exits 1 with the reason and does not take its nick back', async () => {
    const server = await startServer(['--relay']);
    const ada = await chatter(server.port, 'ada');
    server.write('/kick ada enough\n');
    await exitsWith(ada, 'tcpchat: you were kicked by server: enough');
    const joins = server.stdout.all.filter((line) => /joined|is now ada/.test(line));
    expect(joins.filter((line) => line.includes('is now ada'))).toHaveLength(1);
  });

  it('dropped for idling: exits 1 with the reason', async () => {
    const server = await startServer(['--relay', '--idle-timeout', '1']);
    const ada = await chatter(server.port, 'ada');
    await exitsWith(ada, 'tcpchat: disconnected: idle for 1 second');
  });
});

describe('a plain connection to a TLS server', () => {
  it('exits 1 saying to use --tls: with input ended, and with input still open', async () => {
    const server = await startServer(['--relay', '--tls-cert', certs.selfSigned.cert, '--tls-key', certs.selfSigned.key]);
    const piped = connectTo(server.port);
    piped.write('hi\n');
    piped.endInput();
    await exitsWith(piped, `tcpchat: cannot talk to 127.0.0.1:${server.port}: the server speaks TLS; use --tls`);

    const open = connectTo(server.port, ['--nick', 'ada']);
    open.write('hi\n'); // and stdin stays open: no endless "reconnected"; what it may still bring is said to be unread
    await exitsWith(open, /the server speaks TLS; use --tls; the input was not read to its end$/);
  });
});

describe('reconnecting to something that accepts and hangs up', () => {
  it('never says reconnected before a welcome, and keeps counting retries until it gives up', async () => {
    const server = await startServer(['--relay', '--shutdown-deadline', '1']);
    const proxy = await FaultProxy.start(server.port); // accepts, then drops each link once the server is gone
    const ada = await chatter(proxy.port, 'ada', ['--retry', '3']);
    server.child.kill('SIGTERM');
    expect(await waitForExit(ada, 15_000)).toEqual({ code: 1, signal: null });
    const stderr = await ada.stderr.end();
    expect(stderr.filter((line) => line.includes('reconnected'))).toEqual([]);
    expect(stderr.at(-1)).toMatch(/\(gave up after 3 retries\)$/);
    expect(proxy.connections).toBeGreaterThanOrEqual(4); // the first, then three tries (the TLS check may add some)
  });
});
