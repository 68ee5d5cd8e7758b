#!/usr/bin/env node
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/**
 * `tcpchat`: runs the bundle that `npm run build` packs (dist/tcpchat.cjs, see src/build/bundle.ts)
 * with a V8 code cache, so that a start reads compiled code instead of compiling it again.
 *
 * The package ships no cache: V8 accepts a cache made by another build of the same V8 line and then
 * crashes. The running binary makes its own on first use, in the user's cache folder, under a name
 * keyed by this exact Node build (version, arch, every component version, build configuration) and
 * the bundle's bytes, so no other build or bundle ever reads it. Failing to read or write it only
 * costs the speed-up.
 */
const nodeBuild = `${process.version}-${process.arch}`;
const bundle = fileURLToPath(new URL('../../tcpchat.cjs', import.meta.url));
const source = readFileSync(bundle, 'utf8');
const cache = cacheFile(source);

const cachedData = readIfThere(cache);
// The CommonJS module wrapper, as Node's own loader applies it.
const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
if (cachedData === undefined || script.cachedDataRejected === true) {
  // At exit, the cache also holds every function the run has compiled, not only the top level.
  process.once('exit', () => writeAtomically(cache, () => script.createCachedData()));
}
const bundleModule = { exports: {} };
(script.runInThisContext() as (...args: unknown[]) => void)(bundleModule.exports, createRequire(bundle), bundleModule, bundle, dirname(bundle));

/** `$XDG_CACHE_HOME/tcpchat/NODE-ARCH-KEY.cache` (else `~/.cache/tcpchat`), KEY naming this Node build and bundle. */
function cacheFile(code: string): string {
  const xdg = process.env['XDG_CACHE_HOME'];
  const folder = join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'tcpchat');
  const build = JSON.stringify([process.platform, process.versions, process.config]);
  const key = createHash('sha256').update(build).update(code).digest('hex').slice(0, 32);
  return join(folder, `${nodeBuild}-${key}.cache`);
}

function readIfThere(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * A temporary file renamed into place, so that a reader never sees half a cache; then this Node
 * build's caches of other bundles (an earlier tcpchat) are removed. Any failure is ignored.
 */
function writeAtomically(file: string, data: () => Buffer): void {
  const folder = dirname(file);
  const temporary = `${file}.${process.pid}.tmp`;
  const written = attempt(() => {
    mkdirSync(folder, { recursive: true });
    writeFileSync(temporary, data());
    renameSync(temporary, file);
  });
  if (!written) return void attempt(() => rmSync(temporary, { force: true }));
  attempt(() => {
    for (const name of readdirSync(folder)) {
      if (name.startsWith(`${nodeBuild}-`) && name !== basename(file)) rmSync(join(folder, name), { force: true });
    }
  });
}

/** Runs a step whose failure only costs the cache; says whether it worked. */
function attempt(step: () => void): boolean {
  try {
    step();
    return true;
  } catch {
    return false;
  }
}
