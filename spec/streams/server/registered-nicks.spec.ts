import { describe, expect, it } from '@jest/globals';
import { DEFAULT_ADMISSION_LIMITS } from '../../../streams/server/admission.js';
import type { Effect, RouterEvent } from '../../../streams/server/events.js';
import type { ConnId, Restored } from '../../../streams/server/model.js';
import { createRouter, type RouterOptions } from '../../../streams/server/router.js';
import { parseConsoleLine } from '../../../streams/protocol/console-command.js';

/**
 * Registered nicks, as the core rules them: who may take a nick, wrong secrets refused and
 * throttled per address, and a member's lines kept in order while its secret is with the shell.
 * The shell is played here: a hash is `hash:SECRET`, and checks compare with it.
 */

const open = (id: ConnId, ip = `10.0.0.${id}`): RouterEvent => ({ kind: 'open', id, ip, port: 4000 });
const lines = (id: ConnId, ...batch: string[]): RouterEvent => ({ kind: 'lines', id, lines: batch });
const inbox = (effects: readonly Effect[], id: ConnId): string[] =>
  effects.flatMap((effect) => (effect.kind === 'send' && effect.to.includes(id) ? effect.lines : []));
const secrets = (effects: readonly Effect[]) => effects.filter((effect) => effect.kind === 'secret');

const NOTHING: Restored = { lastSeq: 0, rooms: new Map(), seenIds: [] };
const LIMITS = { ...DEFAULT_ADMISSION_LIMITS, maxAuthFailures: 3, lockoutMs: 60_000 };

/** A server, and the shell's answer to every `secret` it asks, as the router's next event. */
function server(options: Partial<RouterOptions> = {}) {
  const clock = { now: 0 };
  const route = createRouter({ name: 'server', mode: 'room', admission: LIMITS, now: () => clock.now, historySize: 0, ...options });
  const shell = (effects: readonly Effect[]): RouterEvent[] =>
    effects.flatMap((effect): RouterEvent[] => {
      if (effect.kind !== 'secret') return [];
      const { id, nick, secret, against } = effect;
      return [
        against === undefined
          ? { kind: 'hashed', id, nick, hash: `hash:${secret}` }
          : { kind: 'verified', id, nick, ok: against === `hash:${secret}` },
      ];
    });
  /** The event, then the shell's answers to what it asked (and to what those asked), all the effects in order. */
  const answered = (event: RouterEvent): Effect[] => {
    const effects = route(event);
    return [...effects, ...shell(effects).flatMap(answered)];
  };
  return { route, answered, shell, clock };
}

/** A server where connection 1 is ada, registered with `secret`, and connection 2 is a guest. */
function withAda(options: Partial<RouterOptions> = {}) {
  const chat = server(options);
  chat.route(open(1));
  chat.route(open(2));
  chat.route(lines(1, '/nick ada'));
  const registered = chat.answered(lines(1, '/register secret'));
  return { ...chat, registered };
}

