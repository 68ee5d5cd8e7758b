import { describe, expect, it } from '@jest/globals';
import { addLatest, keepLatest } from '../../streams/keep-latest.js';

describe('keepLatest and addLatest', () => {
  it('keep the newest entries within the bound: one set again becomes the newest, the oldest goes first', () => {
    const table = new Map([
      ['a', 1],
      ['b', 2],
    ]);
    keepLatest(table, 'a', 3, 2);
    keepLatest(table, 'c', 4, 2);
    expect([...table]).toEqual([
      ['a', 3],
      ['c', 4],
    ]);
    const set = new Set(['x', 'y']);
    addLatest(set, 'x', 2);
    addLatest(set, 'z', 2);
    expect([...set]).toEqual(['x', 'z']);
  });
});
