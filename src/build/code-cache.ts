import { spawn } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CACHE_WRITE_VARIABLE } from './bundle-contract.js';

const BIN = fileURLToPath(new URL('../cli/bin.js', import.meta.url));
const READY_WITHIN_MS = 10_000;

/**
 * Makes the bundle's code cache from a real start of the main job: `tcpchat serve` on a free
 * loopback port, stopped by SIGTERM once it listens. The cache then holds what a start compiles.
 */
export async function trainCodeCache(bundle: string): Promise<void> {
  const cache = `${bundle}.cache`;
  rmSync(cache, { force: true });
  const server = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', '0'], {
    env: { ...process.env, [CACHE_WRITE_VARIABLE]: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((done) => server.once('exit', (code) => done(code)));
  let stderr = '';
  await new Promise<void>((listening, failed) => {
    const timer = setTimeout(() => failed(new Error(`no listening line within ${READY_WITHIN_MS} ms: ${stderr}`)), READY_WITHIN_MS);
    server.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      if (!stderr.includes('listening on')) return;
      clearTimeout(timer);
      listening();
    });
    void exited.then((code) => failed(new Error(`the server exited (${code}) before listening: ${stderr}`)));
  }).finally(() => server.kill('SIGTERM'));
  const code = await exited;
  if (code !== 0) throw new Error(`the server stopped with code ${code}: ${stderr}`);
  statSync(cache); // Throws if the run did not write it.
}
