import { createServer, connect, type Server, type Socket } from 'node:net';

/** Every wait in these specs is bounded: a test fails with `what` instead of hanging. */
export function within<T>(promise: Promise<T>, what: string, ms = 3000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** Resolves with the event's arguments, or rejects on timeout. Adds no 'error' listener of its own. */
export function event<T extends unknown[] = unknown[]>(emitter: NodeJS.EventEmitter, name: string, ms = 3000): Promise<T> {
  return within(new Promise<T>((resolve) => emitter.once(name, (...args: unknown[]) => resolve(args as T))), `'${name}'`, ms);
}

/** Sockets and servers a spec opened, destroyed in its afterEach. */
export class Leftovers {
  private readonly sockets = new Set<Socket>();
  private readonly servers = new Set<Server>();

  /** Tracks a socket; `quiet` adds a no-op 'error' listener (for peers, whose errors no test checks). */
  socket(socket: Socket, quiet = false): Socket {
    if (quiet) socket.on('error', () => {});
    this.sockets.add(socket);
    return socket;
  }

  server(server: Server): Server {
    this.servers.add(server);
    return server;
  }

  async cleanUp(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const closing = [...this.servers].filter((server) => server.listening).map((server) => event(server.close(), 'close'));
    this.sockets.clear();
    this.servers.clear();
    await Promise.all(closing);
  }
}

/** A plain server on 127.0.0.1 and a free port; `allowHalfOpen`: its sockets stay open for writing after the peer's end. */
export async function plainServer(leftovers: Leftovers, allowHalfOpen = false): Promise<{ server: Server; port: number }> {
  const server = leftovers.server(createServer({ allowHalfOpen }));
  server.on('connection', (socket: Socket) => leftovers.socket(socket));
  server.listen(0, '127.0.0.1');
  await event(server, 'listening');
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('the server has no address');
  return { server, port: address.port };
}

/** A port nothing listens on: bound on port 0, then closed. */
export async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await event(server, 'listening');
  const { port } = server.address() as { port: number };
  await event(server.close(), 'close');
  return port;
}

/** A client connected to 127.0.0.1:port. */
export async function connectTo(leftovers: Leftovers, port: number, host = '127.0.0.1'): Promise<Socket> {
  const socket = leftovers.socket(connect({ host, port }), true);
  await event(socket, 'connect');
  return socket;
}

/**
 * Two ends of one loopback connection: `ours` is the accepted socket (paused, as a listening
 * server hands it on; half-open when `allowHalfOpen`, as `listen` makes it), `peer` the client that talks to it.
 */
export async function socketPair(leftovers: Leftovers, allowHalfOpen = false): Promise<{ ours: Socket; peer: Socket }> {
  const { server, port } = await plainServer(leftovers, allowHalfOpen);
  const accepted = event<[Socket]>(server, 'connection');
  const peer = await connectTo(leftovers, port);
  const [ours] = await accepted;
  leftovers.socket(ours);
  return { ours, peer };
}

/** Everything a socket receives until the peer ends its side. */
export function readToEnd(socket: Socket, ms = 3000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return within(
    new Promise<Buffer>((resolve, reject) => {
      socket.once('end', () => resolve(Buffer.concat(chunks)));
      socket.once('error', reject);
    }),
    'the end of the data',
    ms,
  );
}

/** Collects what a socket receives until `text` has arrived. */
export function readUntil(socket: Socket, text: string, ms = 3000): Promise<string> {
  let received = '';
  return within(
    new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        received += chunk.toString('utf8');
        if (received.includes(text)) {
          socket.off('data', onData);
          resolve(received);
        }
      };
      socket.on('data', onData);
      socket.once('end', () => {
        const tail = JSON.stringify(received.slice(-200));
        reject(new Error(`the socket ended before ${JSON.stringify(text)} arrived (got ${received.length} characters, ending ${tail})`));
      });
    }),
    JSON.stringify(text),
    ms,
  );
}
