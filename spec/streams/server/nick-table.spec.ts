import fc from 'fast-check';
import { NickTable } from '../../../streams/server/nick-table.js';

describe('NickTable', () => {
  it('finds guests given in order and named nicks alike', () => {
    const table = new NickTable();
    table.set(1, 10);
    table.set('ada', 11);
    table.set(2, 12);
    expect([table.get(1), table.get('ada'), table.get(2), table.get(3), table.get('bob')]).toEqual([10, 11, 12, undefined, undefined]);
    expect(table.size).toBe(3);
  });

  it('keeps a guest that comes out of order (a resumed nick) as well', () => {
    const table = new NickTable();
    table.set(5, 1);
    table.set(3, 2);
    table.set(6, 3);
    expect([table.get(3), table.get(5), table.get(6)]).toEqual([2, 1, 3]);
    table.delete(3);
    expect(table.has(3)).toBe(false);
    expect(table.size).toBe(2);
  });

  it('forgets a guest that goes, and gives its number again (to a resumed nick)', () => {
    const table = new NickTable();
    table.set(1, 1);
    table.set(2, 2);
    table.delete(1);
    expect(table.has(1)).toBe(false);
    table.set(1, 7);
    expect(table.get(1)).toBe(7);
    expect(table.get(2)).toBe(2);
  });

  it('moves a guest to another connection in place', () => {
    const table = new NickTable();
    table.set(4, 1);
    table.set(4, 2);
    expect(table.get(4)).toBe(2);
    expect(table.size).toBe(1);
  });

  it('holds numbers and ids its roll cannot (0, past 2^31) in the Map', () => {
    const table = new NickTable();
    table.set(1, 0);
    table.set(2 ** 40, 3);
    table.set(2, 2 ** 40);
    expect([table.get(1), table.get(2 ** 40), table.get(2)]).toEqual([0, 3, 2 ** 40]);
  });

  it('stays right through thousands of guests coming and going (sweeps and shrinks)', () => {
    const table = new NickTable();
    for (let n = 1; n <= 5000; n++) table.set(n, n + 100);
    for (let n = 1; n <= 5000; n++) if (n % 7 !== 0) table.delete(n);
    expect(table.size).toBe(714);
    for (let n = 1; n <= 5000; n++) expect(table.get(n)).toBe(n % 7 === 0 ? n + 100 : undefined);
    for (let n = 5001; n <= 5100; n++) table.set(n, n);
    expect(table.get(5100)).toBe(5100);
    expect(table.size).toBe(814);
  });

  it('answers as a Map would, whatever the order of changes', () => {
    const key = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom('ada', 'bob'));
    const change = fc.oneof(
      fc.record({ set: key, id: fc.integer({ min: 1, max: 9 }) }),
      fc.record({ delete: key }),
    );
    fc.assert(
      fc.property(fc.array(change, { maxLength: 200 }), (changes) => {
        const table = new NickTable();
        const map = new Map<string | number, number>();
        for (const c of changes) {
          if ('set' in c) {
            table.set(c.set, c.id);
            map.set(c.set, c.id);
          } else {
            table.delete(c.delete);
            map.delete(c.delete);
          }
          expect(table.size).toBe(map.size);
        }
        for (let n = 1; n <= 40; n++) expect(table.get(n)).toBe(map.get(n));
        expect([table.get('ada'), table.get('bob')]).toEqual([map.get('ada'), map.get('bob')]);
      }),
    );
  });
});
