import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { filter, firstValueFrom, of, ReplaySubject, Subject, type Subscription } from 'rxjs';
import { listen, type ListenEvent } from '../../../src/drivers/listen.js';
import { serverConnection } from '../../../src/drivers/server-connection.js';
import { mergeConnections } from '../../../streams/server/merge-connections.js';
import { readCredentials, type TlsCredentials } from '../../../src/drivers/tls-credentials.js';
import { makeCertificates, type TestCertificates } from '../../helpers/certificates.js';
import { connectTo, event, Leftovers, readToEnd, readUntil, within } from './helpers/loopback.js';

let certs: TestCertificates;
let first: TlsCredentials;
let second: TlsCredentials;
beforeAll(() => {
  certs = makeCertificates();
  first = readCredentials({ certFile: certs.selfSigned.cert, keyFile: certs.selfSigned.key });
  second = readCredentials({ certFile: certs.otherSelfSigned.cert, keyFile: certs.otherSelfSigned.key });
});
afterAll(() => certs.remove());

const leftovers = new Leftovers();
const subscriptions: Subscription[] = [];
afterEach(async () => {
  subscriptions.splice(0).forEach((subscription) => subscription.unsubscribe());
  await leftovers.cleanUp();
});

type Of<T extends ListenEvent['type']> = Extract<ListenEvent, { type: T }>;

/** A TLS server on 127.0.0.1, every event replayed so a test can wait for any of them. */
async function tlsServer(options: { handshakeTimeoutMs?: number; reload$?: Subject<TlsCredentials> } = {}) {
  const events = new ReplaySubject<ListenEvent>();
  const tls = { credentials: first, handshakeTimeoutMs: options.handshakeTimeoutMs ?? 3000, reload$: options.reload$ };
  subscriptions.push(listen({ host: '127.0.0.1', port: 0, tls }).subscribe(events));
  const next = <T extends ListenEvent['type']>(type: T, what: string): Promise<Of<T>> =>
    within(firstValueFrom(events.pipe(filter((e): e is Of<T> => e.type === type))), what);
  const all = <T extends ListenEvent['type']>(type: T): Of<T>[] => {
    const seen: Of<T>[] = [];
    events.subscribe((e) => e.type === type && seen.push(e as Of<T>)).unsubscribe();
    return seen;
  };
  const { port } = await next('listening', 'the listening event');
  return { events, port, next, all };
}

/** A TLS client that accepts any certificate (these specs check the server, not trust). */
async function tlsClient(port: number, options: ConnectionOptions = {}): Promise<TLSSocket> {
  const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options });
  leftovers.socket(socket, true);
  await event(socket, 'secureConnect');
  return socket;
}

describe('listen with TLS', () => {
  it('hands on a connection only once its handshake is done, and chat flows encrypted both ways', async () => {
    const server = await tlsServer();
    const plain = await connectTo(leftovers, server.port); // TCP only: no handshake yet
    const client = await tlsClient(server.port);
    const { socket } = await server.next('connection', 'the TLS connection');
    leftovers.socket(socket);

    expect(server.all('connection')).toHaveLength(1);
    expect(socket.remotePort).toBe(client.localPort);
    expect(socket.remotePort).not.toBe(plain.localPort);
    expect((socket as TLSSocket).encrypted).toBe(true);
    expect(client.getPeerCertificate().fingerprint256).toBe(certs.selfSigned.fingerprint);
    expect(['TLSv1.2', 'TLSv1.3']).toContain(client.getProtocol());

    socket.write('hello over TLS\n');
    await readUntil(client, 'hello over TLS\n');
    client.write('and back\n');
    await readUntil(socket, 'and back\n');
  });

  it('keeps our side open after a client ends its own (TLS close_notify and FIN): what we write later still reaches it', async () => {
    const server = await tlsServer();
    const client = await tlsClient(server.port);
    const { socket } = await server.next('connection', 'the TLS connection');
    leftovers.socket(socket);
    const all = readToEnd(client);
    socket.resume();
    client.end('last line\n');
    await event(socket, 'end');
    expect(socket.writable).toBe(true);
    socket.end('answered after its end\n');
    expect((await all).toString()).toBe('answered after its end\n');
  });

  it('reports a garbage handshake as an event, closes that socket alone, and goes on accepting', async () => {
    const server = await tlsServer();
    const scanner = await connectTo(leftovers, server.port);
    const closed = event(scanner, 'close');
    scanner.write('GET / HTTP/1.0\r\n\r\n');
    const failed = await server.next('handshake-failed', 'the failed handshake');
    expect(failed.address).toBe('127.0.0.1');
    await closed;

    const client = await tlsClient(server.port);
    const { socket } = await server.next('connection', 'a good connection after the bad one');
    leftovers.socket(socket);
    expect(socket.remotePort).toBe(client.localPort);
  });

  it('drops a client that does not finish its handshake in time', async () => {
    const server = await tlsServer({ handshakeTimeoutMs: 150 });
    const silent = await connectTo(leftovers, server.port);
    const closed = event(silent, 'close');
    const failed = await server.next('handshake-failed', 'the handshake timeout');
    expect((failed.error as NodeJS.ErrnoException).code).toBe('ERR_TLS_HANDSHAKE_TIMEOUT');
    await closed;
  });

  it('drops a client that ends its side before finishing its handshake at once, not at the handshake limit', async () => {
    const server = await tlsServer({ handshakeTimeoutMs: 30_000 });
    const plain = await connectTo(leftovers, server.port);
    plain.end(Uint8Array.of(0x16, 0x03, 0x01)); // the start of a ClientHello, then FIN
    await event(plain, 'close');
    expect(server.all('connection')).toEqual([]);
  });

  it('refuses TLS 1.1', async () => {
    const server = await tlsServer();
    // SECLEVEL=0 lets this OpenSSL offer TLS 1.1 at all, so it is the server that says no.
    const old = tlsConnect({
      host: '127.0.0.1',
      port: server.port,
      rejectUnauthorized: false,
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    });
    leftovers.socket(old);
    const [clientError] = await event<[Error]>(old, 'error');
    expect(clientError.message).toMatch(/protocol version|unsupported protocol/i);
    const failed = await server.next('handshake-failed', 'the refused old handshake');
    expect(failed.error.message).toMatch(/unsupported protocol/i);
  });

  it('uses reloaded credentials for new connections; a connection made before keeps working', async () => {
    const reload$ = new Subject<TlsCredentials>();
    const server = await tlsServer({ reload$ });
    const before = await tlsClient(server.port);
    const { socket: old } = await server.next('connection', 'the first connection');
    leftovers.socket(old);

    reload$.next(second);
    expect(await server.next('credentials-reloaded', 'the reload')).toEqual({
      type: 'credentials-reloaded',
      fingerprint: certs.otherSelfSigned.fingerprint,
    });
    const after = await tlsClient(server.port);
    expect(after.getPeerCertificate().fingerprint256).toBe(certs.otherSelfSigned.fingerprint);
    expect(before.getPeerCertificate().fingerprint256).toBe(certs.selfSigned.fingerprint);
    old.write('still here\n');
    await readUntil(before, 'still here\n');
  });

  it('keeps the old certificate when a reload cannot be used', async () => {
    const reload$ = new Subject<TlsCredentials>();
    const server = await tlsServer({ reload$ });
    // A certificate with another certificate's key: setSecureContext refuses it.
    reload$.next({ cert: readFileSync(certs.selfSigned.cert), key: readFileSync(certs.otherSelfSigned.key), fingerprint: 'n/a' });
    const failed = await server.next('credentials-reload-failed', 'the failed reload');
    expect(failed.error.message).toMatch(/key values mismatch/i);
    const client = await tlsClient(server.port);
    expect(client.getPeerCertificate().fingerprint256).toBe(certs.selfSigned.fingerprint);
  });

  it('stops accepting when unsubscribed', async () => {
    const server = await tlsServer();
    subscriptions.splice(0).forEach((subscription) => subscription.unsubscribe());
    const refused = tlsConnect({ host: '127.0.0.1', port: server.port, rejectUnauthorized: false });
    leftovers.socket(refused);
    const [error] = await event<[NodeJS.ErrnoException]>(refused, 'error');
    expect(error.code).toBe('ECONNREFUSED');
  });
});

