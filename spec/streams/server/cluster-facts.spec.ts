import { describe, expect, it } from '@jest/globals';
import type { BusEvent, BusRequest, Fact } from '../../../streams/cluster/bus.js';
import { DEFAULT_ADMISSION_LIMITS } from '../../../streams/server/admission.js';
import type { Effect, RouterEvent } from '../../../streams/server/events.js';
import type { ConnId } from '../../../streams/server/model.js';
import { createRouter } from '../../../streams/server/router.js';

/**
 * Facts in a cluster, as one node's router sees them: what it decides goes to the bus (or waits
 * while the bus is down), what the bus keeps is what it holds at each `up`, what another node
 * decided holds at once. The bus and the shell are played here: a hash is `hash:SECRET`.
 */

const SELF = { node: 'n1', instance: 'i1' };
const open = (id: ConnId): RouterEvent => ({ kind: 'open', id, ip: `10.0.0.${id}`, port: 4000 });
const lines = (id: ConnId, ...batch: string[]): RouterEvent => ({ kind: 'lines', id, lines: batch });
const bus = (event: BusEvent): RouterEvent => ({ kind: 'bus', event });
const up = (facts: Fact[] = []): RouterEvent => bus({ type: 'up', epoch: 'E', history: [], members: [], facts });
const down: RouterEvent = bus({ type: 'down', reason: 'Redis is gone' });
const inbox = (effects: readonly Effect[], id: ConnId): string[] =>
  effects.flatMap((effect) => (effect.kind === 'send' && effect.to.includes(id) ? effect.lines : []));
const requests = (effects: readonly Effect[], type: BusRequest['type']): BusRequest[] =>
  effects.flatMap((effect) => (effect.kind === 'bus' && effect.request.type === type ? [effect.request] : []));
const registration = (nick: string, hash = `hash:${nick}`): Fact & { kind: 'registration' } => ({
  kind: 'registration',
  key: nick,
  nick,
  hash,
});

/** Node n1 with members 1 and 2 (`ada` and a guest), its bus up; every secret answered by the shell, and every claim granted. */
function node(facts: Fact[] = []) {
  const route = createRouter({ name: 'server', mode: 'room', admission: DEFAULT_ADMISSION_LIMITS, now: () => 0, cluster: SELF });
  const answered = (event: RouterEvent): Effect[] => {
    const effects = route(event);
    const answers = effects.flatMap((effect): RouterEvent[] => {
      if (effect.kind === 'secret') {
        const { id, nick, secret, against } = effect;
        return [
          against === undefined
            ? { kind: 'hashed', id, nick, hash: `hash:${secret}` }
            : { kind: 'verified', id, nick, ok: against === `hash:${secret}` },
        ];
      }
      if (effect.kind === 'bus' && effect.request.type === 'claim') {
        const { conn, nick = `guest-${conn}` } = effect.request;
        return [bus({ type: 'claimed', conn, nick, ok: true })];
      }
      return [];
    });
    return [...effects, ...answers.flatMap(answered)];
  };
  answered(up(facts));
  answered(open(1));
  answered(open(2));
  answered(lines(1, '/nick ada'));
  return answered;
}

