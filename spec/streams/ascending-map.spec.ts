import fc from 'fast-check';
import { AscendingMap } from '../../streams/ascending-map.js';

describe('AscendingMap', () => {
  it('finds keys given in ascending order, and keys out of order as well', () => {
    const map = new AscendingMap<string>();
    map
      .set(5, 'a')
      .set(3, 'b')
      .set(6, 'c')
      .set(2 ** 40, 'd')
      .set(-1, 'e');
    expect([map.get(3), map.get(5), map.get(6), map.get(2 ** 40), map.get(-1), map.get(4)]).toEqual(['b', 'a', 'c', 'd', 'e', undefined]);
    expect(map.size).toBe(5);
    expect([...map.values()]).toEqual(['a', 'c', 'b', 'd', 'e']); // the roll's, then those out of order
  });

  it('forgets a key that goes, and takes it again (out of order now)', () => {
    const map = new AscendingMap<number>();
    map.set(1, 10).set(2, 20);
    expect(map.delete(1)).toBe(true);
    expect(map.delete(1)).toBe(false);
    expect(map.has(1)).toBe(false);
    map.set(1, 11);
    expect([map.get(1), map.get(2), map.size]).toEqual([11, 20, 2]);
  });

  it('replaces a value in place', () => {
    const map = new AscendingMap<number>();
    map.set(4, 1).set(4, 2);
    expect([map.get(4), map.size]).toEqual([2, 1]);
  });

  it('may change while its values are visited, sweeps included, as a Map may', () => {
    const map = new AscendingMap<number>();
    for (let n = 1; n <= 10; n++) map.set(n, n);
    const seen: number[] = [];
    for (const value of map.values()) {
      seen.push(value);
      map.delete(value);
      if (value === 4) for (const gone of [5, 7]) map.delete(gone); // the roll is swept at the sixth vacant of ten
    }
    expect(seen).toEqual([1, 2, 3, 4, 6, 8, 9, 10]);
    expect(map.size).toBe(0);
  });

  it('stays right through thousands of keys coming and going (sweeps and shrinks)', () => {
    const map = new AscendingMap<number>();
    for (let n = 1; n <= 5000; n++) map.set(n, n + 100);
    for (let n = 1; n <= 5000; n++) if (n % 7 !== 0) map.delete(n);
    expect(map.size).toBe(714);
    for (let n = 1; n <= 5000; n++) expect(map.get(n)).toBe(n % 7 === 0 ? n + 100 : undefined);
    for (let n = 5001; n <= 5100; n++) map.set(n, n);
    expect([map.get(5100), map.size]).toEqual([5100, 814]);
  });

  it('answers as a Map would, whatever the order of changes', () => {
    const change = fc.oneof(
      fc.record({ set: fc.integer({ min: -3, max: 40 }), value: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ delete: fc.integer({ min: -3, max: 40 }) }),
    );
    fc.assert(
      fc.property(fc.array(change, { maxLength: 200 }), (changes) => {
        const ours = new AscendingMap<number>();
        const map = new Map<number, number>();
        for (const c of changes) {
          if ('set' in c) {
            ours.set(c.set, c.value);
            map.set(c.set, c.value);
          } else expect(ours.delete(c.delete)).toBe(map.delete(c.delete));
          expect(ours.size).toBe(map.size);
        }
        for (let n = -3; n <= 40; n++) expect(ours.get(n)).toBe(map.get(n));
        expect([...ours.values()].sort()).toEqual([...map.values()].sort());
      }),
      { numRuns: 300 },
    );
  });
});
