import { describe, expect, it } from '@jest/globals';
import { Subject, type Subscription } from 'rxjs';
import type { BusRequest, ClusterSelf } from '../../../streams/cluster/bus.js';
import { createInProcessCluster, type InProcessCluster } from '../../helpers/in-process-bus.js';
import { DEFAULT_ADMISSION_LIMITS } from '../../../streams/server/admission.js';
import type { Effect, RouterEvent } from '../../../streams/server/events.js';
import type { ConnId } from '../../../streams/server/model.js';
import { createRouter, type Router } from '../../../streams/server/router.js';

/**
 * Several routers, each a node, share an in-process cluster: what one node's members say, the
 * others' hear. Everything runs in order on one queue, as events would on one event loop.
 */
class Nodes {
  private readonly queue: (() => void)[] = [];
  private draining = false;
  readonly cluster: InProcessCluster = createInProcessCluster({ historySize: 100 });

  /** Runs `step` after whatever is running now (a bus answer never cuts into the effects that asked). */
  later(step: () => void): void {
    this.queue.push(step);
    if (this.draining) return;
    this.draining = true;
    while (this.queue.length > 0) this.queue.shift()!();
    this.draining = false;
  }

  start(name: string): Node {
    return new Node(this, { node: name, instance: `${name}-run` });
  }
}

class Node {
  readonly route: Router;
  /** What each connection of this node received, in order. */
  readonly inbox = new Map<ConnId, string[]>();
  readonly closed = new Set<ConnId>();
  private readonly requests = new Subject<BusRequest>();
  private readonly subscription: Subscription;

  constructor(
    private readonly nodes: Nodes,
    readonly self: ClusterSelf,
  ) {
    this.route = createRouter({ name: 'server', mode: 'room', admission: DEFAULT_ADMISSION_LIMITS, now: () => 0, cluster: self });
    this.subscription = nodes.cluster
      .bus(self)(this.requests)
      .subscribe((event) => nodes.later(() => this.apply(this.route({ kind: 'bus', event }))));
  }

  /** An event from this node's own connections or console. */
  handle(event: RouterEvent): void {
    this.nodes.later(() => this.apply(this.route(event)));
  }

  connect(id: ConnId, ...lines: string[]): void {
    this.handle({ kind: 'open', id, ip: `10.0.0.${id}`, port: 4000 });
    if (lines.length > 0) this.say(id, ...lines);
  }

  say(id: ConnId, ...lines: string[]): void {
    this.handle({ kind: 'lines', id, lines });
  }

  received(id: ConnId): string[] {
    return this.inbox.get(id) ?? [];
  }

  /** Sends the console a stop, as SIGTERM would; the node's bus is let go afterwards. */
  stop(): void {
    this.handle({ kind: 'shutdown', reason: 'got SIGTERM' });
    this.nodes.later(() => this.subscription.unsubscribe());
  }

  crash(): void {
    this.subscription.unsubscribe();
    this.nodes.cluster.crash(this.self);
  }

  private apply(effects: readonly Effect[]): void {
    for (const effect of effects) {
      if (effect.kind === 'send') for (const id of effect.to) this.inbox.set(id, [...this.received(id), ...effect.lines]);
      if (effect.kind === 'close') this.closed.add(effect.id);
      if (effect.kind === 'bus') this.requests.next(effect.request);
      if (effect.kind === 'secret') this.handle(shellAnswer(effect));
    }
  }
}

/** The shell's answer to a secret: here a hash is `hash:SECRET`, and a check compares with it. */
function shellAnswer({ id, nick, secret, against }: Extract<Effect, { kind: 'secret' }>): RouterEvent {
  return against === undefined
    ? { kind: 'hashed', id, nick, hash: `hash:${secret}` }
    : { kind: 'verified', id, nick, ok: against === `hash:${secret}` };
}

/** Lines the way a person reads them: tags stripped. */
const plain = (lines: readonly string[]): string[] => lines.map((line) => line.replace(/^@\S* ?/, '')).filter((line) => line !== '');
/** What reached a member live, after the earlier lines its welcome showed. */
const live = (lines: readonly string[]): string[] => lines.slice(lines.indexOf('* end of history') + 1);

