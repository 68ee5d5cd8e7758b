import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFUSABLES } from '../../streams/protocol/confusables.js';
import { cleanUp } from './helpers/leftovers.js';
import { ROOT, run, tcpchat, waitForExit, type Running } from './helpers/processes.js';

/**
 * The `tcpchat` bin runs dist/tcpchat.cjs, the bundle esbuild packs (src/build/bundle.ts). Every other
 * e2e spec runs through it; these check the bundle against the modules it packs, and that no V8 code
 * cache is shipped or loaded (one made by another Node build crashed V8).
 */

const MAIN = join(ROOT, 'dist/src/cli/main.js');

afterEach(cleanUp);

async function outputOf(running: Running): Promise<{ code: number | null; stdout: string[]; stderr: string[] }> {
  const [stdout, stderr, { code }] = await Promise.all([running.stdout.end(), running.stderr.end(), waitForExit(running)]);
  return { code, stdout, stderr };
}

const unbundled = (args: readonly string[]): Running => run(process.execPath, [MAIN, ...args], { name: `main.js ${args.join(' ')}` });

test.each([
  [['--help']],
  [['serve', '--help']],
  [['connect', '--help']],
  [['--version']],
  [['serve', '--no-such-option']],
  [['connect', 'host:notaport']],
])('tcpchat %j says exactly what the unbundled modules say', async (args) => {
  const [bundled, plain] = await Promise.all([outputOf(tcpchat(args)), outputOf(unbundled(args))]);
  expect(bundled.stdout.join('\n') + bundled.stderr.join('\n')).not.toBe('');
  expect(bundled).toEqual(plain);
});

test('the script of confusables beside the bundle holds the whole table the nicks are compared by', () => {
  const packed = createRequire(import.meta.url)(join(ROOT, 'dist/tcpchat-confusables.cjs')) as { CONFUSABLES: ReadonlyMap<string, string> };
  expect(packed.CONFUSABLES.size).toBeGreaterThan(6000);
  expect([...packed.CONFUSABLES]).toEqual([...CONFUSABLES]);
});

test('the build leaves no code cache in the package', () => {
  const files = readdirSync(join(ROOT, 'dist'), { recursive: true, encoding: 'utf8' });
  expect(files.filter((file) => file.endsWith('.cache'))).toEqual([]);
  const { files: shipped } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
  // The bundle and each chunk the build packs beside it (src/build/bundle.ts).
  const scripts = files.filter((file) => file.endsWith('.cjs') && !file.includes('/')).map((file) => `dist/${file}`);
  expect(scripts).toEqual(expect.arrayContaining(['dist/tcpchat.cjs', 'dist/tcpchat-prom-client.cjs', 'dist/tcpchat-confusables.cjs']));
  expect(shipped).toEqual(expect.arrayContaining(['dist/src/cli/bin.cjs', ...scripts]));
  expect(shipped.filter((file) => file.endsWith('.cache') || /^dist\/(src|streams)\/?$/.test(file))).toEqual([]);
});

test('a code cache left beside the bundle or in the cache folder (another Node build made it) is never loaded', async () => {
  const copy = mkdtempSync(join(tmpdir(), 'tcpchat-bundle-'));
  try {
    cpSync(join(ROOT, 'dist/src/cli/bin.cjs'), join(copy, 'dist/src/cli/bin.cjs'));
    cpSync(join(ROOT, 'dist/tcpchat.cjs'), join(copy, 'dist/tcpchat.cjs'));
    // Where earlier builds shipped theirs, and where a per-user cache would go: bytes no V8 accepts.
    writeFileSync(join(copy, 'dist/tcpchat.cjs.cache'), 'not a code cache');
    mkdirSync(join(copy, 'cache/tcpchat'), { recursive: true });
    writeFileSync(join(copy, `cache/tcpchat/${process.version}-${process.arch}.cache`), 'not a code cache');
    const copied = (args: readonly string[]): Running =>
      run(process.execPath, [join(copy, 'dist/src/cli/bin.cjs'), ...args], {
        name: `copied bin ${args.join(' ')}`,
        env: { XDG_CACHE_HOME: join(copy, 'cache') },
      });

    expect(await outputOf(copied(['--version']))).toEqual(await outputOf(unbundled(['--version'])));
    const server = copied(['serve', '--relay', '--host', '127.0.0.1', '--port', '0']);
    await server.stderr.waitFor(/listening on 127\.0\.0\.1:\d+/);
    server.child.kill('SIGTERM');
    expect((await waitForExit(server)).code).toBe(0);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});
