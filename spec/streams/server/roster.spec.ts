import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { nickKey } from '../../../streams/protocol/nick.js';
import { addGuest, createRoster, findByNick, remove, rename, type Roster } from '../../../streams/server/roster.js';

const nicks = (roster: Roster): string[] => [...roster.byId.values()].map((member) => member.nick);

describe('createRoster', () => {
  it('starts empty, with the reserved nicks keyed without case', () => {
    const roster = createRoster(['Server']);
    expect(roster.byId.size).toBe(0);
    expect(roster.byNick.size).toBe(0);
    expect([...roster.reserved]).toEqual([['server', 'Server']]);
    expect(roster.nextGuest).toBe(1);
  });
});

describe('addGuest', () => {
  it('numbers guests guest-1, guest-2, ...', () => {
    const roster = createRoster(['server']);
    expect(addGuest(roster, 10, '10.0.0.1:5000')).toEqual({ id: 10, nick: 'guest-1', address: '10.0.0.1:5000' });
    expect(addGuest(roster, 11, '10.0.0.2:5000')).toEqual({ id: 11, nick: 'guest-2', address: '10.0.0.2:5000' });
    expect(findByNick(roster, 'guest-2')?.id).toBe(11);
  });

  it('never reuses a number, even after the guest left', () => {
    const roster = createRoster(['server']);
    addGuest(roster, 1, 'a');
    addGuest(roster, 2, 'b');
    remove(roster, 1);
    remove(roster, 2);
    expect(addGuest(roster, 3, 'c').nick).toBe('guest-3');
  });

  it('skips a guest name somebody took with /nick, in any case', () => {
    const roster = createRoster(['server']);
    addGuest(roster, 1, 'a');
    expect(rename(roster, 1, 'GUEST-2').ok).toBe(true);
    expect(addGuest(roster, 2, 'b').nick).toBe('guest-3');
  });

  it('skips a reserved guest name', () => {
    const roster = createRoster(['Guest-1']);
    expect(addGuest(roster, 1, 'a').nick).toBe('guest-2');
  });
});

describe('rename', () => {
  const withTwo = (): Roster => {
    const roster = createRoster(['server']);
    addGuest(roster, 1, 'a');
    addGuest(roster, 2, 'b');
    return roster;
  };

  it('renames and keeps both indexes in step', () => {
    const roster = withTwo();
    const result = rename(roster, 1, 'Alice');
    expect(result).toEqual({
      ok: true,
      before: { id: 1, nick: 'guest-1', address: 'a' },
      after: { id: 1, nick: 'Alice', address: 'a' },
    });
    expect(findByNick(roster, 'guest-1')).toBeUndefined();
    expect(findByNick(roster, 'alice')).toEqual({ id: 1, nick: 'Alice', address: 'a' });
    expect(roster.byId.get(1)?.nick).toBe('Alice');
  });

  it("refuses another member's nick without regard to case", () => {
    const roster = withTwo();
    rename(roster, 1, 'alice');
    expect(rename(roster, 2, 'ALICE')).toEqual({ ok: false, error: 'nick ALICE is taken' });
    expect(nicks(roster)).toEqual(['alice', 'guest-2']);
  });

  it.each([
    ['Cyrillic а', '\u0430lice'],
    ['fullwidth ａ', '\uff41lice'],
    ['mathematical bold', '𝐚𝐥𝐢𝐜𝐞'],
  ])("refuses a look-alike of another member's nick (%s), naming the nick it looks like", (_, lookAlike) => {
    const roster = withTwo();
    rename(roster, 1, 'alice');
    expect(rename(roster, 2, lookAlike)).toEqual({ ok: false, error: `nick ${lookAlike} looks like alice, which is taken` });
    expect(nicks(roster)).toEqual(['alice', 'guest-2']);
  });

  it('refuses the decomposed é when the composed one is taken, and the console name in fullwidth letters', () => {
    const roster = withTwo();
    rename(roster, 1, 'Jos\u00e9');
    expect(rename(roster, 2, 'Jose\u0301').ok).toBe(false);
    expect(rename(roster, 2, '\uff53\uff45\uff52\uff56\uff45\uff52')).toEqual({ ok: false, error: 'nick \uff53\uff45\uff52\uff56\uff45\uff52 looks like server, which is taken' });
  });

  it('keeps a nick in its NFKC form', () => {
    const roster = withTwo();
    expect(rename(roster, 1, '\uff41da')).toMatchObject({ ok: true, after: { nick: 'ada' } });
    expect(rename(roster, 2, 'Jose\u0301')).toMatchObject({ ok: true, after: { nick: 'Jos\u00e9' } });
  });

  it('refuses the reserved name in any case', () => {
    const roster = withTwo();
    expect(rename(roster, 1, 'SERVER')).toEqual({ ok: false, error: 'nick SERVER is taken' });
    expect(roster.byId.get(1)?.nick).toBe('guest-1');
  });

  it('lets a member change the case of its own nick', () => {
    const roster = withTwo();
    rename(roster, 1, 'alice');
    const result = rename(roster, 1, 'Alice');
    expect(result.ok).toBe(true);
    expect(findByNick(roster, 'ALICE')?.nick).toBe('Alice');
    expect(roster.byNick.size).toBe(2);
  });

  it('refuses an invalid nick with the reason', () => {
    const roster = withTwo();
    expect(rename(roster, 1, 'two words')).toEqual({ ok: false, error: 'a nick is letters, digits and _ - . [ ] only' });
    expect(rename(roster, 1, 'x'.repeat(33))).toEqual({ ok: false, error: 'a nick has at most 32 characters' });
  });

  it('refuses a connection that is not in the roster', () => {
    expect(rename(withTwo(), 99, 'alice')).toEqual({ ok: false, error: 'not connected' });
  });

  it('frees the old nick for somebody else', () => {
    const roster = withTwo();
    rename(roster, 1, 'alice');
    expect(rename(roster, 2, 'guest-1').ok).toBe(true);
  });
});

