import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFUSABLES } from '../../streams/protocol/confusables.js';
import { cleanUp } from './helpers/leftovers.js';
import { ROOT, run, tcpchat, waitForExit, type Running } from './helpers/processes.js';

/**
 * The `tcpchat` bin runs dist/tcpchat.cjs, the bundle esbuild packs (src/build/bundle.ts). Every other
 * e2e spec runs through it; these check the bundle against the modules it packs, that no V8 code
 * cache is shipped (one made by another Node build crashed V8), and the one the bin keeps per user.
 */

const MAIN = join(ROOT, 'dist/src/cli/unbundled.js');

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

describe('the code cache the bin keeps of the bundle (src/cli/bin.cts)', () => {
  let copy: string;
  let cacheFolder: string;

  beforeEach(() => {
    copy = mkdtempSync(join(tmpdir(), 'tcpchat-bundle-'));
    cacheFolder = join(copy, 'cache/tcpchat');
    cpSync(join(ROOT, 'dist/src/cli/bin.cjs'), join(copy, 'dist/src/cli/bin.cjs'));
    cpSync(join(ROOT, 'dist/tcpchat.cjs'), join(copy, 'dist/tcpchat.cjs'));
  });

  afterEach(() => rmSync(copy, { recursive: true, force: true }));

  /** The copied bin, run by a shell that first runs `limit` (a `ulimit`) when one is given. */
  const copied = (args: readonly string[], env: NodeJS.ProcessEnv = {}, limit?: string): Running => {
    const command = [process.execPath, join(copy, 'dist/src/cli/bin.cjs'), ...args];
    const options = { name: `copied bin ${args.join(' ')}`, env: { XDG_CACHE_HOME: join(copy, 'cache'), ...env } };
    return limit === undefined
      ? run(command[0]!, command.slice(1), options)
      : run('/bin/sh', ['-c', `${limit} && exec "$@"`, 'sh', ...command], options);
  };

  /** A `serve` until it listens, then stopped: it must exit 0 having said nothing amiss. */
  async function serveOnce(env: NodeJS.ProcessEnv = {}, limit?: string): Promise<void> {
    const server = copied(['serve', '--host', '127.0.0.1', '--port', '0'], env, limit);
    await server.stderr.waitFor(/listening on 127\.0\.0\.1:\d+/);
    server.child.kill('SIGTERM');
    expect((await waitForExit(server)).code).toBe(0);
    expect((await server.stderr.end()).filter((line) => /error|warn|cache/i.test(line))).toEqual([]);
  }

  const caches = (): string[] => (existsSync(cacheFolder) ? readdirSync(cacheFolder).sort() : []);
  const bundleHash = (): string => /^\/\/ tcpchat bundle ([0-9a-f]{16})\n/.exec(readFileSync(join(copy, 'dist/tcpchat.cjs'), 'utf8'))![1];

  test('a serve keeps one for this bundle and this Node, which the next start accepts and leaves as it is', async () => {
    expect(await outputOf(copied(['--version']))).toEqual(await outputOf(unbundled(['--version'])));
    expect(caches()).toEqual([]); // only a start that reaches listening keeps one

    await serveOnce();
    const [kept] = caches();
    expect(caches()).toEqual([
      expect.stringMatching(new RegExp(`^${bundleHash()}-${process.version}-${process.arch}-[0-9a-f]{8}\\.cache$`)),
    ]);
    const written = statSync(join(cacheFolder, kept!));
    expect(written.size).toBeGreaterThan(100_000);

    await serveOnce();
    expect(caches()).toEqual([kept]);
    expect(statSync(join(cacheFolder, kept!)).ino).toBe(written.ino); // not written again: V8 accepted it
  });

  test("one V8 refuses (another Node build made it) is replaced; a few other bundles' caches are kept, the oldest go", async () => {
    await serveOnce();
    const [kept] = caches();
    const thisNode = kept!.slice(16);
    writeFileSync(join(cacheFolder, kept!), 'not a code cache');
    // Caches of five other bundles (older installs or builds) for this Node, the first the oldest.
    const others = [1, 2, 3, 4, 5].map((n) => `${String(n).padStart(16, '0')}${thisNode}`);
    others.forEach((name, age) => {
      writeFileSync(join(cacheFolder, name), 'another bundle');
      utimesSync(join(cacheFolder, name), 1_000_000 + age, 1_000_000 + age);
    });
    writeFileSync(join(cacheFolder, `${bundleHash()}-v0.0.1-${process.arch}-00000000.cache`), 'another Node');

    await serveOnce();
    expect(readFileSync(join(cacheFolder, kept!)).length).toBeGreaterThan(100_000);
    expect(caches()).toEqual([...others.slice(2), kept, `${bundleHash()}-v0.0.1-${process.arch}-00000000.cache`].sort());
  });

  test('TCPCHAT_CODE_CACHE=off keeps none, and a cache folder that cannot be made costs nothing but the cache', async () => {
    await serveOnce({ TCPCHAT_CODE_CACHE: 'off' });
    expect(caches()).toEqual([]);

    writeFileSync(join(copy, 'not-a-folder'), '');
    await serveOnce({ XDG_CACHE_HOME: join(copy, 'not-a-folder') });
    expect(readdirSync(copy).sort()).toEqual(['dist', 'not-a-folder']);
    // Under /proc, where Node's recursive mkdir spins for ever.
    await serveOnce({ XDG_CACHE_HOME: '/proc/no-such-process/cache' });
  });

  test('one corrupted on disk is refused and written anew: no start crashes on it', async () => {
    await serveOnce();
    const [kept] = caches();
    const cache = readFileSync(join(cacheFolder, kept!));
    // 20 bytes past the header overwritten, spread over the file (V8 crashed on each such file it accepted).
    let seed = 7;
    for (let n = 0; n < 20; n++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      cache[64 + (seed % (cache.length - 64))] = seed >>> 24;
    }
    writeFileSync(join(cacheFolder, kept!), cache);

    expect(await outputOf(copied(['--version']))).toEqual(await outputOf(unbundled(['--version'])));
    await serveOnce();
    expect(readFileSync(join(cacheFolder, kept!)).equals(cache)).toBe(false);
    await serveOnce(); // the new one is accepted
  });

  test('a disk that takes only part of it (full, or over a quota) keeps nothing of it', async () => {
    // The kernel refuses writes past 64 KiB to any file (the cache is some 500 KB), as a full disk would.
    await serveOnce({}, 'ulimit -f 64');
    expect(caches()).toEqual([]);
  });
});
