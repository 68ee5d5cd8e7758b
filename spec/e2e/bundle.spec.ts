import { copyFileSync, cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanUp } from './helpers/leftovers.js';
import { CLI, ROOT, run, tcpchat, waitForExit, type Running } from './helpers/processes.js';

/**
 * The `tcpchat` bin runs dist/tcpchat.cjs, the bundle src/build/bundle.ts packs, with its V8 code
 * cache. Every other e2e spec runs through it; these check the bundle against the modules it packs.
 */

const MAIN = join(ROOT, 'dist/src/cli/main.js');
const BUNDLE = join(ROOT, 'dist/tcpchat.cjs');

afterEach(cleanUp);

async function outputOf(running: Running): Promise<{ code: number | null; stdout: string[]; stderr: string[] }> {
  const [stdout, stderr, { code }] = await Promise.all([running.stdout.end(), running.stderr.end(), waitForExit(running)]);
  return { code, stdout, stderr };
}

const unbundled = (args: readonly string[]): Running => run(process.execPath, [MAIN, ...args], { name: `main.js ${args.join(' ')}` });

test.each([[['--help']], [['serve', '--help']], [['connect', '--help']], [['--version']], [['serve', '--no-such-option']], [['connect', 'host:notaport']]])(
  'tcpchat %j says exactly what the unbundled modules say',
  async (args) => {
    const [bundled, plain] = await Promise.all([outputOf(tcpchat(args)), outputOf(unbundled(args))]);
    expect(bundled.stdout.join('\n') + bundled.stderr.join('\n')).not.toBe('');
    expect(bundled).toEqual(plain);
  },
);

test('the code cache the build made is accepted by this Node', async () => {
  const check = `
    const { readFileSync } = require('node:fs');
    const { Script } = require('node:vm');
    const script = new Script(readFileSync(${JSON.stringify(BUNDLE)}, 'utf8'), {
      filename: ${JSON.stringify(BUNDLE)},
      cachedData: readFileSync(${JSON.stringify(`${BUNDLE}.cache`)}),
    });
    console.log(script.cachedDataRejected ? 'rejected' : 'accepted');`;
  const { code, stdout } = await outputOf(run(process.execPath, ['-e', check], { name: 'cache check' }));
  expect({ code, stdout }).toEqual({ code: 0, stdout: ['accepted'] });
});

describe('a copy of the package whose code cache is damaged or missing', () => {
  let copy: string;

  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), 'tcpchat-bundle-'));
    cpSync(join(ROOT, 'dist'), join(copy, 'dist'), { recursive: true });
    copyFileSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  });

  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  const copiedBin = (args: readonly string[]): Running =>
    run(process.execPath, [join(copy, CLI.slice(ROOT.length)), ...args], { name: `copied bin ${args.join(' ')}` });

  test('still runs when V8 rejects the cache', async () => {
    writeFileSync(join(copy, 'dist/tcpchat.cjs.cache'), 'not a code cache');
    const [copied, plain] = await Promise.all([outputOf(copiedBin(['serve', '--help'])), outputOf(unbundled(['serve', '--help']))]);
    expect(copied).toEqual(plain);
  });

  test('still runs without a cache, and serves', async () => {
    rmSync(join(copy, 'dist/tcpchat.cjs.cache'));
    const server = copiedBin(['serve', '--relay', '--host', '127.0.0.1', '--port', '0']);
    await server.stderr.waitFor(/listening on 127\.0\.0\.1:\d+/);
    server.child.kill('SIGTERM');
    expect((await waitForExit(server)).code).toBe(0);
  });
});
