import { connect, createServer, type Socket } from 'node:net';
import { trackSocket } from './leftovers.js';
import { Lines, type LineMatch } from './lines.js';
import { within } from './within.js';

/** A bare TCP client, like nc: what it sends is up to the test, what it gets is collected as lines. */
export interface Client {
  readonly socket: Socket;
  readonly lines: Lines;
  send(data: string | Uint8Array): void;
  /** Resolves when the server has ended its side (EOF). */
  readonly ended: Promise<void>;
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;
}

/** `localAddress`: where the connection comes from (any 127.x.y.z is loopback on Linux). */
export async function rawClient(port: number, name: string, host = '127.0.0.1', localAddress?: string): Promise<Client> {
  const socket = trackSocket(connect({ host, port, localAddress }));
  socket.on('error', () => {}); // a test checks what arrives and when it ends, not how the OS reports it
  const ended = new Promise<void>((resolve) => socket.once('end', () => resolve()));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await within(new Promise((resolve) => socket.once('connect', resolve)), `${name} to connect to port ${port}`);
  return { socket, lines: new Lines(socket, name), send: (data) => void socket.write(data), ended, closed };
}

/** A client that has been welcomed and has taken `nick`. */
export async function joined(port: number, nick: string): Promise<Client> {
  const client = await rawClient(port, nick);
  await client.lines.waitFor(/^\* welcome to /);
  client.send(`/nick ${nick}\n`);
  await client.lines.waitFor(`* you are now ${nick}`);
  return client;
}

/** Sends `line` (a command, say), then resolves with the first line from then on that `answer` matches. */
export function ask(client: Client, line: string, answer: LineMatch): Promise<string> {
  const from = client.lines.all.length;
  client.send(`${line}\n`);
  return client.lines.waitFor(answer, undefined, from);
}

/** A port nothing listens on: bound on port 0, then closed. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await within(new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined))), 'a free port');
  const { port } = server.address() as { port: number };
  await within(new Promise((resolve) => server.close(resolve)), 'the probe server to close');
  return port;
}
