import { expect, test } from '@jest/globals';
import { runEpoch } from '../../../src/run/run-epoch.js';

test('a run is named by 8 base64url characters, a new name each time', () => {
  const names = Array.from({ length: 1000 }, runEpoch);
  for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]{8}$/);
  expect(new Set(names).size).toBe(names.length);
  // Every character of the alphabet turns up: 8,000 draws from 64.
  expect(new Set(names.join('')).size).toBe(64);
});
