import { rmSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { deferredModules } from './deferred-modules.js';

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

const result = await build({
  entryPoints: [resolve(dist, 'src/cli/main.js')],
  outfile: BUNDLE,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: EXTERNAL,
  // `import('redis')` becomes a `require`: the bin runs the bundle as a vm.Script, which has no
  // loader for ES modules on every Node 20 (redis is CommonJS too).
  supported: { 'dynamic-import': false },
  // yargs and yargs-parser make a `require` from import.meta.url, which CommonJS has not.
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: 'var importMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  plugins: [deferredModules],
  metafile: true,
  logLevel: 'warning',
});
// Builds before esbuild left a V8 code cache here; no start may ever load one (see src/cli/bin.cts).
rmSync(`${BUNDLE}.cache`, { force: true });
const inputs = Object.keys(result.metafile.inputs).length;
process.stdout.write(`${relative(root, BUNDLE)}: ${inputs} modules\n`);