describe('routers sharing an in-process cluster', () => {
  it('are one room: lines, /me, private messages and /who cross nodes; each line reaches each member once', () => {
    const nodes = new Nodes();
    const [a, b, c] = ['a', 'b', 'c'].map((name) => nodes.start(name));
    a.connect(1, '/nick ada');
    b.connect(1, '/nick bob');
    c.connect(1, '/nick cy');
    a.say(1, 'hello', '/me waves');
    b.say(1, '/msg cy psst');
    c.say(1, '/who');

    expect(live(b.received(1)).filter((line) => line.includes('ada'))).toEqual(['<ada> hello', '* ada waves']);
    expect(c.received(1)).toContain('*bob* psst');
    expect(a.received(1)).not.toContain('*bob* psst');
    expect(a.received(1).filter((line) => line.includes('hello'))).toEqual([]); // never her own line back
    expect(c.received(1).at(-1)).toBe('* online in #lobby (4): server (c), cy (c), ada (a), bob (b)');
  });

  it('hand out each nick once: guests are numbered by the cluster, and a nick held elsewhere is refused', () => {
    const nodes = new Nodes();
    const [a, b] = ['a', 'b'].map((name) => nodes.start(name));
    a.connect(1);
    b.connect(1);
    b.connect(2, '/nick zed');
    a.say(1, '/nick ZED');
    expect(a.received(1)[0]).toMatch(/you are guest-1 in #lobby;/);
    expect(b.received(1)[0]).toMatch(/you are guest-2 in #lobby;/);
    expect(a.received(1).at(-1)).toBe('! nick ZED is taken');
  });

  it('forget a node that crashed: its members leave with a notice everywhere, and their nicks are free', () => {
    const nodes = new Nodes();
    const [a, b] = ['a', 'b'].map((name) => nodes.start(name));
    a.connect(1, '/nick ada');
    b.connect(1, '/nick bob');
    b.crash();
    expect(a.received(1).at(-1)).toBe('* bob left (node b is gone)');
    a.connect(2, '/nick bob', '/who');
    expect(a.received(2).slice(-2)).toEqual(['* you are now bob', '* online in #lobby (3): server (a), ada (a), bob (a)']);
  });

  it('say who left with a node that stops, and a node started later gets the history', () => {
    const nodes = new Nodes();
    const [a, b] = ['a', 'b'].map((name) => nodes.start(name));
    a.connect(1, '/nick ada');
    b.connect(1, '/nick bob', 'before b stops');
    b.stop();
    expect(a.received(1).slice(-2)).toEqual(['<bob> before b stops', '* bob left (node b is shutting down)']);
    const later = nodes.start('later');
    later.connect(1, '/history 3');
    expect(later.received(1).slice(-4)).toEqual([
      '<bob> before b stops',
      '* bob left (node b is shutting down)',
      '* guest-3 joined',
      '* end of history',
    ]);
  });

  it('let a tagged client move to another node and resume: what it missed once, its own lines never', () => {
    const nodes = new Nodes();
    const [a, b, c] = ['a', 'b', 'c'].map((name) => nodes.start(name));
    c.connect(1, '/nick talker');
    a.connect(1, '/cap tcpchat session=s1', '/nick mover', '@id=s1.1 mine');
    c.say(1, 'seen live');
    const cap = a.received(1).find((line) => line.startsWith('@cap='))!;
    const last = a.received(1).at(-1)!;
    expect(plain([last])).toEqual(['<talker> seen live']);
    const seq = /seq=(\d+)/.exec(last)![1];
    const epoch = /epoch=([^;]+)/.exec(cap)![1];

    a.handle({ kind: 'closed', id: 1, reason: 'connection reset' });
    c.say(1, 'missed 1', 'missed 2');
    b.connect(7, `/cap tcpchat session=s1 resume=${epoch}:${seq}`, '/nick mover', '@id=s1.1 mine', 'back');

    expect(plain(b.received(7).filter((line) => line.includes(';replay')))).toEqual(['<talker> missed 1', '<talker> missed 2']);
    expect(b.received(7)).toContain('@ack=s1.1'); // the resent line is acknowledged, not said again
    expect(c.received(1).filter((line) => line.startsWith('<mover>'))).toEqual(['<mover> mine', '<mover> back']);
  });

  describe('with rooms', () => {
    it('keep a room the same on every node: its lines reach its members everywhere and no one else', () => {
      const nodes = new Nodes();
      const [a, b] = ['a', 'b'].map((name) => nodes.start(name));
      a.connect(1, '/nick ada', '/join #dev');
      b.connect(1, '/nick bob', '/join #DEV');
      b.connect(2, '/nick cy');
      expect(live(a.received(1)).at(-1)).toBe('* bob joined');
      a.say(1, 'for devs', '/me codes');
      expect(live(b.received(1)).slice(-2)).toEqual(['<ada> for devs', '* ada codes']);
      expect(b.received(2).filter((line) => line.includes('for devs') || line.includes('codes'))).toEqual([]);
      b.say(2, 'lobby only');
      expect(a.received(1).filter((line) => line.includes('lobby only'))).toEqual([]);
    });

    it('count and list members on every node in /who #room and /rooms, and share topics', () => {
      const nodes = new Nodes();
      const [a, b] = ['a', 'b'].map((name) => nodes.start(name));
      a.connect(1, '/nick ada', '/join #dev', '/topic ship it');
      b.connect(1, '/nick bob', '/join #dev');
      b.connect(2, '/nick cy', '/who #dev', '/rooms');
      expect(b.received(2).slice(-4)).toEqual([
        '* online in #dev (2): bob (b), ada (a)',
        '* rooms (2):',
        '*   #lobby (1 here); no topic',
        '*   #dev (2 here); topic: ship it',
      ]);
      expect(b.received(1)).toContain('* you are now in #dev (2 here); topic: ship it');
      expect(b.received(1)).toContain('* ada set the topic: ship it');
    });

    it('forget a room on every node once its last member anywhere has left it', () => {
      const nodes = new Nodes();
      const [a, b] = ['a', 'b'].map((name) => nodes.start(name));
      a.connect(1, '/join #dev');
      b.connect(1, '/rooms');
      expect(b.received(1).slice(-2)).toEqual(['*   #lobby (1 here); no topic', '*   #dev (1 here); no topic']);
      a.say(1, '/part');
      b.say(1, '/rooms');
      expect(b.received(1).slice(-2)).toEqual(['* rooms (1):', '*   #lobby (2 here); no topic']);
    });

    it("give a node started later each room's own history", () => {
      const nodes = new Nodes();
      const a = nodes.start('a');
      a.connect(1, '/nick ada', '/join #dev', 'dev talk');
      a.connect(2, '/nick bo', 'lobby talk');
      const later = nodes.start('later');
      later.connect(1, '/join #dev');
      const shown = later.received(1);
      expect(shown.slice(shown.indexOf('* you are now in #dev (2 here); no topic'))).toEqual([
        '* you are now in #dev (2 here); no topic',
        '* history: the last 2 lines',
        '* ada joined',
        '<ada> dev talk',
        '* end of history',
      ]);
    });
  });

  describe('keep facts for every node', () => {
    it('a nick registered on one node is refused on another to anyone who has not identified; /identify there takes it', () => {
      const nodes = new Nodes();
      const [a, b] = ['a', 'b'].map((name) => nodes.start(name));
      a.connect(1, '/nick ada', '/register s3cret');
      expect(a.received(1).at(-1)).toBe('* ada is registered to you; take it back later with /identify ada SECRET');
      a.say(1, '/quit');
      b.connect(1, '/nick ada');
      expect(b.received(1).at(-1)).toBe('! ada is registered: /identify ada SECRET first');
      b.say(1, '/identify ada wrong');
      expect(b.received(1).at(-1)).toBe('! wrong secret for ada');
      b.say(1, '/identify ada s3cret', '/who');
      expect(b.received(1).slice(-3)).toEqual([
        '* you are identified as ada',
        '* you are now ada',
        '* online in #lobby (2): server (b), ada (b)',
      ]);
    });

    it('a node started later holds what was registered before it; an /unregister on it is lifted everywhere', () => {
      const nodes = new Nodes();
      const a = nodes.start('a');
      a.connect(1, '/nick ada', '/register s3cret');
      const later = nodes.start('later');
      later.connect(1, '/nick lee', '/identify ada s3cret');
      expect(later.received(1).at(-1)).toBe('! nick ada is taken'); // the owner holds it on node a
      a.say(1, '/nick ada2');
      later.say(1, '/nick ada');
      expect(later.received(1).at(-1)).toBe('* you are now ada');
      later.say(1, '/unregister');
      expect(later.received(1).at(-1)).toBe('* ada is no longer registered');
      later.say(1, '/nick yves');
      expect(later.received(1).at(-1)).toBe('* you are now yves');
      a.connect(3, '/nick ada');
      expect(a.received(3).at(-1)).toBe('* you are now ada');
    });

    it('answer /search and /history since from the cluster, with lines said on other nodes, in any case', () => {
      const nodes = new Nodes();
      const [a, b] = ['a', 'b'].map((name) => nodes.start(name));
      a.connect(1, '/nick ada', 'The Answer is 42', 'something else');
      b.connect(1, '/nick bob', '/search answer 42');
      expect(b.received(1).slice(-3)).toEqual([
        '* history: the last 1 line',
        '[1970-01-01 00:00] <ada> The Answer is 42',
        '* end of history',
      ]);
      b.say(1, '/search nowhere', '/history since 1h');
      expect(b.received(1).slice(-9)).toEqual([
        '* no line here holds those words',
        '* history: the last 6 lines',
        '[1970-01-01 00:00] * guest-1 joined',
        '[1970-01-01 00:00] * guest-1 is now ada',
        '[1970-01-01 00:00] <ada> The Answer is 42',
        '[1970-01-01 00:00] <ada> something else',
        '[1970-01-01 00:00] * guest-2 joined',
        '[1970-01-01 00:00] * guest-2 is now bob',
        '* end of history',
      ]);
    });
  });
});