describe('remove', () => {
  it('removes the member and frees its nick', () => {
    const roster = createRoster(['server']);
    addGuest(roster, 1, 'a');
    rename(roster, 1, 'alice');
    expect(remove(roster, 1)).toEqual({ id: 1, nick: 'alice', address: 'a' });
    expect(roster.byId.size).toBe(0);
    expect(roster.byNick.size).toBe(0);
    addGuest(roster, 2, 'b');
    expect(rename(roster, 2, 'Alice').ok).toBe(true);
  });

  it('returns undefined for a connection that is not there', () => {
    const roster = createRoster(['server']);
    expect(remove(roster, 1)).toBeUndefined();
  });
});

describe('findByNick', () => {
  it('finds without regard to case, and not the reserved name', () => {
    const roster = createRoster(['server']);
    addGuest(roster, 7, 'a');
    expect(findByNick(roster, 'GUEST-1')?.id).toBe(7);
    expect(findByNick(roster, 'server')).toBeUndefined();
    expect(findByNick(roster, 'nobody')).toBeUndefined();
  });
});

describe('roster invariants', () => {
  type Step = { kind: 'add' } | { kind: 'rename'; id: number; nick: string } | { kind: 'remove'; id: number };
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.constant({ kind: 'add' as const }),
    fc.record({
      kind: fc.constant('rename' as const),
      id: fc.nat(8),
      nick: fc.constantFrom('alice', 'ALICE', '\u0430lice', '𝐚𝐥𝐢𝐜𝐞', 'Bob', 'b0b', 'server', 'Server', '\uff53erver', 'guest-1', 'guest-l', 'Guest-3', 'guest-5', 'bad nick', ''),
    }),
    fc.record({ kind: fc.constant('remove' as const), id: fc.nat(8) }),
  );

  it('keeps nicks unique without case or look-alikes, the reserved name free, and guest numbers unused twice', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const roster = createRoster(['server']);
        const guestNames = new Set<string>();
        let nextId = 0;
        for (const s of steps) {
          if (s.kind === 'add') {
            const member = addGuest(roster, nextId++, 'addr');
            expect(guestNames.has(member.nick)).toBe(false);
            guestNames.add(member.nick);
          } else if (s.kind === 'rename') {
            rename(roster, s.id, s.nick);
          } else {
            remove(roster, s.id);
          }
          const keys = nicks(roster).map(nickKey);
          expect(new Set(keys).size).toBe(keys.length);
          expect(keys).not.toContain(nickKey('server'));
          expect(roster.byNick.size).toBe(roster.byId.size);
          for (const [id, member] of roster.byId) {
            expect(member.id).toBe(id);
            expect(roster.byNick.get(nickKey(member.nick))).toBe(id);
          }
        }
      }),
    );
  });
});
