import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificates, type CertFiles, type TestCertificates } from '../helpers/certificates.js';
import { rawClient } from './helpers/client.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp, trackSocket } from './helpers/leftovers.js';
import { run, tcpchat, waitForExit, type Running } from './helpers/processes.js';
import { startServer, type Server } from './helpers/server.js';
import { fingerprintAt, tlsClient } from './helpers/tls-client.js';
import { within } from './helpers/within.js';

let certs: TestCertificates;
let home: string; // each test's config folder (XDG_CONFIG_HOME) for the client's known_hosts
beforeAll(() => void (certs = makeCertificates()));
afterAll(() => certs.remove());
beforeEach(() => void (home = mkdtempSync(join(tmpdir(), 'tcpchat-home-'))));
afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
  rmSync(home, { recursive: true, force: true });
});

const knownHosts = (): string => join(home, 'tcpchat', 'known_hosts');

function tlsServer(files: CertFiles, args: readonly string[] = []): Promise<Server> {
  return startServer(['--tls-cert', files.cert, '--tls-key', files.key, ...args]);
}

/** `tcpchat connect --tls` with this test's config folder. */
function client(server: Server, args: readonly string[] = [], name = 'client'): Running {
  return tcpchat(['connect', `127.0.0.1:${server.port}`, '--tls', ...args], { name, env: { XDG_CONFIG_HOME: home } });
}

/** Sends a line each way between the server's console and a client that has been welcomed. */
async function chats(server: Server, peer: Running, text: string): Promise<void> {
  await peer.stdout.waitFor(/^\* welcome to server/);
  peer.write(`${text} from the client\n`);
  await server.stdout.waitFor((line) => line.endsWith(`> ${text} from the client`));
  server.write(`${text} from the server\n`);
  await peer.stdout.waitFor(`<server> ${text} from the server`);
}

/** Ends a client's input and waits for it to leave with exit 0. */
async function leaves(peer: Running): Promise<void> {
  peer.endInput();
  expect(await waitForExit(peer)).toEqual({ code: 0, signal: null });
}

describe('serve --tls-cert --tls-key', () => {
  it('fails to start with one sentence and exit 1 when the certificate cannot be read', async () => {
    const running = tcpchat(['serve', '--port', '0', '--tls-cert', join(certs.dir, 'missing.crt'), '--tls-key', certs.selfSigned.key], {
      stdin: 'ignore',
    });
    expect(await waitForExit(running)).toEqual({ code: 1, signal: null });
    expect(await running.stderr.end()).toEqual([`tcpchat: cannot read --tls-cert ${join(certs.dir, 'missing.crt')} (ENOENT)`]);
  });

  it('keeps the listening line as it is, shows the fingerprint on the next one, and chats with ncat --ssl', async () => {
    const server = await tlsServer(certs.selfSigned);
    expect(server.stderr.all[0]).toBe(`tcpchat: listening on 127.0.0.1:${server.port}`);
    await server.stderr.waitFor(`tcpchat: TLS certificate SHA256 fingerprint ${certs.selfSigned.fingerprint}`);
    const ncat = run('ncat', ['--ssl', '127.0.0.1', String(server.port)], { name: 'ncat --ssl' });
    await chats(server, ncat, 'ncat');
  });

  it('on SIGHUP serves new connections the new certificate; a reload that fails keeps the old one, in one line', async () => {
    const live = { cert: join(home, 'live.crt'), key: join(home, 'live.key'), fingerprint: '' };
    copyFileSync(certs.selfSigned.cert, live.cert);
    copyFileSync(certs.selfSigned.key, live.key);
    const server = await tlsServer(live);
    const before = await tlsClient(server.port, 'connected before the reload');
    await before.lines.waitFor(/^\* welcome/);
    expect(await fingerprintAt(server.port)).toBe(certs.selfSigned.fingerprint);

    copyFileSync(certs.otherSelfSigned.cert, live.cert);
    copyFileSync(certs.otherSelfSigned.key, live.key);
    server.child.kill('SIGHUP');
    await server.stderr.waitFor(`tcpchat: reloaded the TLS certificate, SHA256 fingerprint ${certs.otherSelfSigned.fingerprint}`);
    expect(await fingerprintAt(server.port)).toBe(certs.otherSelfSigned.fingerprint);

    writeFileSync(live.key, 'not a key\n');
    server.child.kill('SIGHUP');
    const kept = await server.stderr.waitFor(/^tcpchat: kept the old TLS certificate: /);
    expect(kept).toMatch(/--tls-key .*live\.key does not go with --tls-cert .*live\.crt/);
    expect(await fingerprintAt(server.port)).toBe(certs.otherSelfSigned.fingerprint);

    // The connection made before every reload still chats, and the server is the same process.
    before.send('still here\n');
    await server.stdout.waitFor('<guest-1> still here');
    expect(server.child.exitCode).toBeNull();
  });
});

