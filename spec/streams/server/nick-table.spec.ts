import { NickTable } from '../../../streams/server/nick-table.js';

describe('NickTable', () => {
  it('finds guests (by number) and named nicks alike, and forgets them', () => {
    const table = new NickTable();
    table.set(1, 10);
    table.set('ada', 11);
    table.set(2, 12);
    expect([table.get(1), table.get('ada'), table.get(2), table.get(3), table.get('bob')]).toEqual([10, 11, 12, undefined, undefined]);
    expect(table.size).toBe(3);
    table.delete(1);
    table.delete('ada');
    expect([table.has(1), table.has('ada'), table.has(2), table.size]).toEqual([false, false, true, 1]);
  });
});
