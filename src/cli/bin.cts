#!/usr/bin/env node
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import type { StartHooks } from './main.js';

/**
 * `tcpchat`: runs the one script `npm run build` bundles, dist/tcpchat.cjs (src/build/bundle.ts),
 * through a V8 code cache of it. CommonJS, as the bundle is: an ES module here would start Node's
 * ES module loader, some 10 % of a bare `node` start, to load one CommonJS file.
 *
 * Compiling the bundle, and then each function a start calls, is costly (without the cache a start
 * takes some 1.13× the CPU time). The first `serve` of each bundle on each Node build keeps what V8
 * compiled up to listening in the user's cache folder; later starts read it instead of compiling. The cache is only safe on
 * the exact build that made it (Node 20.11 accepts one made by 20.20 and then crashes), so its
 * name carries the bundle's hash and this Node's identity, and V8 checks it again, its checksum too. Nothing
 * depends on it: a cache that cannot be read, written, or is refused only costs the speed-up.
 * `TCPCHAT_CODE_CACHE=off` (or 0, false, no) turns it off.
 */

const BUNDLE = resolve(__dirname, '../../tcpchat.cjs');
/** How many bundles' caches one Node build keeps: a few installs or builds used in turn each keep theirs. */
const KEPT_BUNDLES = 4;

const read = oneBufferReader();
const source = read(BUNDLE).toString('utf8');
const cacheFile = codeCacheFile(source, process.env);
// V8 checks a cache's checksum only when told to: without it, a cache damaged on disk (a bad sector,
// a copy cut short in the middle) is run, and crashes every start. The flag is part of what a cache
// must have been made with, so it is set whenever a cache is made or read.
if (cacheFile !== undefined) setFlagsFromString('--verify-snapshot-checksum');
const cachedData = cacheFile === undefined ? undefined : readIfThere(read, cacheFile);
// The bundle is the CommonJS module wrapper around the code, as Node's own loader would apply it.
const script = new Script(source, { filename: BUNDLE, cachedData });
const bundle = { exports: {} as { main(args: readonly string[], hooks: StartHooks): void } };
// Node's Module class, for the bundle's own `require` (node:module would load Node's ES module loader).
const { createRequire } = module.constructor as unknown as typeof import('node:module');
(script.runInThisContext() as (...args: unknown[]) => void)(bundle.exports, createRequire(BUNDLE), bundle, BUNDLE, dirname(BUNDLE));

const fresh = cachedData !== undefined && !script.cachedDataRejected;
bundle.exports.main(process.argv.slice(2), {
  listening: cacheFile === undefined || fresh ? undefined : () => keepCodeCache(cacheFile, script.createCachedData()),
});

/**
 * `$XDG_CACHE_HOME/tcpchat/BUNDLE-NODE.cache` (else `%LOCALAPPDATA%`, else `~/.cache`): BUNDLE is
 * the hash the build put in the bundle's first line, NODE names this Node build (its version,
 * arch and a hash of its binary's path, size and time, and its components' versions).
 */
function codeCacheFile(code: string, env: NodeJS.ProcessEnv): string | undefined {
  if (/^(?:0|false|no|off)$/i.test(env['TCPCHAT_CODE_CACHE'] ?? '')) return undefined;
  const bundleHash = /^\/\/ tcpchat bundle ([0-9a-f]+)\n/.exec(code)?.[1];
  const base = [env['XDG_CACHE_HOME'], env['LOCALAPPDATA'], env['HOME'] && join(env['HOME'], '.cache')].find(
    (folder) => folder !== undefined && isAbsolute(folder),
  );
  if (bundleHash === undefined || base === undefined) return undefined;
  let binary;
  try {
    binary = statSync(process.execPath);
  } catch {
    return undefined;
  }
  const build = JSON.stringify([process.execPath, binary.size, binary.mtimeMs, process.versions]);
  return join(base, 'tcpchat', `${bundleHash}-${process.version}-${process.arch}-${fnv1a(build)}.cache`);
}

/**
 * Reads whole files one after another into one buffer; each read's bytes are good until the next.
 * A page of memory costs a start when first touched (some 13 µs each on the 2-core VM measured,
 * README), and the bundle and its cache are some 500 KB each: read through one buffer, they touch
 * half the pages that a buffer each would. The buffer has room for a cache up to twice the bundle's size; room
 * never written to is never touched.
 */
function oneBufferReader(): (file: string) => Buffer {
  let buffer = Buffer.alloc(0);
  return (file) => {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (buffer.length < size) buffer = Buffer.allocUnsafeSlow(2 * size);
      let filled = 0;
      while (filled < size) {
        const got = readSync(fd, buffer, filled, size - filled, filled);
        if (got === 0) break; // the file shrank meanwhile: V8 refuses a cache cut short
        filled += got;
      }
      return buffer.subarray(0, filled);
    } finally {
      closeSync(fd);
    }
  };
}

function readIfThere(read: (file: string) => Buffer, file: string): Buffer | undefined {
  try {
    return read(file);
  } catch {
    return undefined;
  }
}

/**
 * Written whole or not at all (a rename). Of the caches this Node build kept for other bundles (an
 * upgrade's, a rebuild's), the least recently written go.
 */
function keepCodeCache(file: string, data: Buffer): void {
  const folder = dirname(file);
  const thisNode = basename(file).slice(basename(file).indexOf('-')); // after BUNDLE, a hash without dashes
  const partial = `${file}.${process.pid}`;
  try {
    // One level at a time, the cache home and its tcpchat folder: Node's recursive mkdir spins for ever under /proc.
    for (const level of [dirname(folder), folder]) if (!existsSync(level)) mkdirSync(level);
    writeFileSync(partial, data);
    renameSync(partial, file);
    const kept = readdirSync(folder)
      .filter((name) => name.endsWith(thisNode))
      .map((name) => ({ path: join(folder, name), written: statSync(join(folder, name)).mtimeMs }))
      .sort((a, b) => b.written - a.written);
    for (const { path } of kept.slice(KEPT_BUNDLES)) rmSync(path, { force: true });
  } catch {
    // The next start compiles again. A full disk or a quota left part of it written: that part
    // would fill the disk for good (no later start finds it by name).
    try {
      rmSync(partial, { force: true });
    } catch {
      return;
    }
  }
}

/** A 32-bit FNV-1a hash, in hex: names, not secrets (node:crypto would cost a start some 5 ms). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}
