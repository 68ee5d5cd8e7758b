import { expect, test } from '@jest/globals';
import { styleText as nodeStyleText } from 'node:util';
import { styleText, type TextFormat } from '../../../src/run/text-style.js';

const FORMATS: readonly TextFormat[] = [
  'bold',
  'dim',
  'italic',
  'red',
  'green',
  'yellow',
  'blue',
  'magenta',
  'cyan',
  'greenBright',
  'yellowBright',
  'blueBright',
  'cyanBright',
];

// Node's styleText (20.13 and later) is the reference; ours stands in for it on every Node 20.
const reference = (format: TextFormat | readonly TextFormat[], text: string): string =>
  (nodeStyleText as (format: unknown, text: string, options?: { validateStream?: boolean }) => string)(format, text, {
    validateStream: false,
  });

test.each(FORMATS)('%s is written as util.styleText writes it', (format) => {
  expect(styleText(format, 'hi')).toBe(reference(format, 'hi'));
});

test('a list of styles opens in order and closes in reverse, as util.styleText does', () => {
  expect(styleText(['bold', 'cyanBright'], '<ada>')).toBe(reference(['bold', 'cyanBright'], '<ada>'));
  expect(styleText(['italic', 'yellow'], '-- lost')).toBe('\u001b[3m\u001b[33m-- lost\u001b[39m\u001b[23m');
});
