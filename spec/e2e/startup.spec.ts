import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanUp } from './helpers/leftovers.js';
import { CLI, run, waitForExit } from './helpers/processes.js';

/**
 * What a start does before it listens (issue 17's start-up target): Node modules that a plain
 * `serve` does not need until later (crypto, readline, the file streams that a process.stdin from
 * /dev/null is made of) are loaded at their first use, after the listening line.
 */

afterEach(cleanUp);

let folder: string;
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'tcpchat-startup-'));
  // Preloaded: writes the list of Node's modules loaded so far once the process says it listens.
  writeFileSync(
    join(folder, 'modules-at-listening.cjs'),
    `const write = process.stderr.write;
    process.stderr.write = function (chunk, ...rest) {
      if (String(chunk).includes('listening on')) require('node:fs').writeFileSync(process.env.MODULES_FILE, process.moduleLoadList.join('\\n'));
      return write.call(this, chunk, ...rest);
    };`,
  );
  writeFileSync(
    join(folder, 'bare-listener.cjs'),
    `const server = require('node:net').createServer();
    server.listen(0, '127.0.0.1', () => process.stderr.write('listening on 127.0.0.1:' + server.address().port + '\\n'));
    process.on('SIGTERM', () => server.close());`,
  );
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Node's modules loaded by the time `script ARGS` said it listens (stdin /dev/null, as under systemd). */
async function modulesAtListening(name: string, script: string, args: readonly string[] = []): Promise<string[]> {
  const file = join(folder, `${name}.modules`);
  const running = run(process.execPath, ['--require', join(folder, 'modules-at-listening.cjs'), script, ...args], {
    name,
    stdin: 'ignore',
    env: { MODULES_FILE: file },
  });
  await running.stderr.waitFor(/listening on 127\.0\.0\.1:\d+/);
  running.child.kill('SIGTERM');
  expect((await waitForExit(running)).code).toBe(0);
  return readFileSync(file, 'utf8').split('\n');
}

test('before it listens, serve loads no Node module that a bare script listening on the same address does not, but node:v8 and node:vm', async () => {
  const bare = new Set(await modulesAtListening('bare listener', join(folder, 'bare-listener.cjs')));
  const tcpchat = await modulesAtListening('tcpchat serve', CLI, ['serve', '--host', '127.0.0.1', '--port', '0']);
  expect(tcpchat).toEqual(expect.arrayContaining(['NativeModule net']));
  // node:vm compiles the bundle with its code cache, and node:v8 has V8 check the cache's checksum
  // (src/cli/bin.cts); node:v8 loads these beyond the streams node:net loads anyway.
  expect(tcpchat.filter((module) => !bare.has(module))).toEqual([
    'Internal Binding serdes',
    'Internal Binding profiler',
    'Internal Binding heap_utils',
    'Internal Binding internal_only_v8',
    'NativeModule internal/heap_utils',
    'NativeModule internal/promise_hooks',
    'Internal Binding v8',
    'NativeModule v8',
    'NativeModule vm',
  ]);
});
