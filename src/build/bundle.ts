import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { deferredModules, escaped } from './deferred-modules.js';
import { rxjsEsModules } from './rxjs-es-modules.js';

/**
 * Packs the CLI (tsc's output under dist/) and everything it imports into one CommonJS script,
 * `dist/tcpchat.cjs`, which the `tcpchat` bin runs (src/cli/bin.cts). Loading ~200 small modules one
 * by one (resolving, reading and compiling each) took most of a start; one script takes a few ms.
 * Every dependency is bundled, so the package installs none but the optional `redis`.
 */

/** Loaded only with `--cluster` or `--data`, and optional dependencies (better-sqlite3 is native): they stay out of the bundle. */
const EXTERNAL = ['redis', 'better-sqlite3'];

const dist = fileURLToPath(new URL('../../', import.meta.url));
const root = resolve(dist, '..');
const BUNDLE = resolve(dist, 'tcpchat.cjs');

/**
 * What a plain `serve` never loads, each packed into a script of its own beside the bundle (and
 * listed in package.json's `files`): every start reads and compiles the bundle whole, so code it
 * does not run costs it time. By what imports it (a package, or the path a stand-in of
 * deferred-modules.ts requires): prom-client (with its dependencies, a sixth of the bundle) for
 * `--metrics` alone; the table of confusables (a fifth) at the first nick that is not ASCII.
 */
const CHUNKS: Readonly<Record<string, string>> = {
  'prom-client': 'tcpchat-prom-client.cjs',
  [resolve(dist, 'streams/protocol/confusables.js')]: 'tcpchat-confusables.cjs',
};

/** Each import of a chunk's module becomes a `require` of the chunk, found beside the bundle. */
const chunkImports: Plugin = {
  name: 'chunk-imports',
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(CHUNKS).map(escaped).join('|')})$`);
    build.onResolve({ filter }, (args) => ({ path: `./${CHUNKS[args.path]}`, external: true }));
  },
};

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // No line breaks or spaces, simpler expressions; names stay as written, so stack traces and
  // error messages read as in the source (a start compiles the whole script: 0.8× the bytes).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
};

const [result] = await Promise.all([
  build({
    ...common,
    entryPoints: [resolve(dist, 'src/cli/main.js')],
    outfile: BUNDLE,
    external: EXTERNAL,
    // `import('redis')` becomes a `require`: the bin runs the bundle as a vm.Script, which has no
    // loader for ES modules on every Node 20 (redis is CommonJS too).
    supported: { 'dynamic-import': false },
    // yargs and yargs-parser make a `require` from import.meta.url, which CommonJS has not.
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: { js: 'var importMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
    plugins: [deferredModules, rxjsEsModules, chunkImports],
    metafile: true,
  }),
  ...Object.entries(CHUNKS).map(([name, file]) =>
    build({
      ...common,
      stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: root },
      outfile: resolve(dist, file),
    }),
  ),
]);
// Builds before esbuild left a V8 code cache here; the bin keeps its own per user (src/cli/bin.cts).
rmSync(`${BUNDLE}.cache`, { force: true });
// The bundle names its own content in its first line: the bin's code cache is kept under that name.
// It is one function expression, CommonJS's module wrapper around the code, which the bin compiles
// as read: wrapping it there would copy the whole text again on every start.
const code = readFileSync(BUNDLE, 'utf8');
const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
writeFileSync(BUNDLE, `// tcpchat bundle ${hash}\n(function (exports, require, module, __filename, __dirname) {${code}\n})`);
const inputs = Object.keys(result.metafile.inputs).length;
process.stdout.write(`${relative(root, BUNDLE)}: ${inputs} modules\n`);
