import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createServer as createPlainServer } from 'node:net';
import { createServer, TLSSocket, type Server } from 'node:tls';
import { firstValueFrom } from 'rxjs';
import { connect } from '../../../src/drivers/connect.js';
import { makeCertificates, type CertFiles, type TestCertificates } from '../../helpers/certificates.js';
import { event, Leftovers, readUntil, within } from './helpers/loopback.js';

let certs: TestCertificates;
beforeAll(() => void (certs = makeCertificates()));
afterAll(() => certs.remove());

const leftovers = new Leftovers();
afterEach(() => leftovers.cleanUp());

/** A plain Node TLS server with `files`; resolves with its port and each accepted socket. */
async function tlsServer(files: CertFiles): Promise<{ server: Server; port: number; accepted: Promise<TLSSocket> }> {
  const server = createServer({ cert: readFileSync(files.cert), key: readFileSync(files.key) });
  leftovers.server(server);
  server.on('connection', (socket) => leftovers.socket(socket, true));
  server.on('tlsClientError', () => {});
  const accepted = new Promise<TLSSocket>((resolve) => server.once('secureConnection', resolve));
  server.listen(0, '127.0.0.1');
  await event(server, 'listening');
  return { server, port: (server.address() as { port: number }).port, accepted };
}

const connected = async (options: Parameters<typeof connect>[0]): Promise<TLSSocket> => {
  const socket = await within(firstValueFrom(connect(options)), 'the TLS connection');
  leftovers.socket(socket, true);
  expect(socket).toBeInstanceOf(TLSSocket);
  return socket as TLSSocket;
};

describe('connect with TLS', () => {
  it('without verification: emits the socket after the handshake, with what the caller needs to judge it', async () => {
    const { port, accepted } = await tlsServer(certs.selfSigned);
    const socket = await connected({ host: '127.0.0.1', port, tls: { verify: false } });
    expect(socket.authorized).toBe(false);
    expect(String(socket.authorizationError)).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(socket.getPeerCertificate().fingerprint256).toBe(certs.selfSigned.fingerprint);
    expect(socket.isPaused()).toBe(true); // nothing is read before its owner subscribes

    const ours = await within(accepted, 'the server side');
    socket.write('hi\n');
    await readUntil(ours, 'hi\n');
  });

  it('with the right CA: verified, host name (IP SAN) included', async () => {
    const { port } = await tlsServer(certs.signed);
    const socket = await connected({ host: '127.0.0.1', port, tls: { verify: true, ca: readFileSync(certs.ca) } });
    expect(socket.authorized).toBe(true);
  });

  it.each([
    ['a certificate another CA signed', 'signed', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['a self-signed certificate', 'selfSigned', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  ] as const)('with the wrong CA: fails on %s with its code', async (_, which, code) => {
    const { port } = await tlsServer(certs[which]);
    const attempt = firstValueFrom(connect({ host: '127.0.0.1', port, tls: { verify: true, ca: readFileSync(certs.wrongCa) } }));
    await expect(within(attempt, 'the verification failure')).rejects.toMatchObject({ code });
  });

  it('sends SNI for a host name but never for an IP address', async () => {
    const byIp = await tlsServer(certs.selfSigned);
    await connected({ host: '127.0.0.1', port: byIp.port, tls: { verify: false } });
    const ipSide = await within(byIp.accepted, 'the connection by IP');
    expect(ipSide.servername).toBeFalsy();

    const byName = await tlsServer(certs.selfSigned);
    await connected({ host: 'localhost', port: byName.port, tls: { verify: false } });
    const nameSide = await within(byName.accepted, 'the connection by name');
    expect(nameSide.servername).toBe('localhost');
  });

  it('fails with the TLS error when the server does not speak TLS', async () => {
    const plain = leftovers.server(createPlainServer((socket) => leftovers.socket(socket, true).end('* welcome to server\n')));
    plain.listen(0, '127.0.0.1');
    await event(plain, 'listening');
    const { port } = plain.address() as { port: number };
    await expect(within(firstValueFrom(connect({ host: '127.0.0.1', port, tls: { verify: false } })), 'the failure')).rejects.toMatchObject(
      {
        code: 'ERR_SSL_WRONG_VERSION_NUMBER',
      },
    );
  });

  it('gives up on a handshake the server never answers after its own timeout, and lets the socket go', async () => {
    const silent = leftovers.server(createPlainServer((socket) => leftovers.socket(socket, true)));
    silent.listen(0, '127.0.0.1');
    await event(silent, 'listening');
    const closed = new Promise<void>((resolve) => silent.once('connection', (socket) => socket.once('close', () => resolve()).resume()));
    const { port } = silent.address() as { port: number };
    const failure = within(firstValueFrom(connect({ host: '127.0.0.1', port, tls: { verify: false }, timeoutMs: 200 })), 'the timeout');
    await expect(failure).rejects.toMatchObject({ code: 'TLS_HANDSHAKE_TIMEOUT', message: 'the TLS handshake took longer than 0.2 s' });
    await within(closed, 'the abandoned connection to close');
  });
});