describe('facts in a cluster', () => {
  it('go to the cluster with their key as they are decided; a registration asks to be the first for its nick', () => {
    const route = node();
    const registered = route(lines(1, '/register secret'));
    expect(requests(registered, 'fact')).toEqual([
      { type: 'fact', fact: registration('ada', 'hash:secret'), key: 'registration:ada', first: true },
    ]);
    expect(inbox(registered, 1)).toEqual(['* ada is registered to you; take it back later with /identify ada SECRET']);
    expect(requests(route(lines(1, '/unregister')), 'fact')).toEqual([
      { type: 'fact', fact: { kind: 'registration', key: 'ada', nick: 'ada', lifted: true }, key: 'registration:ada' },
    ]);
  });

  it('hold at once when another node decided them, and a lifted one is lifted', () => {
    const route = node();
    route(bus({ type: 'fact', fact: registration('bob') }));
    expect(inbox(route(lines(2, '/nick Bob')), 2)).toEqual(['! Bob is registered: /identify Bob SECRET first']);
    route(bus({ type: 'fact', fact: { kind: 'registration', key: 'bob', nick: 'bob', lifted: true } }));
    expect(requests(route(lines(2, '/nick Bob')), 'claim')).toHaveLength(1);
  });

  it('at up are exactly what the cluster keeps: one lifted elsewhere while this node was apart is lifted here', () => {
    const route = node([registration('bob'), registration('cy')]);
    expect(inbox(route(lines(2, '/nick bob')), 2)).toEqual(['! bob is registered: /identify bob SECRET first']);
    route(down);
    route(up([registration('cy')]));
    expect(inbox(route(lines(2, '/nick bob')), 2)).toEqual(['* you are now bob']);
    expect(inbox(route(lines(2, '/nick cy')), 2)).toEqual(['! cy is registered: /identify cy SECRET first']);
  });

  it('decided while the cluster is down hold here, and go to the cluster when it is back, over what it kept', () => {
    const route = node();
    route(down);
    const registered = route(lines(1, '/register secret'));
    expect(requests(registered, 'fact')).toEqual([]);
    expect(inbox(registered, 1)).toEqual(['* ada is registered to you; take it back later with /identify ada SECRET']);
    const back = route(up());
    expect(requests(back, 'fact')).toEqual([
      { type: 'fact', fact: registration('ada', 'hash:secret'), key: 'registration:ada', first: true },
    ]);
    expect(inbox(route(lines(2, '/identify ada secret')), 2)).toEqual(['* you are identified as ada', '! nick ada is taken']);
  });

  it('sent but not taken (the link was lost on the way) go again when the cluster is back', () => {
    const route = node();
    const fact = registration('ada', 'hash:secret');
    route(lines(1, '/register secret'));
    route(down);
    route(bus({ type: 'unsent', request: { type: 'fact', fact, key: 'registration:ada', first: true } }));
    expect(requests(route(up()), 'fact')).toEqual([{ type: 'fact', fact, key: 'registration:ada', first: true }]);
  });

  it('a registration made here that came second gives way: the first holds here too, and the member is told', () => {
    const route = node();
    const ours = registration('ada', 'hash:secret');
    route(lines(1, '/register secret'));
    const refused = route(bus({ type: 'fact-refused', fact: ours, held: registration('ada', 'hash:theirs') }));
    expect(inbox(refused, 1)).toEqual(['! ada was registered on another node first: your registration did not hold']);
    expect(inbox(route(lines(1, '/unregister')), 1)).toEqual(['! /identify ada SECRET first']);
    expect(inbox(route(lines(2, '/identify ada secret')), 2)).toEqual(['! wrong secret for ada']);
    expect(inbox(route(lines(2, '/identify ada theirs')), 2)).toEqual(['* you are identified as ada', '! nick ada is taken']);
  });
});

describe('/history since and /search in a cluster', () => {
  it('ask the cluster while it is up, and its answer goes to the member who asked', () => {
    const route = node();
    const asked = route(lines(1, '/search Hello there'));
    const query = { kind: 'search', words: ['Hello', 'there'] } as const;
    expect(requests(asked, 'query')).toEqual([{ type: 'query', conn: 1, room: '#lobby', query, limit: 50 }]);
    expect(requests(route(lines(1, '/history since 2h')), 'query')).toEqual([
      { type: 'query', conn: 1, room: '#lobby', query: { kind: 'since', time: -7_200_000 }, limit: 50 },
    ]);
    const answer = route(bus({ type: 'answer', conn: 1, query, entries: [{ seq: 4, time: 0, line: '<bob> hello there' }] }));
    expect(inbox(answer, 1)).toEqual(['* history: the last 1 line', '[1970-01-01 00:00] <bob> hello there', '* end of history']);
  });

  it('while the cluster is down: /history since answers from what this node holds, /search says in one line it cannot', () => {
    const route = node();
    route(down);
    route(lines(2, 'said while apart'));
    expect(inbox(route(lines(1, '/search said')), 1)).toEqual([
      "! search needs the cluster's history, and the cluster cannot be reached now",
    ]);
    const since = route(lines(1, '/history since 2h'));
    expect(requests(since, 'query')).toEqual([]);
    expect(inbox(since, 1)).toEqual(['* history: the last 1 line', '[1970-01-01 00:00] <guest-2> said while apart', '* end of history']);
  });

  it('asked but not taken (the link was lost on the way) are answered the same way', () => {
    const route = node();
    route(down);
    const query = { kind: 'search', words: ['x'] } as const;
    const unsent = route(bus({ type: 'unsent', request: { type: 'query', conn: 1, room: '#lobby', query, limit: 50 } }));
    expect(inbox(unsent, 1)).toEqual(["! search needs the cluster's history, and the cluster cannot be reached now"]);
  });
});
