import { connect, createServer, type Server as NetServer, type Socket } from 'node:net';
import { trackSocket } from './leftovers.js';
import { within } from './within.js';

const proxies = new Set<FaultProxy>();

/** Closes every fault proxy a test started: call in afterEach. */
export async function closeFaultProxies(): Promise<void> {
  await Promise.all([...proxies].map((proxy) => proxy.close()));
  proxies.clear();
}

/** One connection through the proxy: the peer's side and the target's side. */
interface Link {
  readonly downstream: Socket;
  readonly upstream: Socket;
  /** What the peer sent while the link was held (see `holdExisting`), for `heal()` to deliver. */
  held?: Buffer[];
}

/**
 * A TCP proxy on 127.0.0.1 in front of a server (a tcpchat server, or Redis), that makes the
 * faults real networks make, on every link through it:
 * - `reset()`: both sides get an RST, as when a NAT or firewall forgets the connection;
 * - `fin()`: both sides get an orderly FIN, as when a middlebox closes it;
 * - `blackHole()`: bytes are dropped both ways and nothing closes, as when a cable is pulled
 *   or a route vanishes (only a timeout or a heartbeat can notice); new connections hang too;
 * - `stall()`: the proxy stops reading both ways, so TCP's windows fill and writers are pushed
 *   back, as on a link that is up but stuck; nothing is lost;
 * - `stallUpstream()`: the same one way only: what peers send stays unread (on this side of the
 *   proxy, and on links made meanwhile), what the target sends still flows, as on a link that died
 *   one way (the peer hears the room but is never heard);
 * - `stallExisting()`: a stall of the links open now alone, while new ones pass, as when a route
 *   dies and another is found: what the old links held arrives late, at `heal()`;
 * - `holdExisting()`: the links open now go dead while new ones pass, and what their peers send
 *   is held by the proxy, even past the peer's close, and delivered to the target at `heal()`: a
 *   route that comes back late with what was written into it (the target's answers are dropped);
 * - `heal()`: forwards again (what a stall held is delivered; what a black hole ate is gone);
 * - `reroute()`: the links open now stay dead for good; new connections pass.
 * New connections are accepted in every mode, and join the mode the proxy is in.
 */
export class FaultProxy {
  private readonly links = new Set<Link>();
  private mode: 'pass' | 'black-hole' | 'stall' | 'stall-upstream' = 'pass';
  /** Connections accepted while black-holed or stalled, connected on at `heal()`. */
  private waiting: Socket[] = [];
  connections = 0;
  /** Bytes a black hole has eaten, both ways. */
  dropped = 0;

  private constructor(
    private readonly server: NetServer,
    readonly port: number,
    public target: number,
  ) {}

  static async start(target: number): Promise<FaultProxy> {
    let proxy: FaultProxy | undefined;
    // Half-open both ways, as TCP is: a side's end is passed on, and what the other still sends after it goes through.
    const server = createServer({ allowHalfOpen: true }, (downstream) => proxy!.accept(downstream));
    await within(new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined))), 'the fault proxy to listen');
    proxy = new FaultProxy(server, (server.address() as { port: number }).port, target);
    proxies.add(proxy);
    return proxy;
  }

  /** How many links are open now. */
  get open(): number {
    return this.links.size;
  }

  private accept(downstream: Socket): void {
    this.connections += 1;
    trackSocket(downstream);
    downstream.on('error', () => {});
    if (this.mode !== 'pass' && this.mode !== 'stall-upstream') {
      downstream.pause();
      this.waiting.push(downstream);
      return;
    }
    this.link(downstream);
  }

  private link(downstream: Socket): void {
    const upstream = trackSocket(connect({ host: '127.0.0.1', port: this.target, allowHalfOpen: true }));
    const link: Link = { downstream, upstream };
    this.links.add(link);
    upstream.on('error', () => {});
    for (const [from, to] of [
      [downstream, upstream],
      [upstream, downstream],
    ] as const) {
      from.on('data', (chunk: Buffer) => {
        if (link.held) {
          if (from === downstream) link.held.push(chunk);
          else this.dropped += chunk.length;
          return;
        }
        if (this.mode === 'black-hole') {
          this.dropped += chunk.length;
          return;
        }
        if (!to.destroyed) to.write(chunk);
      });
      from.once('end', () => link.held || to.end());
      from.once('close', () => {
        if (link.held && from === downstream) return; // delivered at heal(), then ended
        this.links.delete(link);
        if (!to.destroyed) to.destroy();
      });
    }
    if (this.mode === 'stall-upstream') downstream.pause();
    else downstream.resume();
  }

  reset(): void {
    for (const { downstream, upstream } of this.links) {
      downstream.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    this.links.clear();
  }

  fin(): void {
    for (const { downstream, upstream } of this.links) {
      downstream.end();
      upstream.end();
    }
  }

  blackHole(): void {
    this.mode = 'black-hole';
  }

  stall(): void {
    this.mode = 'stall';
    this.stallExisting();
  }

  stallExisting(): void {
    for (const { downstream, upstream } of this.links) {
      downstream.pause();
      upstream.pause();
    }
  }

  stallUpstream(): void {
    this.mode = 'stall-upstream';
    for (const { downstream } of this.links) downstream.pause();
  }

  holdExisting(): void {
    for (const link of this.links) link.held ??= [];
  }

  heal(): void {
    this.mode = 'pass';
    for (const link of this.links) {
      const { downstream, upstream, held } = link;
      if (held) {
        link.held = undefined;
        for (const chunk of held) upstream.write(chunk);
        if (downstream.destroyed) upstream.end();
      }
      downstream.resume();
      upstream.resume();
    }
    const waiting = this.waiting;
    this.waiting = [];
    for (const downstream of waiting) if (!downstream.destroyed) this.link(downstream);
  }

  /** Resolves once `count` connections in all have been accepted (wrap it in `within`). */
  accepted(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.connections < count) return;
        this.server.off('connection', check); // after `accept` has counted it: that listener came first
        resolve();
      };
      this.server.on('connection', check);
      check();
    });
  }

  /**
   * The route changes, as when a NAT forgets its table or traffic takes a new path: every link open
   * now, and every connection waiting in a black hole or stall, stays dead for good (what either side
   * sends is dropped, nothing closes), while new connections pass.
   */
  reroute(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const downstream of waiting) if (!downstream.destroyed) this.link(downstream);
    this.mode = 'pass';
    for (const { downstream, upstream } of this.links) {
      for (const side of [downstream, upstream]) {
        side.removeAllListeners('data');
        side.on('data', (chunk: Buffer) => (this.dropped += chunk.length));
        side.resume();
      }
    }
  }

  async close(): Promise<void> {
    this.reset();
    for (const downstream of this.waiting) downstream.destroy();
    this.waiting = [];
    await within(new Promise((resolve) => this.server.close(() => resolve(undefined))), 'the fault proxy to close');
  }
}
