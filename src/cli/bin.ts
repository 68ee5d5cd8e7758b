#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { CACHE_WRITE_VARIABLE, type Bundle } from '../build/bundle-contract.js';

/**
 * `tcpchat`: runs the bundle that `npm run build` packs (dist/tcpchat.cjs, see src/build/bundle.ts)
 * with the V8 code cache made beside it, so that starting reads compiled code instead of compiling
 * it again. V8 rejects a cache made by another Node version, and the bundle then compiles as usual.
 */
const bundle = fileURLToPath(new URL('../../tcpchat.cjs', import.meta.url));
const cache = `${bundle}.cache`;

const script = new Script(readFileSync(bundle, 'utf8'), { filename: bundle, cachedData: readIfThere(cache) });
if (process.env[CACHE_WRITE_VARIABLE] !== undefined) {
  delete process.env[CACHE_WRITE_VARIABLE];
  // At exit, the cache also holds every function the run has compiled, not only the top level.
  process.once('exit', () => writeFileSync(cache, script.createCachedData()));
}
const root = resolve(dirname(bundle), '..');
(script.runInThisContext() as Bundle)({ createRequire, resolvePath: resolve, dirname, pathToFileURL, root });

function readIfThere(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}
