import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from '@swc/core';
import { trainCodeCache } from './code-cache.js';

/**
 * Packs the CLI and every module it loads into one script, `dist/tcpchat.cjs`, which `bin.ts` runs
 * with a V8 code cache. Loading ~250 small modules one by one (resolving, reading and compiling
 * each) took most of `tcpchat`'s start; one cached script takes a few milliseconds.
 *
 * ES modules become CommonJS (swc); CommonJS files are kept as they are. Each module keeps its own
 * file name, so what it reads beside itself (package.json, locales) is still found in place.
 * Node's built-ins, the modules named in EXTERNAL, and anything not found at build time are left to
 * Node's own `require` at run time.
 */

/** Loaded only with `--cluster` or `--metrics`, and large: they stay out of the bundle. */
const EXTERNAL = new Set(['redis', 'prom-client']);

/**
 * Modules evaluated at the first call of their default export, a function: yargs needs them only to
 * lay out help and errors, and building their Unicode tables and `Intl.Segmenter` took ~35 ms of
 * every start. Their stand-ins are `standIns` in render(); string-width's answers printable ASCII
 * itself (as wide as it is long, string-width's own first rule), so ASCII help never needs it.
 */
const DEFERRED = new Set(['cliui', 'string-width']);

const dist = fileURLToPath(new URL('../../', import.meta.url));
const root = resolve(dist, '..');
const entry = resolve(dist, 'src/cli/main.js');
const BUNDLE = resolve(dist, 'tcpchat.cjs');

interface Module {
  readonly file: string;
  readonly esm: boolean;
  readonly code: string;
  readonly deps: Record<string, number>;
}

const IMPORT_META = '__importMeta';
const REQUIRE_CALL = /\brequire\((["'])([^"'\n]+)\1\)/g;

function collect(entryFile: string): Module[] {
  const ids = new Map<string, number>([[entryFile, 0]]);
  const files = [entryFile];
  const modules: Module[] = [];
  for (let id = 0; id < files.length; id++) {
    const file = files[id]!;
    const esm = isEsModule(file);
    const source = readFileSync(file, 'utf8').replace(/^#!.*/, '');
    const code = esm ? asCommonJs(file, source) : source;
    const resolveFrom = createRequire(file).resolve;
    const deps: Record<string, number> = {};
    for (const [, , spec] of code.matchAll(REQUIRE_CALL)) {
      const target = bundled(spec!, resolveFrom);
      if (target === undefined) continue;
      if (!ids.has(target)) {
        ids.set(target, files.length);
        files.push(target);
      }
      // A deferred import is marked by a negative id (~id).
      deps[spec!] = DEFERRED.has(spec!) ? ~ids.get(target)! : ids.get(target)!;
    }
    modules.push({ file, esm, code, deps });
  }
  return modules;
}

/** The file a specifier names, when it belongs in the bundle. */
function bundled(spec: string, resolveFrom: (spec: string) => string): string | undefined {
  if (isBuiltin(spec) || EXTERNAL.has(spec.split('/')[0]!)) return undefined;
  let file: string;
  try {
    file = resolveFrom(spec);
  } catch {
    return undefined; // A require in a branch never taken here, or inside a string.
  }
  return /\.(c|m)?js$/.test(file) ? file : undefined;
}

/**
 * An ES module as CommonJS. `import.meta` becomes a parameter the loader fills: left to swc, it
 * would read `__filename`, which modules such as yargs's declare for themselves.
 */
function asCommonJs(file: string, source: string): string {
  return transformSync(source.replace(/\bimport\.meta\b/g, IMPORT_META), {
    filename: file,
    isModule: true,
    jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } },
    module: { type: 'commonjs' },
  }).code;
}

const packageTypes = new Map<string, string>();

function isEsModule(file: string): boolean {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  return packageType(dirname(file)) === 'module';
}

/** The "type" of the package.json nearest to a folder, as Node decides a .js file's kind. */
function packageType(folder: string): string {
  const known = packageTypes.get(folder);
  if (known !== undefined) return known;
  let type: string;
  try {
    type = (JSON.parse(readFileSync(resolve(folder, 'package.json'), 'utf8')) as { type?: string }).type ?? 'commonjs';
  } catch {
    const parent = dirname(folder);
    type = parent === folder ? 'commonjs' : packageType(parent);
  }
  packageTypes.set(folder, type);
  return type;
}

/**
 * The bundle is one function expression, so that bin.ts can compile it with a code cache and hand
 * it Node's helpers and the folder the module paths are relative to (see bundle-contract.ts).
 */
function render(modules: readonly Module[]): string {
  const paths = modules.map((module) => relative(root, module.file));
  const factories = modules.map((module) => {
    const parameters = module.esm ? IMPORT_META : '__filename, __dirname';
    return `function (exports, require, module, ${parameters}) {${module.code}\n}`;
  });
  return `(function ({ createRequire, resolvePath, dirname, pathToFileURL, root }) {
const paths = ${JSON.stringify(paths)};
const withMeta = new Set(${JSON.stringify(modules.flatMap((module, id) => (module.esm && module.code.includes(IMPORT_META) ? [id] : [])))});
const deps = ${JSON.stringify(modules.map((module) => module.deps))};
const factories = [
${factories.join(',\n')}
];
const loaded = [];
const standIns = {
  cliui: (id) => (...args) => load(id).default(...args),
  'string-width': (id) => (text, ...options) =>
    typeof text === 'string' && /^[\\x20-\\x7e]*$/.test(text) ? text.length : load(id).default(text, ...options),
};
function load(id) {
  if (loaded[id] !== undefined) return loaded[id].exports;
  const filename = resolvePath(root, paths[id]);
  const module = { id: filename, filename, exports: {}, loaded: false };
  loaded[id] = module;
  const nodeRequire = createRequire(filename);
  const table = deps[id];
  const require = (spec) => {
    const dep = table[spec];
    if (dep === undefined) return nodeRequire(spec);
    return dep >= 0 ? load(dep) : { __esModule: true, default: standIns[spec](~dep) };
  };
  require.resolve = nodeRequire.resolve;
  require.cache = nodeRequire.cache;
  const folder = dirname(filename);
  const meta = withMeta.has(id) && {
    url: pathToFileURL(filename).href,
    filename,
    dirname: folder,
    resolve: (spec) => pathToFileURL(require.resolve(spec)).href,
  };
  factories[id].call(module.exports, module.exports, require, module, meta || filename, folder);
  module.loaded = true;
  return module.exports;
}
return load(0);
})
`;
}

const modules = collect(entry);
writeFileSync(BUNDLE, render(modules));
await trainCodeCache(BUNDLE);
process.stdout.write(`${relative(root, BUNDLE)}: ${modules.length} modules, with a code cache\n`);
