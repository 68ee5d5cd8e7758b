import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import { makeCertificates, type TestCertificates } from '../helpers/certificates.js';
import { rawClient, type Client } from './helpers/client.js';
import { cleanUp, trackSocket } from './helpers/leftovers.js';
import { Lines } from './helpers/lines.js';
import { tcpchat, waitForExit } from './helpers/processes.js';
import { startServer, type Server } from './helpers/server.js';
import { tlsClient } from './helpers/tls-client.js';
import { within } from './helpers/within.js';
import { WELCOME } from './helpers/sentences.js';

afterEach(cleanUp);

let certs: TestCertificates;
beforeAll(() => void (certs = makeCertificates()));
afterAll(() => certs.remove());

/** The client is told why in one line, then the server ends the connection; the console records it. */
async function deniedOnce(server: Server, client: Client): Promise<void> {
  await within(client.ended, `${client.lines.name} to be closed`);
  expect(await client.lines.end()).toEqual(['! access denied']);
  const address = client.socket.localAddress!.includes(':') ? `[${client.socket.localAddress}]` : client.socket.localAddress;
  await server.stdout.waitFor(`* refused ${address}:${client.socket.localPort} (access denied)`);
}

/** A bare client whose connection comes from `localAddress` (any 127.x.y.z is loopback on Linux). */
async function clientFrom(localAddress: string, port: number): Promise<Client> {
  const socket = trackSocket(connect({ host: '127.0.0.1', port, localAddress }));
  socket.on('error', () => {});
  const ended = new Promise<void>((resolve) => socket.once('end', () => resolve()));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await within(new Promise((resolve) => socket.once('connect', resolve)), `a client from ${localAddress} to connect`);
  return { socket, lines: new Lines(socket, `client from ${localAddress}`), send: (data) => void socket.write(data), ended, closed };
}

async function admitted(client: Client): Promise<void> {
  await client.lines.waitFor(WELCOME);
}

describe('serve --allow / --deny', () => {
  it('--deny 127.0.0.1/32 keeps 127.0.0.1 out with one line, and the server goes on', async () => {
    const server = await startServer(['--deny', '127.0.0.1/32']);
    await deniedOnce(server, await rawClient(server.port, 'denied'));
    await deniedOnce(server, await rawClient(server.port, 'denied again'));
    expect(server.stdout.all.filter((line) => line.includes('joined'))).toEqual([]);
    expect(server.child.exitCode).toBeNull();
  });

  it('--allow 10.0.0.0/8 alone lets nobody in from 127.0.0.1, and --json records the refusal', async () => {
    const server = await startServer(['--allow', '10.0.0.0/8', '--json']);
    const client = await rawClient(server.port, 'outsider');
    await within(client.ended, 'the outsider to be closed');
    expect(await client.lines.end()).toEqual(['! access denied']);
    const line = await server.stdout.waitFor((text) => text.includes('"refused"'));
    expect(JSON.parse(line)).toMatchObject({ type: 'refused', address: `127.0.0.1:${client.socket.localPort}`, reason: 'access denied' });
  });

  it('--allow 127.0.0.0/8 lets 127.0.0.1 in; --deny 127.0.0.2 as well keeps that one out (deny wins)', async () => {
    const server = await startServer(['--allow', '127.0.0.0/8', '--deny', '127.0.0.2']);
    await admitted(await rawClient(server.port, 'insider'));
    await deniedOnce(server, await clientFrom('127.0.0.2', server.port));
  });

  it('works over IPv6: --deny ::1 keeps ::1 out, --allow ::1/128 lets it in', async () => {
    const closed = await startServer(['--deny', '::1'], { host: '::1' });
    await deniedOnce(closed, await rawClient(closed.port, 'denied on ::1', '::1'));

    const open = await startServer(['--allow', '::1/128', '--deny', '127.0.0.0/8'], { host: '::1', name: 'server allowing ::1' });
    await admitted(await rawClient(open.port, 'allowed on ::1', '::1'));
  });

  it('refuses over TLS too, after the handshake, with the same line', async () => {
    const server = await startServer(['--deny', '127.0.0.0/8', '--tls-cert', certs.selfSigned.cert, '--tls-key', certs.selfSigned.key]);
    const client = await tlsClient(server.port, 'denied over TLS');
    await within(client.ended, 'the TLS client to be closed');
    expect(await client.lines.end()).toEqual(['! access denied']);
    await server.stdout.waitFor(`* refused 127.0.0.1:${client.socket.localPort} (access denied)`);
  });

  it('an invalid CIDR is a usage error: exit 2 and one sentence', async () => {
    const running = tcpchat(['serve', '--port', '0', '--allow', '10.0.0.0/40'], { stdin: 'ignore' });
    expect(await waitForExit(running)).toEqual({ code: 2, signal: null });
    expect(await running.stderr.end()).toEqual([
      'tcpchat: --allow 10.0.0.0/40 is not an address or a CIDR block like 192.168.0.0/16 or fd00::/8 (tcpchat --help shows the options)',
    ]);
  });
});