describe('registered nicks', () => {
  it('binds the member’s nick; no one else may take it, and is told why and stays as they are', () => {
    const { route, registered } = withAda();
    expect(inbox(registered, 1)).toEqual([
      '* ada is registered to you for this server run only (serve --data DIR keeps it); take it back later with /identify ada SECRET',
    ]);
    route(lines(1, '/nick ada2'));
    const taken = route(lines(2, '/nick ADA', '/who'));
    expect(inbox(taken, 2)).toEqual(['! ADA is registered: /identify ADA SECRET first', '* online in #lobby (3): server, ada2, guest-2']);
  });

  it('lets the one who gives the secret take it (with /identify NICK SECRET), from any connection', () => {
    const { route, answered } = withAda();
    route(lines(1, '/quit'));
    const identified = answered(lines(2, '/identify ada secret', '/nick ada'));
    expect(inbox(identified, 2)).toEqual(['* you are identified as ada', '* you are now ada', '* you are ada']);
  });

  it('refuses a wrong secret, then locks the address out for a while, even with the right one', () => {
    const { route, answered, clock } = withAda();
    route(open(3, '10.0.0.2'));
    expect(inbox(answered(lines(2, '/identify ada guess1')), 2)).toEqual(['! wrong secret for ada']);
    expect(inbox(answered(lines(3, '/identify ada guess2')), 3)).toEqual(['! wrong secret for ada']);
    expect(inbox(answered(lines(2, '/identify ada guess3')), 2)).toEqual(['! too many wrong secrets; try again later']);
    const locked = route(lines(3, '/identify ada secret'));
    expect(secrets(locked)).toEqual([]);
    expect(inbox(locked, 3)).toEqual(['! too many wrong secrets; try again later']);
    clock.now += LIMITS.lockoutMs;
    expect(inbox(answered(lines(3, '/identify ada secret')), 3)).toContain('* you are identified as ada');
  });

  it('keeps the lines a member sends while its secret is being hashed, in order, after the answer', () => {
    const chat = server();
    chat.route(open(1));
    chat.route(open(2));
    chat.route(lines(1, '/nick ada'));
    const asked = chat.route(lines(1, '/register secret', 'one', '/nick bob', 'two'));
    expect(inbox(asked, 2)).toEqual([]);
    expect(chat.route(lines(1, 'three'))).toEqual([]);
    const after = chat.shell(asked).flatMap((event) => chat.route(event));
    expect(inbox(after, 2)).toEqual(['<ada> one', '* ada is now bob', '<bob> two', '<bob> three']);
  });

  it('answers a member that ended its side while its secret was hashed: every line after the answer, in order, then closes it', () => {
    const chat = server();
    chat.route(open(1));
    chat.route(open(2));
    chat.route(lines(1, '/nick fay'));
    const asked = chat.route(lines(1, '/register pw12345', '/join #z2', 'hello z2', '/who'));
    expect(chat.route({ kind: 'closed', id: 1, reason: 'connection closed' })).toEqual([]);
    const after = chat.shell(asked).flatMap((event) => chat.route(event));
    expect(inbox(after, 1)).toEqual([
      '* fay is registered to you for this server run only (serve --data DIR keeps it); take it back later with /identify fay SECRET',
      '* you are now in #z2 (1 here); no topic',
      '* online in #z2 (1): fay',
    ]);
    expect(after.at(-1)).toEqual({ kind: 'close', id: 1, reason: 'connection closed' });
    expect(after.filter((effect) => effect.kind === 'close')).toHaveLength(1);
  });
  it('forgets a member that ended its side while its secret was hashed and was then kicked: no close is to come', () => {
    const chat = server({ admission: { ...LIMITS, maxClients: 2 } });
    chat.route(open(1));
    chat.route(open(2));
    chat.route(lines(1, '/nick fay'));
    chat.route(lines(1, '/register pw12345', 'hello'));
    expect(chat.route({ kind: 'closed', id: 1, reason: 'connection closed' })).toEqual([]);
    expect(chat.route({ kind: 'console', command: parseConsoleLine('/kick fay') })).toContainEqual(
      expect.objectContaining({ kind: 'close', id: 1 }),
    );
    // Its place among the two is free again: a newcomer is let in.
    expect(inbox(chat.route(open(3)), 3)[0]).toMatch(/^\* welcome/);
  });

  it('registers neither a guest nick nor a nick registered already', () => {
    const { route } = withAda();
    expect(inbox(route(lines(2, '/register x')), 2)).toEqual(['! a guest nick cannot be registered: take a nick first (/nick NAME)']);
    expect(inbox(route(lines(1, '/register again')), 1)).toEqual(['! ada is registered already']);
  });

  it('keeps registrations with --data, and holds those kept at start', () => {
    const { registered, route } = withAda({ restored: NOTHING });
    expect(registered).toContainEqual({ kind: 'fact', fact: { kind: 'registration', key: 'ada', nick: 'ada', hash: 'hash:secret' } });
    expect(route(lines(1, '/unregister'))).toContainEqual({
      kind: 'fact',
      fact: { kind: 'registration', key: 'ada', nick: 'ada', lifted: true },
    });

    const restarted = server({
      restored: { ...NOTHING, facts: [{ kind: 'registration', key: 'ada', nick: 'ada', hash: 'hash:secret' }] },
    });
    restarted.route(open(1));
    expect(inbox(restarted.route(lines(1, '/nick ada')), 1)).toEqual(['! ada is registered: /identify ada SECRET first']);
  });

  it('drops a registration by its identified owner or at the console, and no one else', () => {
    const { route } = withAda();
    route(lines(1, '/nick ada2'));
    route(lines(2, '/nick ada2x'));
    expect(inbox(route(lines(2, '/unregister')), 2)).toEqual(['! ada2x is not registered']);
    const console = route({ kind: 'console', command: { kind: 'unregister', name: 'ADA' } });
    expect(console).toEqual([{ kind: 'log', entries: [{ type: 'notice', text: 'ADA is no longer registered' }] }]);
    expect(inbox(route(lines(2, '/nick ada')), 2)).toEqual(['* you are now ada']);
  });
});

