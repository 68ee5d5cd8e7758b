import { describe, expect, it } from '@jest/globals';
import { nativeModuleFailure, oneLine } from '../../../src/run/native-module-failure.js';

/** What Node 22 throws loading a better-sqlite3 that Node 20 built (its text, word for word). */
const builtForNode20 = Object.assign(
  new Error(
    "The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\n" +
      'was compiled against a different Node.js version using\n' +
      'NODE_MODULE_VERSION 115. This version of Node.js requires\n' +
      'NODE_MODULE_VERSION 127. Please try re-compiling or re-installing\n' +
      'the module (for instance, using `npm rebuild` or `npm install`).',
  ),
  { code: 'ERR_DLOPEN_FAILED' },
);

describe('nativeModuleFailure', () => {
  it('names a module built for another Node, both versions, and the fix, in one line', () => {
    expect(nativeModuleFailure(builtForNode20, 'better-sqlite3')).toBe(
      'better-sqlite3 was built for another Node (module version 115, this one is 127); run npm rebuild better-sqlite3 where tcpchat is installed',
    );
  });

  it('says any other load failure in one line, with the same fix', () => {
    const elf = Object.assign(new Error('/app/x.node: invalid ELF header\n'), { code: 'ERR_DLOPEN_FAILED' });
    expect(nativeModuleFailure(elf, 'better-sqlite3')).toBe(
      'better-sqlite3 cannot be loaded (/app/x.node: invalid ELF header); run npm rebuild better-sqlite3 where tcpchat is installed',
    );
  });

  it('leaves other errors to the caller', () => {
    expect(nativeModuleFailure(new Error('disk full'), 'better-sqlite3')).toBeUndefined();
    expect(nativeModuleFailure(undefined, 'better-sqlite3')).toBeUndefined();
  });
});

describe('oneLine', () => {
  it('joins the lines of a message with single spaces', () => {
    expect(oneLine('a\n  b\nc\n')).toBe('a b c');
  });
});