describe('listen with TLS: client certificates', () => {
  /** The server's side of the next connection, as the core's `open` event tells it. */
  async function opened(server: Awaited<ReturnType<typeof tlsServer>>) {
    const { socket } = await server.next('connection', 'the TLS connection');
    leftovers.socket(socket);
    const connection = serverConnection(1, socket, { sendQueueBytes: 1 << 20, lingerMs: 1000, farewell: () => new Uint8Array() });
    const [open] = await firstValueFrom(
      of(connection).pipe(
        mergeConnections(
          (c) => c.data$,
          () => [],
        ),
      ),
    );
    return { socket, open };
  }

  it("puts a client certificate's SHA-256 fingerprint in the open event, unchecked by any CA", async () => {
    const server = await tlsServer();
    const client = await tlsClient(server.port, {
      cert: readFileSync(certs.otherSelfSigned.cert),
      key: readFileSync(certs.otherSelfSigned.key),
    });
    const { socket, open } = await opened(server);
    expect(open).toEqual({
      kind: 'open',
      id: 1,
      ip: '127.0.0.1',
      port: client.localPort,
      fingerprint: certs.otherSelfSigned.fingerprint,
    });
    socket.write('hello, owner\n');
    await readUntil(client, 'hello, owner\n');
  });

  it("still tells a client certificate's fingerprint, address and port once the socket has closed", async () => {
    const server = await tlsServer();
    const client = await tlsClient(server.port, {
      cert: readFileSync(certs.otherSelfSigned.cert),
      key: readFileSync(certs.otherSelfSigned.key),
    });
    const { socket } = await server.next('connection', 'the TLS connection');
    leftovers.socket(socket);
    const connection = serverConnection(1, socket, { sendQueueBytes: 1 << 20, lingerMs: 1000, farewell: () => new Uint8Array() });
    const port = client.localPort;
    client.destroy();
    // Its end reaches the core, which ends ours (the socket is half-open until then).
    connection.data$.subscribe({ complete: () => connection.close() });
    await event(socket, 'close');
    expect((socket as TLSSocket).getPeerX509Certificate()).toBeUndefined(); // the socket itself no longer tells it
    expect(connection.fingerprint).toBe(certs.otherSelfSigned.fingerprint);
    expect([connection.ip, connection.port, connection.address]).toEqual(['127.0.0.1', port, `127.0.0.1:${port}`]);
  });

  it('lets a client without a certificate in as ever, with no fingerprint', async () => {
    const server = await tlsServer();
    const client = await tlsClient(server.port);
    const { socket, open } = await opened(server);
    expect(open).toEqual({ kind: 'open', id: 1, ip: '127.0.0.1', port: client.localPort });
    expect(open).not.toHaveProperty('fingerprint', expect.anything());
    client.write('no certificate here\n');
    await readUntil(socket, 'no certificate here\n');
  });
});
