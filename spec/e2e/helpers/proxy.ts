import { connect, createServer, type Server as NetServer, type Socket } from 'node:net';
import { trackSocket } from './leftovers.js';
import { within } from './within.js';

const proxies = new Set<Proxy>();

/** Closes every proxy a test started: call in afterEach. */
export async function closeProxies(): Promise<void> {
  await Promise.all([...proxies].map((proxy) => proxy.close()));
  proxies.clear();
}

/**
 * A TCP proxy on 127.0.0.1 in front of a server: `cut()` destroys every connection through it,
 * both sides, as a network failure would; `mute()` stops forwarding what the server sends (so
 * acks and lines are lost in flight) until the next cut; `hold()` accepts new connections but
 * connects them on to the server only at `release()` (a slow way back). It keeps accepting after a cut.
 */
export class Proxy {
  private readonly sockets = new Set<Socket>();
  private muted = false;
  private held: Socket[] | undefined;
  /** Server sides left open by `vanish()`: the server still thinks those clients are there. */
  private readonly orphans = new Set<Socket>();
  private readonly upstreams = new Set<Socket>();
  connections = 0;

  private constructor(
    private readonly server: NetServer,
    readonly port: number,
  ) {}

  static async start(target: number): Promise<Proxy> {
    let proxy: Proxy | undefined;
    const server = createServer((downstream) => proxy!.accept(downstream));
    await within(new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined))), 'the proxy to listen');
    proxy = new Proxy(server, (server.address() as { port: number }).port);
    proxy.target = target;
    proxies.add(proxy);
    return proxy;
  }

  /** Where new connections go: `retarget` moves them to another server (a client moving nodes). */
  target = 0;

  retarget(port: number): void {
    this.target = port;
  }

  private accept(downstream: Socket): void {
    this.connections += 1;
    if (this.held) {
      downstream.pause();
      this.held.push(trackSocket(downstream));
      return;
    }
    this.link(downstream, this.target);
  }

  private link(downstream: Socket, target: number): void {
    const upstream = connect({ host: '127.0.0.1', port: target });
    this.upstreams.add(upstream);
    upstream.once('close', () => this.upstreams.delete(upstream));
    for (const socket of [downstream, upstream]) {
      this.sockets.add(trackSocket(socket));
      socket.on('error', () => {});
      socket.once('close', () => {
        this.sockets.delete(socket);
        downstream.destroy();
        if (!this.orphans.has(upstream)) upstream.destroy();
      });
    }
    downstream.on('data', (chunk) => upstream.write(chunk));
    downstream.resume(); // held ones were paused
    upstream.on('data', (chunk) => {
      if (!this.muted && !downstream.destroyed) downstream.write(chunk);
    });
  }

  hold(): void {
    this.held = [];
  }

  release(target: number): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const downstream of held) if (!downstream.destroyed) this.link(downstream, target);
  }

  mute(): void {
    this.muted = true;
  }

  /**
   * The client's side goes, the server's stays open and silent: as when a laptop drops off the
   * network and the server has not noticed yet (a half-open connection).
   */
  vanish(): void {
    for (const upstream of this.upstreams) this.orphans.add(upstream);
    for (const socket of this.sockets) if (!this.orphans.has(socket)) socket.destroy();
  }

  cut(): void {
    this.muted = false;
    for (const socket of [...this.sockets, ...this.orphans, ...(this.held ?? [])]) socket.destroy();
    this.orphans.clear();
  }

  close(): Promise<void> {
    this.cut();
    return within(new Promise((resolve) => this.server.close(() => resolve(undefined))), 'the proxy to close');
  }
}