describe('connect --tls', () => {
  it('back after a lost connection to a changed certificate, exits 1 at once saying how many lines are left unsent', async () => {
    const live = { cert: join(home, 'live.crt'), key: join(home, 'live.key'), fingerprint: '' };
    copyFileSync(certs.selfSigned.cert, live.cert);
    copyFileSync(certs.selfSigned.key, live.key);
    const server = await tlsServer(live);
    const proxy = await FaultProxy.start(server.port);
    const ada = tcpchat(['connect', `127.0.0.1:${proxy.port}`, '--tls', '--nick', 'ada'], { name: 'ada', env: { XDG_CONFIG_HOME: home } });
    await ada.stdout.waitFor('* you are now ada');

    proxy.blackHole(); // the two lines go out and are never acknowledged
    ada.write('one\ntwo\n');
    copyFileSync(certs.otherSelfSigned.cert, live.cert);
    copyFileSync(certs.otherSelfSigned.key, live.key);
    server.child.kill('SIGHUP');
    await server.stderr.waitFor(/^tcpchat: reloaded the TLS certificate/);
    proxy.reset();
    await ada.stderr.waitFor(/^tcpchat: connection lost: connection reset; reconnecting in/);
    proxy.heal();

    expect(await waitForExit(ada)).toEqual({ code: 1, signal: null });
    expect((await ada.stderr.end()).at(-1)).toMatch(
      /^tcpchat: .*certificate of 127\.0\.0\.1:\d+ has changed .*; 2 lines unsent; the input was not read to its end$/,
    );
  });

  it('pins a self-signed certificate on first use, connects quietly the next time, refuses it once it changes', async () => {
    const live = { cert: join(home, 'live.crt'), key: join(home, 'live.key'), fingerprint: '' };
    copyFileSync(certs.selfSigned.cert, live.cert);
    copyFileSync(certs.selfSigned.key, live.key);
    const server = await tlsServer(live);
    const where = `127.0.0.1:${server.port}`;

    const first = client(server, [], 'first client');
    await chats(server, first, 'first');
    await leaves(first);
    expect(await first.stderr.end()).toEqual([
      `tcpchat: ${where} has an unverified certificate (DEPTH_ZERO_SELF_SIGNED_CERT); pinned it on first use in ${knownHosts()}: SHA256 fingerprint ${certs.selfSigned.fingerprint}`,
    ]);
    expect(readFileSync(knownHosts(), 'utf8')).toBe(`${where} ${certs.selfSigned.fingerprint}\n`);

    const second = client(server, [], 'second client');
    await chats(server, second, 'second');
    await leaves(second);
    expect(await second.stderr.end()).toEqual([]);

    // Same host and port, another certificate: what a man in the middle would show.
    copyFileSync(certs.otherSelfSigned.cert, live.cert);
    copyFileSync(certs.otherSelfSigned.key, live.key);
    server.child.kill('SIGHUP');
    await server.stderr.waitFor(/^tcpchat: reloaded the TLS certificate/);
    const third = client(server, [], 'third client');
    expect(await waitForExit(third)).toEqual({ code: 1, signal: null });
    const refusal = await third.stderr.end();
    expect(refusal).toHaveLength(1);
    expect(refusal[0]).toMatch(
      new RegExp(`^tcpchat: .*certificate of ${where} has changed \\(SHA256 fingerprint now ${certs.otherSelfSigned.fingerprint}\\)`),
    );
    expect(refusal[0]).toContain(`remove line 1 of ${knownHosts()}`);
    expect(await third.stdout.end()).toEqual([]); // not a word of chat with an impostor
    expect(readFileSync(knownHosts(), 'utf8')).toBe(`${where} ${certs.selfSigned.fingerprint}\n`);
  });

  it('with --ca: verifies against that CA and pins nothing; the wrong CA is one sentence and exit 1', async () => {
    const server = await tlsServer(certs.signed);
    const refused = client(server, ['--ca', certs.wrongCa], 'client with the wrong CA');
    const verified = client(server, ['--ca', certs.ca], 'client with the right CA');
    expect(await waitForExit(refused)).toEqual({ code: 1, signal: null });
    expect(await refused.stderr.end()).toEqual([
      `tcpchat: cannot connect to 127.0.0.1:${server.port}: the server's certificate is not signed by a trusted CA`,
    ]);
    await chats(server, verified, 'verified');
    await leaves(verified);
    expect(await verified.stderr.end()).toEqual([]);
    expect(server.stdout.all.filter((line) => line.includes('joined'))).toHaveLength(1); // the refused one never got in
    expect(existsSync(knownHosts())).toBe(false);
  });

  it('with --insecure: connects to anything, warning loudly, and pins nothing', async () => {
    const server = await tlsServer(certs.selfSigned);
    const careless = client(server, ['--insecure']);
    await chats(server, careless, 'careless');
    await leaves(careless);
    const [warning, ...rest] = await careless.stderr.end();
    expect(warning).toMatch(/^tcpchat: WARNING: --insecure: .* is not checked, so anyone on the way can read and change this chat$/);
    expect(warning).toContain(certs.selfSigned.fingerprint);
    expect(rest).toEqual([]);
    expect(existsSync(knownHosts())).toBe(false);
  });

  it('says in one sentence that a plain server does not speak TLS', async () => {
    // Greets at once in plain text, as `tcpchat serve` without TLS does.
    const plain = createServer((socket) => trackSocket(socket).end('* welcome to server, you are guest-1\n'));
    await within(new Promise((resolve) => plain.listen(0, '127.0.0.1', () => resolve(undefined))), 'a plain server');
    const { port } = plain.address() as { port: number };
    try {
      const confused = tcpchat(['connect', `127.0.0.1:${port}`, '--tls'], { name: 'client', env: { XDG_CONFIG_HOME: home } });
      expect(await waitForExit(confused)).toEqual({ code: 1, signal: null });
      expect(await confused.stderr.end()).toEqual([`tcpchat: cannot connect to 127.0.0.1:${port}: the server does not speak TLS`]);
    } finally {
      plain.close();
    }
  });
});

