import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { nickKey } from '../../../streams/protocol/nick.js';
import { forget, memberKey, members, type ServerModel } from '../../../streams/server/model.js';
import { findByNick, rename } from '../../../streams/server/nicks.js';
import { addMember, testModel } from './model-fixture.js';

const nicks = (model: ServerModel): string[] => members(model).map((member) => member.nick);
const renamed = (model: ServerModel, id: number, nick: string) => rename(model, model.conns.get(id)!, nick);

describe('guest nicks', () => {
  it('numbers guests guest-1, guest-2, ...', () => {
    const model = testModel();
    expect(addMember(model, 10).nick).toBe('guest-1');
    expect(addMember(model, 11).nick).toBe('guest-2');
    expect(findByNick(model, 'guest-2')?.id).toBe(11);
  });

  it('never reuses a number, even after the guest left', () => {
    const model = testModel();
    addMember(model, 1);
    addMember(model, 2);
    forget(model, 1);
    forget(model, 2);
    expect(addMember(model, 3).nick).toBe('guest-3');
  });

  it('skips a guest name somebody took with /nick, in any case', () => {
    const model = testModel();
    addMember(model, 1);
    expect(renamed(model, 1, 'GUEST-2').ok).toBe(true);
    expect(addMember(model, 2).nick).toBe('guest-3');
  });

  it("skips the console's name", () => {
    expect(addMember(testModel({ name: 'Guest-1' }), 1).nick).toBe('guest-2');
  });
});

describe('the table of members', () => {
  it('keys a guest nick by its number: no string for it', () => {
    for (const nick of ['guest-1', 'guest-602', 'guest-10', 'guest-23']) expect(memberKey(nick)).toBe(Number(nick.slice(6)));
  });

  it('keys a nick that looks like a guest nick as that guest, and others by their nick key', () => {
    expect(memberKey('GUEST-6O2')).toBe(602);
    expect(memberKey('guest-6ol')).toBe(601);
    expect(memberKey('guest-6I2')).toBe(612);
    expect(memberKey('guest-o62')).toBe('guest-062'); // no guest is numbered so
    expect(memberKey('guest-0062')).not.toBe(memberKey('guest-062'));
    expect(memberKey('Alice')).toBe(nickKey('Alice'));
    expect(memberKey('goal-10')).toBe(nickKey('goal-10'));
  });

  it('refuses a nick that looks like a guest nick with a 0 or a 1 in it', () => {
    const model = testModel();
    addMember(model, 1);
    for (let id = 2; id <= 10; id++) addMember(model, id);
    expect(findByNick(model, 'guest-1O')?.id).toBe(10);
    expect(renamed(model, 1, 'GUEST-l0')).toEqual({ ok: false, error: 'nick GUEST-l0 looks like guest-10, which is taken' });
    expect(renamed(model, 10, 'guest-1o').ok).toBe(true);
    expect(findByNick(model, 'guest-10')?.nick).toBe('guest-1o');
    expect(renamed(model, 10, 'guest-10').ok).toBe(true);
    expect(findByNick(model, 'GUEST-1O')?.nick).toBe('guest-10');
    expect(renamed(model, 2, 'guest-0010')).toEqual({ ok: true, before: 'guest-2', after: 'guest-0010' });
    expect(findByNick(model, 'guest-0010')?.id).toBe(2);
  });
});

