import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import type { Client } from './client.js';
import { trackSocket } from './leftovers.js';
import { Lines } from './lines.js';
import { within } from './within.js';

/** A TLS client in the test process (like `openssl s_client`); it trusts any certificate unless told otherwise. */
export async function tlsClient(port: number, name: string, options: ConnectionOptions = {}): Promise<Client & { socket: TLSSocket }> {
  const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options });
  trackSocket(socket);
  const ended = new Promise<void>((resolve) => socket.once('end', () => resolve()));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const handshake = new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', () => resolve());
    socket.once('error', reject);
  });
  await within(handshake, `${name} to finish its TLS handshake with port ${port}`);
  socket.on('error', () => {}); // a test checks what arrives and when it ends, not how the OS reports it
  return { socket, lines: new Lines(socket, name), send: (data) => void socket.write(data), ended, closed };
}

/** The SHA-256 fingerprint the server at `port` shows a new connection now. */
export async function fingerprintAt(port: number): Promise<string> {
  const client = await tlsClient(port, 'a fingerprint probe');
  const fingerprint = client.socket.getPeerCertificate().fingerprint256;
  client.socket.destroy();
  return fingerprint;
}
