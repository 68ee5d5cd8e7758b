import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { describeConnectionError } from '../../streams/connection-error.js';

const withCode = (code: unknown, message = 'read failed'): Error => Object.assign(new Error(message), { code });

describe('describeConnectionError', () => {
  it.each([
    ['ECONNRESET', 'connection reset'],
    ['EPIPE', 'connection broken'],
    ['ETIMEDOUT', 'connection timed out'],
    ['ECONNABORTED', 'connection aborted'],
  ])('names %s as "%s"', (code, reason) => {
    expect(describeConnectionError(withCode(code, `read ${code}`))).toBe(reason);
  });

  it('uses the code of an error that is not an Error instance', () => {
    expect(describeConnectionError({ code: 'ECONNRESET' })).toBe('connection reset');
  });

  it("falls back to the error's message for an unknown code", () => {
    expect(describeConnectionError(withCode('EWHATEVER', 'connect EWHATEVER 10.0.0.1:2023'))).toBe('connect EWHATEVER 10.0.0.1:2023');
  });

  it("falls back to the error's message when the code is not a string", () => {
    expect(describeConnectionError(withCode(104, 'socket hang up'))).toBe('socket hang up');
  });

  it.each([
    ['an Error without a message', new Error('')],
    ['null', null],
    ['undefined', undefined],
    ['a string', 'ECONNRESET'],
    ['a plain object', { message: 'not an Error' }],
  ])('says "connection failed" for %s', (_, error) => {
    expect(describeConnectionError(error)).toBe('connection failed');
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'does not mistake a code named like an Object property (%s) for a known code',
    (code) => {
      expect(describeConnectionError(withCode(code, 'odd failure'))).toBe('odd failure');
    },
  );

  it('always returns a non-empty string', () => {
    const anyError = fc.oneof(
      fc.anything(),
      fc.record({ code: fc.oneof(fc.string(), fc.constantFrom('ECONNRESET', 'constructor', 'valueOf')) }),
      fc.tuple(fc.string(), fc.anything()).map(([message, code]) => withCode(code, message)),
    );
    fc.assert(
      fc.property(anyError, (error) => {
        const reason = describeConnectionError(error);
        expect(typeof reason).toBe('string');
        expect(reason.length).toBeGreaterThan(0);
      }),
    );
  });
});