describe('rename', () => {
  const withTwo = (): ServerModel => {
    const model = testModel();
    addMember(model, 1);
    addMember(model, 2);
    return model;
  };

  it('renames and keeps the nick index in step', () => {
    const model = withTwo();
    expect(renamed(model, 1, 'Alice')).toEqual({ ok: true, before: 'guest-1', after: 'Alice' });
    expect(findByNick(model, 'guest-1')).toBeUndefined();
    expect(findByNick(model, 'alice')?.id).toBe(1);
    expect(model.conns.get(1)?.nick).toBe('Alice');
  });

  it("refuses another member's nick without regard to case", () => {
    const model = withTwo();
    renamed(model, 1, 'alice');
    expect(renamed(model, 2, 'ALICE')).toEqual({ ok: false, error: 'nick ALICE is taken' });
    expect(nicks(model)).toEqual(['alice', 'guest-2']);
  });

  it.each([
    ['Cyrillic а', '\u0430lice'],
    ['fullwidth ａ', '\uff41lice'],
    ['mathematical bold', '𝐚𝐥𝐢𝐜𝐞'],
  ])("refuses a look-alike of another member's nick (%s), naming the nick it looks like", (_, lookAlike) => {
    const model = withTwo();
    renamed(model, 1, 'alice');
    expect(renamed(model, 2, lookAlike)).toEqual({ ok: false, error: `nick ${lookAlike} looks like alice, which is taken` });
    expect(nicks(model)).toEqual(['alice', 'guest-2']);
  });

  it('refuses the decomposed é when the composed one is taken, and the console name in fullwidth letters', () => {
    const model = withTwo();
    renamed(model, 1, 'Jos\u00e9');
    expect(renamed(model, 2, 'Jose\u0301').ok).toBe(false);
    expect(renamed(model, 2, '\uff53\uff45\uff52\uff56\uff45\uff52')).toEqual({
      ok: false,
      error: 'nick \uff53\uff45\uff52\uff56\uff45\uff52 looks like server, which is taken',
    });
  });

  it('keeps a nick in its NFKC form', () => {
    const model = withTwo();
    expect(renamed(model, 1, '\uff41da')).toMatchObject({ ok: true, after: 'ada' });
    expect(renamed(model, 2, 'Jose\u0301')).toMatchObject({ ok: true, after: 'Jos\u00e9' });
  });

  it('refuses the reserved name in any case', () => {
    const model = withTwo();
    expect(renamed(model, 1, 'SERVER')).toEqual({ ok: false, error: 'nick SERVER is taken' });
    expect(model.conns.get(1)?.nick).toBe('guest-1');
  });

  it('lets a member change the case of its own nick', () => {
    const model = withTwo();
    renamed(model, 1, 'alice');
    expect(renamed(model, 1, 'Alice').ok).toBe(true);
    expect(findByNick(model, 'ALICE')?.nick).toBe('Alice');
    expect(model.nicks.size).toBe(2);
  });

  it('refuses an invalid nick with the reason', () => {
    const model = withTwo();
    expect(renamed(model, 1, 'two words')).toEqual({ ok: false, error: 'a nick is letters, digits and _ - . [ ] only' });
    expect(renamed(model, 1, 'x'.repeat(33))).toEqual({ ok: false, error: 'a nick has at most 32 characters' });
  });

  it('frees the old nick for somebody else', () => {
    const model = withTwo();
    renamed(model, 1, 'alice');
    expect(renamed(model, 2, 'guest-1').ok).toBe(true);
  });
});

describe('forget', () => {
  it('frees the nick of a connection that closed', () => {
    const model = testModel();
    addMember(model, 1);
    renamed(model, 1, 'alice');
    forget(model, 1);
    expect(model.conns.size).toBe(0);
    expect(model.nicks.size).toBe(0);
    addMember(model, 2);
    expect(renamed(model, 2, 'Alice').ok).toBe(true);
  });
});

describe('findByNick', () => {
  it('finds without regard to case, and not the reserved name', () => {
    const model = testModel();
    addMember(model, 7);
    expect(findByNick(model, 'GUEST-1')?.id).toBe(7);
    expect(findByNick(model, 'server')).toBeUndefined();
    expect(findByNick(model, 'nobody')).toBeUndefined();
  });
});

describe('nick invariants', () => {
  type Step = { kind: 'add' } | { kind: 'rename'; id: number; nick: string } | { kind: 'remove'; id: number };
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.constant({ kind: 'add' as const }),
    fc.record({
      kind: fc.constant('rename' as const),
      id: fc.nat(8),
      nick: fc.constantFrom(
        'alice',
        'ALICE',
        '\u0430lice',
        '𝐚𝐥𝐢𝐜𝐞',
        'Bob',
        'b0b',
        'server',
        'Server',
        '\uff53erver',
        'guest-1',
        'guest-l',
        'Guest-3',
        'guest-5',
        'bad nick',
        '',
      ),
    }),
    fc.record({ kind: fc.constant('remove' as const), id: fc.nat(8) }),
  );

  it('keeps nicks unique without case or look-alikes, the reserved name free, and guest numbers unused twice', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const model = testModel();
        const guestNames = new Set<string>();
        let nextId = 0;
        for (const s of steps) {
          if (s.kind === 'add') {
            const member = addMember(model, nextId++);
            expect(guestNames.has(member.nick)).toBe(false);
            guestNames.add(member.nick);
          } else if (s.kind === 'rename') {
            const member = model.conns.get(s.id);
            if (member) rename(model, member, s.nick);
          } else {
            forget(model, s.id);
          }
          const keys = nicks(model).map(nickKey);
          expect(new Set(keys).size).toBe(keys.length);
          expect(keys).not.toContain(nickKey('server'));
          expect(model.nicks.size).toBe(model.conns.size);
          for (const member of model.conns.values()) expect(model.nicks.get(memberKey(member.nick))).toBe(member.id);
        }
      }),
    );
  });
});
