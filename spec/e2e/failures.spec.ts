import { afterEach, describe, expect, it } from '@jest/globals';
import { closedPort, joined } from './helpers/client.js';
import { cleanUp } from './helpers/leftovers.js';
import { tcpchat, waitForExit, type Running } from './helpers/processes.js';
import { startServer } from './helpers/server.js';

afterEach(cleanUp);

/** Runs tcpchat to its end with stdin at EOF; returns the exit code and the output lines. */
async function outcome(args: readonly string[]): Promise<{ code: number | null; stdout: string[]; stderr: string[] }> {
  const running: Running = tcpchat(args, { stdin: 'ignore' });
  const { code } = await waitForExit(running);
  return { code, stdout: await running.stdout.end(), stderr: await running.stderr.end() };
}

describe('failures', () => {
  it('connect to a closed port: one line on stderr, exit 1, no stack trace', async () => {
    const port = await closedPort();
    expect(await outcome(['connect', `127.0.0.1:${port}`])).toEqual({
      code: 1,
      stdout: [],
      stderr: [`tcpchat: cannot connect to 127.0.0.1:${port}: connection refused`],
    });
  });

  it('a second serve on a port in use: one sentence on stderr, exit 1; the first keeps serving', async () => {
    const first = await startServer();
    expect(await outcome(['serve', '--host', '127.0.0.1', '--port', String(first.port)])).toEqual({
      code: 1,
      stdout: [],
      stderr: [`tcpchat: cannot listen on 127.0.0.1:${first.port}: the address is already in use`],
    });
    const ada = await joined(first.port, 'ada');
    ada.send('still serving?\n');
    await first.stdout.waitFor('<ada> still serving?');
  });

  it('serve on a host that is no address: one sentence on stderr, exit 1, no stack trace', async () => {
    const port = await closedPort();
    expect(await outcome(['serve', '--host', '999.1.1.1', '--port', String(port)])).toEqual({
      code: 1,
      stdout: [],
      stderr: [`tcpchat: cannot listen on 999.1.1.1:${port}: no such host`],
    });
  });

  it.each([
    [['serve', '--port', '70000'], /^tcpchat: .*70000.*$/],
    [['frobnicate'], /^tcpchat: .*frobnicate.*$/],
    [[], /^tcpchat: say what to do/],
    [['connect', '--nick', 'no spaces'], /^tcpchat: --nick: /],
    [['connect', 'localhost:2023', '--port', '2024'], /^tcpchat: two ports given/],
  ])('usage error %j: exit 2 and one line on stderr', async (args, message) => {
    const result = await outcome(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toEqual([]);
    expect(result.stderr).toHaveLength(1);
    expect(result.stderr[0]).toMatch(message);
  });
});
