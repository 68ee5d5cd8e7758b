import { describe, expect, it } from '@jest/globals';
import { parsePort, parseTarget } from '../../../src/cli/target.js';

describe('parseTarget', () => {
  it.each([
    ['localhost', { host: 'localhost' }],
    ['10.0.0.7:4000', { host: '10.0.0.7', port: 4000 }],
    ['[::1]:2023', { host: '::1', port: 2023 }],
    ['[::1]', { host: '::1' }],
    ['::1', { host: '::1' }],
    ['fe80::1:2', { host: 'fe80::1:2' }],
    ['chat.example.org:0', { host: 'chat.example.org', port: 0 }],
  ])('reads %s', (text, expected) => {
    expect(parseTarget(text)).toEqual(expected);
  });

  it.each(['', ':2023', '[]:1', 'host:port', 'host:70000', '[::1]:-1'])('refuses %j', (text) => {
    expect(() => parseTarget(text)).toThrow();
  });
});

describe('parsePort', () => {
  it('accepts 0 to 65535', () => {
    expect(parsePort(0)).toBe(0);
    expect(parsePort('65535')).toBe(65535);
  });

  it('names the bad value in one sentence', () => {
    expect(() => parsePort(70000)).toThrow('a port must be a whole number from 0 to 65535, not 70000');
    expect(() => parsePort(Number.NaN)).toThrow('a port must be a whole number from 0 to 65535, not NaN');
    expect(() => parsePort('2.5')).toThrow('not "2.5"');
  });
});
