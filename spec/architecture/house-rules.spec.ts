import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkHouse, describeViolations, type Rule, type Violation } from './house-rules.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('the house rules on this code base', () => {
  it('hold: streams/ imports rxjs and itself only and keeps no module state; cli → run → (streams, drivers), drivers take rx and bus types only', () => {
    expect(describeViolations(checkHouse(ROOT))).toEqual([]);
  });
});

/** A small project that breaks each rule once (and keeps it once), checked in a temporary directory. */
const FIXTURE: Readonly<Record<string, string>> = {
  'tsconfig.json': JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, types: [], noEmit: true },
    include: ['src', 'streams'],
  }),
  'streams/rx.ts': `export { Observable, map } from 'rxjs';`,
  'streams/cluster/bus.ts': `export interface BusEvent { readonly type: string }\nexport const roomEntries = (event: BusEvent): string[] => [event.type];`,
  'streams/helper.ts': `export const helper = 1;`,
  // Nothing here breaks a rule: state inside functions, constants never changed, stateless instances.
  'streams/clean.ts': `import { map } from 'rxjs';
import { helper } from './helper.js';
const encoder = new TextEncoder();
const NAMES: ReadonlySet<string> = new Set(['a']);
const SPACES = /\\s+/g;
export const LIMITS = { max: 1 };
export class Framer { static readonly SIZE = 3; private count = 0; next(): number { return ++this.count; } }
export function squash(text: string) { return text.replace(SPACES, ' '); }
export function run(lines: string[]) {
  const seen = new Map<string, number>();
  seen.set('a', helper);
  let total = 0;
  total += LIMITS.max;
  lines.push('x');
  return [map, encoder, NAMES.has('a'), total, seen];
}`,
  // A local that shadows a top-level constant is no mutation of it.
  'streams/shadowed.ts': `export const lines: string[] = [];\nexport function add(lines: string[]) { lines.push('x'); return lines; }`,
  'streams/imports-node.ts': `import { readFileSync } from 'node:fs';\nexport const read = readFileSync;`,
  'streams/imports-package.ts': `import confusables from 'unhomoglyph';\nexport const skeleton = confusables;`,
  'streams/imports-src.ts': `import type { Thing } from '../src/run/thing.js';\nexport type Again = Thing;`,
  'streams/imports-lazily.ts': `export const load = () => import('node:os');`,
  'streams/top-let.ts': `let last = 0;\nexport function next() { return ++last; }`,
  'streams/top-var.ts': `var count = 0;\nexport const read = () => count;`,
  'streams/weak-mark.ts': `const marked = new WeakSet<object>();\nexport const seen = (value: object) => marked.has(value);`,
  'streams/cache.ts': `const cache = new Map<string, number>();\nexport const cached = (key: string) => cache.get(key);`,
  'streams/shared-instance.ts': `class Counter { n = 0 }\nexport const counter = new Counter();`,
  'streams/static-field.ts': `export class Registry { static entries = 0; static readonly LIMIT = 3; }`,
  'streams/pushed.ts': `const seen: string[] = [];\nexport function see(text: string) { seen.push(text); }`,
  'streams/counts.ts': `export const COUNTS = { lines: 0 };`,
  'streams/bumps.ts': `import { COUNTS } from './counts.js';\nexport function bump() { COUNTS.lines += 1; }`,
  'streams/global-regex.ts': `const WORD = /\\w+/g;\nexport const first = (text: string) => WORD.exec(text);`,
  'src/drivers/clean-driver.ts': `import { Observable } from '../../streams/rx.js';\nimport type { BusEvent } from '../../streams/cluster/bus.js';\nexport type Events = Observable<BusEvent>;`,
  'src/drivers/bus-value.ts': `import { roomEntries } from '../../streams/cluster/bus.js';\nexport const entries = roomEntries;`,
  'src/drivers/core-rule.ts': `import { helper } from '../../streams/helper.js';\nexport const rule = helper;`,
  'src/drivers/up.ts': `import type { Thing } from '../run/thing.js';\nexport type Again = Thing;`,
  'src/run/thing.ts': `import type { Options } from '../cli/options.js';\nimport { helper } from '../../streams/helper.js';\nexport type Thing = Options & { n: typeof helper };`,
  'src/cli/options.ts': `import type { Thing } from '../run/thing.js';\nimport { rule } from '../drivers/core-rule.js';\nexport type Options = { rule: typeof rule; thing?: Thing };`,
  // The state rules are for streams/ alone: the shell may keep what it needs.
  'src/run/state.ts': `let connections = 0;\nexport const open = () => ++connections;`,
};

describe('checkHouse on a project that breaks each rule once', () => {
  let root: string;
  let violations: Violation[];
  /** The files (and lines) that break `rule`, as `file:line`. */
  const breaking = (rule: Rule): string[] =>
    violations.filter((violation) => violation.rule === rule).map((violation) => `${violation.file}:${violation.line}`);

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'tcpchat-house-'));
    for (const [path, text] of Object.entries(FIXTURE)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    violations = checkHouse(root);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds a streams/ file that imports node:*, a package, src/ or imports lazily', () => {
    expect(breaking('streams-imports')).toEqual([
      'streams/imports-lazily.ts:1',
      'streams/imports-node.ts:1',
      'streams/imports-package.ts:1',
      'streams/imports-src.ts:1',
    ]);
  });

  it("finds module state in streams/: let, var, collections, instances, static fields, constants changed where they are or elsewhere, a global regex's lastIndex", () => {
    expect(breaking('module-state')).toEqual([
      'streams/bumps.ts:2',
      'streams/cache.ts:1',
      'streams/global-regex.ts:2',
      'streams/pushed.ts:2',
      'streams/shared-instance.ts:2',
      'streams/static-field.ts:1',
      'streams/top-let.ts:1',
      'streams/top-var.ts:1',
      'streams/weak-mark.ts:1',
    ]);
  });

  it('says what it found and why, in one line each', () => {
    expect(describeViolations(violations)).toEqual(
      expect.arrayContaining([
        'streams/top-let.ts:1 module-state: top-level let last: state shared by every subscription',
        'streams/bumps.ts:2 module-state: the module-level constant COUNTS is changed (a property is assigned): state shared by every subscription',
        'streams/imports-node.ts:1 streams-imports: imports node:fs: streams/ imports rxjs and its own files only',
        'src/run/thing.ts:1 layers: imports src/cli/options.ts: run/ must not import cli/ (cli → run → streams, drivers)',
      ]),
    );
  });

  it('finds a layer that points back: run importing cli, a driver importing run (types too)', () => {
    expect(breaking('layers')).toEqual(['src/drivers/up.ts:1', 'src/run/thing.ts:1']);
  });

  it('finds a driver that takes more from streams/ than rx and bus types', () => {
    expect(breaking('driver-imports')).toEqual(['src/drivers/bus-value.ts:1', 'src/drivers/core-rule.ts:1']);
  });
});
