import { describe, expect, it } from '@jest/globals';
import { typedOnCommandLine } from '../../../src/cli/environment.js';

describe('typedOnCommandLine', () => {
  it.each([
    [
      ['--port', '1'],
      ['port', 'p'],
    ],
    [['--port=1'], ['port', 'p']],
    [
      ['-p', '1'],
      ['port', 'p'],
    ],
    [['-p1'], ['port', 'p']],
    [['--no-relay'], ['relay']],
    [
      ['serve', '-Hq', '::1'],
      ['quiet', 'q'],
    ],
  ])('finds %j for %j', (args, names) => {
    expect(typedOnCommandLine(args, names)).toBe(true);
  });

  it.each([
    [
      ['--portal', '1'],
      ['port', 'p'],
    ],
    [
      ['--json', '--', 'p'],
      ['port', 'p'],
    ],
    [
      ['serve', 'host:1'],
      ['port', 'p'],
    ],
    [['--name', 'relay'], ['relay']],
    [
      ['--max-line', '1'],
      ['max', 'm'],
    ],
  ])('does not find %j for %j', (args, names) => {
    expect(typedOnCommandLine(args, names)).toBe(false);
  });
});