describe('failed handshakes', () => {
  it('never disturb a TLS client chatting at the same time', async () => {
    const server = await tlsServer(certs.selfSigned, ['--relay']);
    const ada = await tlsClient(server.port, 'ada');
    await ada.lines.waitFor(/^\* welcome/);

    const garbage = await rawClient(server.port, 'a client sending garbage');
    garbage.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const quitter = await rawClient(server.port, 'a client that connects and closes');
    quitter.socket.end();
    const halfHello = await rawClient(server.port, 'a client that stops mid-handshake');
    halfHello.send(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])); // a ClientHello record header, then nothing
    halfHello.socket.destroy();

    let turn = 0;
    for (const peer of [garbage, quitter, halfHello]) {
      ada.send(`line ${++turn}\n`);
      await server.stdout.waitFor(`<guest-1> line ${turn}`);
      await within(peer.closed, `${peer.lines.name} to be closed`);
    }
    expect(garbage.lines.raw).not.toMatch(/welcome/); // never reached the chat
    server.write('all still here?\n');
    await ada.lines.waitFor('<server> all still here?');
    expect(server.stdout.all.filter((line) => line.includes('joined'))).toEqual([
      expect.stringMatching(/^\* guest-1 joined from 127\.0\.0\.1:\d+$/),
    ]);
    expect(server.stderr.all.filter((line) => !/^tcpchat: (listening on|TLS certificate|history is kept)/.test(line))).toEqual([]);
    expect(server.child.exitCode).toBeNull();
  });
});