describe('nicks registered to a client certificate', () => {
  const ADA_CERT = 'AA:11';
  const withCert = (id: ConnId, fingerprint: string): RouterEvent => ({ ...open(id), fingerprint }) as RouterEvent;

  /** A server where connection 1 (certificate AA:11) is ada, registered by a bare /register, and connection 2 is a guest. */
  function withAdaByCert(options: Partial<RouterOptions> = {}) {
    const chat = server(options);
    chat.route(withCert(1, ADA_CERT));
    chat.route(open(2));
    chat.route(lines(1, '/nick ada'));
    const registered = chat.answered(lines(1, '/register'));
    return { ...chat, registered };
  }

  it('binds the nick to the certificate with no secret, and keeps it with --data', () => {
    const { registered } = withAdaByCert({ restored: NOTHING });
    expect(secrets(registered)).toEqual([]);
    expect(inbox(registered, 1)).toEqual([
      '* ada is registered to you; take it back later by connecting with this client certificate (no secret needed)',
    ]);
    expect(registered).toContainEqual({ kind: 'fact', fact: { kind: 'registration', key: 'ada', nick: 'ada', cert: ADA_CERT } });
    expect(registered).toContainEqual({
      kind: 'log',
      entries: [{ type: 'notice', text: `ada registered (10.0.0.1:4000, client certificate ${ADA_CERT})` }],
    });
  });

  it('lets a connection presenting that certificate take the nick with no secret, identified for /unregister', () => {
    const { route } = withAdaByCert();
    route(lines(1, '/quit'));
    route(withCert(3, ADA_CERT));
    expect(inbox(route(lines(3, '/nick ada')), 3)).toEqual(['* you are now ada']);
    expect(inbox(route(lines(3, '/unregister')), 3)).toEqual(['* ada is no longer registered']);
  });

  it('refuses the nick to another certificate and to none, and a secret never takes it (each guess counted)', () => {
    const { route, clock } = withAdaByCert();
    route(lines(1, '/nick ada2'));
    route(withCert(3, 'BB:22'));
    const refusal = '! ada is registered to a client certificate: only a connection that presents it takes ada';
    expect(inbox(route(lines(3, '/nick ada')), 3)).toEqual([refusal]);
    expect(inbox(route(lines(2, '/nick ada')), 2)).toEqual([refusal]);
    const guesses = ['x', 'y', 'z'].map((guess) => inbox(route(lines(2, `/identify ada ${guess}`)), 2));
    expect(guesses).toEqual([
      ['! ada is registered to a client certificate; no secret takes it'],
      ['! ada is registered to a client certificate; no secret takes it'],
      ['! ada is registered to a client certificate; no secret takes it'],
    ]);
    expect(inbox(route(lines(2, '/identify ada x')), 2)).toEqual(['! too many wrong secrets; try again later']);
    clock.now += LIMITS.lockoutMs;
    expect(inbox(route(lines(2, '/identify ada x')), 2)).toEqual(['! ada is registered to a client certificate; no secret takes it']);
    expect(inbox(route(lines(2, '/nick ada')), 2)).toEqual([refusal]);
  });

  it('takes a restored registration by certificate after a restart', () => {
    const restarted = server({ restored: { ...NOTHING, facts: [{ kind: 'registration', key: 'ada', nick: 'ada', cert: ADA_CERT }] } });
    restarted.route(open(1));
    restarted.route(withCert(2, ADA_CERT));
    expect(inbox(restarted.route(lines(1, '/nick ada')), 1)).toEqual([
      '! ada is registered to a client certificate: only a connection that presents it takes ada',
    ]);
    expect(inbox(restarted.route(lines(2, '/nick ada')), 2)).toEqual(['* you are now ada']);
  });

  it('binds both the secret and the certificate for /register SECRET on a connection with one: either takes the nick', () => {
    const chat = server();
    chat.route(withCert(1, ADA_CERT));
    chat.route(lines(1, '/nick ada'));
    const registered = chat.answered(lines(1, '/register secret'));
    expect(inbox(registered, 1)).toEqual([
      '* ada is registered to you for this server run only (serve --data DIR keeps it); take it back later with /identify ada SECRET, or by connecting with this client certificate',
    ]);
    chat.route(lines(1, '/quit'));
    chat.route(withCert(2, ADA_CERT));
    expect(inbox(chat.route(lines(2, '/nick ada')), 2)).toEqual(['* you are now ada']);
    chat.route(lines(2, '/quit'));
    chat.route(open(3));
    expect(inbox(chat.route(lines(3, '/nick ada')), 3)).toEqual(['! ada is registered: /identify ada SECRET first']);
    expect(inbox(chat.answered(lines(3, '/identify ada secret')), 3)).toEqual(['* you are identified as ada', '* you are now ada']);
  });

  it('asks for a secret when /register comes without one from a connection with no certificate', () => {
    const { route } = withAda();
    route(lines(2, '/nick bob'));
    expect(inbox(route(lines(2, '/register')), 2)).toEqual([
      '! usage: /register SECRET (or, with no secret, connect over TLS with a client certificate: tcpchat connect --tls --nick NICK)',
    ]);
  });

  it('lets the owner identified by its secret add its certificate with a bare /register; another certificate still cannot take the nick', () => {
    const chat = server();
    chat.route(open(1));
    chat.route(lines(1, '/nick ada'));
    chat.answered(lines(1, '/register secret', '/quit'));
    chat.route(withCert(2, ADA_CERT));
    chat.route(withCert(3, 'BB:22'));
    chat.route(lines(3, '/nick bob'));
    expect(inbox(chat.route(lines(3, '/register')), 3)).toEqual([
      '* bob is registered to you for this server run only (serve --data DIR keeps it); take it back later by connecting with this client certificate (no secret needed)',
    ]);
    expect(inbox(chat.answered(lines(2, '/identify ada secret')), 2)).toEqual(['* you are identified as ada', '* you are now ada']);
    expect(inbox(chat.route(lines(2, '/register')), 2)).toEqual([
      '* ada is registered to you for this server run only (serve --data DIR keeps it); take it back later with /identify ada SECRET, or by connecting with this client certificate',
    ]);
    expect(inbox(chat.route(lines(2, '/register')), 2)).toEqual(['! ada is registered already']);
    chat.route(lines(2, '/quit'));
    chat.route(withCert(4, ADA_CERT));
    expect(inbox(chat.route(lines(4, '/nick ada')), 4)).toEqual(['* you are now ada']);
    chat.route(lines(4, '/quit'));
    expect(inbox(chat.route(lines(3, '/nick ada')), 3)).toEqual(['! ada is registered: /identify ada SECRET first']);
  });
});
