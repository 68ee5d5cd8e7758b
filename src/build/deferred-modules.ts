import { dirname } from 'node:path';
import * as crypto from 'node:crypto';
import * as os from 'node:os';
import * as readline from 'node:readline';
import * as tls from 'node:tls';
import type { Plugin } from 'esbuild';
import * as confusables from '../../streams/protocol/confusables.js';

/**
 * A stand-in whose exports (these names) are getters that load the real module when first read.
 * The getters are a CommonJS module, which an ES module re-exports: esbuild copies a CommonJS
 * module's exports into an object of each module that imports it (node:crypto's 80 getters, eight
 * times before a server listens), and those of an ES module into one object that all share.
 */
const getters = (names: readonly string[]) => (real: string) => ({
  module: `export * from ${real};`,
  shared: `for (const name of ${JSON.stringify(names)})
    Object.defineProperty(exports, name, { enumerable: true, get: () => require(${real})[name] });`,
});

/**
 * Modules a plain `serve` does not need before it listens, evaluated at the first use of their
 * exports instead: yargs's help and error layout (building their Unicode tables and
 * `Intl.Segmenter` took tens of ms of each start, see README, "How it is built"), node:assert,
 * node:module, node:tls, node:crypto, node:os, node:readline, and the table of confusable
 * characters (a Map of 6,000 entries, ~10 ms to make, needed at the first nick that is not ASCII;
 * `streams/` keeps no lazy state of its own). Each import of one gets a stand-in whose exports
 * `require` the real module when first used; esbuild evaluates a module that is required lazily.
 * string-width's stand-in answers printable ASCII itself (as wide as it is long, string-width's
 * own first rule), so ASCII help never needs the real one.
 */
const STAND_INS: Record<string, (real: string) => string | { module: string; shared: string }> = {
  // yargs checks its own invariants on every parse with node:assert, which loads some 25 of Node's
  // modules: the checks are made here (with Object.is, as node:assert's strict checks are), and only
  // one that fails loads node:assert, to throw its error.
  assert: (real) =>
    `export const notStrictEqual = (actual, expected, ...rest) => {
      if (Object.is(actual, expected)) require(${real}).notStrictEqual(actual, expected, ...rest);
    };
    export const strictEqual = (actual, expected, ...rest) => {
      if (!Object.is(actual, expected)) require(${real}).strictEqual(actual, expected, ...rest);
    };`,
  // yargs checks the arguments of each call of its own API against a signature it parses anew
  // each time, and only warns on a mismatch: some 4 ms of a start, over the calls that declare the
  // options. tsc checks ours (and the unbundled modules that spec/e2e/bundle.spec.ts runs still warn).
  './argsert.js': () => `export const argsert = () => {};`,
  // yargs, yargs-parser and cluster-client.ts each make a require at load, for files a plain `serve`
  // never requires: node:module (and Node's ES module loader, some 10 modules) waits for its first call.
  'node:module': (real) =>
    `export const createRequire = (url) => {
      const made = () => require(${real}).createRequire(url);
      const lazy = (id) => made()(id);
      lazy.resolve = (id, options) => made().resolve(id, options);
      return lazy;
    };`,
  // yargs walks up from the working folder to a package.json (listing each folder on the way) only to
  // guess a version that parser.ts then gives it, and, where none is found, loads node:assert to throw
  // the miss it swallows: some 5 ms of a start in a folder without one. Its walk ends at tcpchat's own
  // package.json, beside dist/ (a bundle without one beside it reads nothing, as a miss).
  'escalade/sync': () => `export default () => require('node:path').resolve(__dirname, '../package.json');`,
  cliui: (real) => `export default (...args) => require(${real}).default(...args);`,
  // TLS (and the crypto it loads) only for a server or client that speaks it: each export a getter.
  'node:tls': getters(Object.keys(tls)),
  // Hashing secrets, certificates, a cluster's names: none of it before a plain `serve` listens.
  'node:crypto': getters(Object.keys(crypto)),
  // For the host's name (--cluster's default node name) and its interfaces (listening on all of them).
  'node:os': getters(Object.keys(os)),
  // For the console, which a server opens once it listens.
  'node:readline': getters(Object.keys(readline)),
  // Imported by streams/protocol/skeleton.ts alone; a script of its own (bundle.ts).
  './confusables.js': getters(Object.keys(confusables)),
  'string-width': (real) =>
    `export default (text, ...options) =>
      typeof text === 'string' && /^[\\x20-\\x7e]*$/.test(text) ? text.length : require(${real}).default(text, ...options);`,
};

const NAMESPACE = 'deferred';
/** The getters a stand-in re-exports, by the real module's path. */
const SHARED = 'deferred-shared';

/** `text` as a regular expression that matches it alone. */
export const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const deferredModules: Plugin = {
  name: 'deferred-modules',
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(STAND_INS).map(escaped).join('|')})$`);
    const unused = new Set(Object.keys(STAND_INS));
    build.onResolve({ filter }, async (args) => {
      // The stand-in's own resolution of the real module, and (for a builtin, whose name it keeps) its require.
      if (args.pluginData === NAMESPACE || args.namespace === NAMESPACE || args.namespace === SHARED) return undefined;
      unused.delete(args.path);
      const real = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: NAMESPACE,
      });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: args.path, namespace: NAMESPACE, pluginData: real.path };
    });
    const sharedGetters = new Map<string, string>();
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
      const real = args.pluginData as string;
      const standIn = STAND_INS[args.path]!(JSON.stringify(real));
      if (typeof standIn === 'string') return { contents: standIn, loader: 'js', resolveDir: dirname(real) };
      sharedGetters.set(real, standIn.shared); // `export * from` it, in standIn.module
      return { contents: standIn.module, loader: 'js', pluginData: SHARED, resolveDir: dirname(real) };
    });
    // The re-export of a stand-in's getters (its `export * from` the real module's path).
    build.onResolve({ filter: /.*/ }, (args) =>
      args.pluginData === SHARED && sharedGetters.has(args.path) ? { path: args.path, namespace: SHARED } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: SHARED }, (args) => ({
      contents: sharedGetters.get(args.path)!,
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
    // A stand-in nobody imports any more (yargs changed) would defer nothing, silently: the build fails instead.
    build.onEnd(() => ({
      errors: [...unused].map((name) => ({ text: `nothing imports ${name} any more: its stand-in in deferred-modules.ts defers nothing` })),
    }));
  },
};
