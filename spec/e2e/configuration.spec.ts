import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawClient } from './helpers/client.js';
import { cleanUp } from './helpers/leftovers.js';
import { tcpchat, waitForExit } from './helpers/processes.js';
import { startServer } from './helpers/server.js';

afterEach(cleanUp);

const dir = mkdtempSync(join(tmpdir(), 'tcpchat-e2e-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A JSON config file in a temporary folder. */
function configFile(name: string, options: object): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(options));
  return path;
}

/** A raw client's view of a server: the welcome names the console (--name), an over-long line shows --max-line. */
async function probe(port: number): Promise<{ welcome: string; tooLong: string }> {
  const client = await rawClient(port, 'probe');
  const welcome = await client.lines.waitFor(/^\* welcome to /);
  client.send(`${'x'.repeat(100)}\n`);
  const tooLong = await client.lines.waitFor(/^! line too long/);
  client.socket.destroy();
  return { welcome, tooLong };
}

describe('options from flags, TCPCHAT_* variables and --config FILE', () => {
  it('serve: a flag wins over the environment, which wins over the file, which wins over the default', async () => {
    const config = configFile('serve.json', { name: 'from-file', 'max-line': 10, 'shutdown-deadline': '2s' });
    const env = { TCPCHAT_NAME: 'from-env', TCPCHAT_MAX_LINE: '20', TCPCHAT_TEST_REDIS: 'redis://127.0.0.1:1' };
    const server = await startServer(['--config', config, '--max-line', '30'], { env });
    const { welcome, tooLong } = await probe(server.port);
    expect(welcome).toMatch(/^\* welcome to from-env,/);
    expect(tooLong).toBe('! line too long (max 30 bytes)');

    const fileOnly = await startServer(['--config', config], { name: 'file-only' });
    expect(await probe(fileOnly.port)).toEqual({
      welcome: expect.stringMatching(/^\* welcome to from-file,/),
      tooLong: '! line too long (max 10 bytes)',
    });
  });

  it('serve: TCPCHAT_CONFIG names the file, and its durations take units', async () => {
    const config = configFile('idle.json', { relay: true, 'idle-timeout': '300ms' });
    const server = await startServer([], { env: { TCPCHAT_CONFIG: config } });
    const client = await rawClient(server.port, 'idler');
    await client.lines.waitFor(/^\* welcome to server,/);
    // Without the file there is no idle timeout at all; with it, 300 ms of silence ends the client.
    await client.lines.waitFor(/^\* disconnected: idle for /, 3000);
    await client.ended;
  });

  it('connect: the port and nick from the environment, the target from the command line', async () => {
    const server = await startServer();
    const client = tcpchat(['connect', '127.0.0.1'], { env: { TCPCHAT_PORT: String(server.port), TCPCHAT_NICK: 'envy' }, name: 'client' });
    await client.stdout.waitFor('* you are now envy');
    client.write('hello from the environment\n');
    await server.stdout.waitFor((line) => line.includes('envy') && line.endsWith('hello from the environment'));
    client.endInput();
    expect(await waitForExit(client)).toEqual({ code: 0, signal: null });
  });
});

describe('the command line helps', () => {
  it('--help groups the options by purpose, shows their defaults and says where options come from', async () => {
    const help = tcpchat(['serve', '--help'], { stdin: 'ignore' });
    expect(await waitForExit(help)).toEqual({ code: 0, signal: null });
    const lines = await help.stdout.end();
    const headings = lines.filter((line) => /^[A-Z][a-z]+:$/.test(line));
    expect(headings).toEqual(['Network:', 'Chat:', 'Output:', 'Limits:', 'Security:', 'Cluster:', 'Options:', 'Examples:']);
    expect(lines.join('\n')).toMatch(/--idle-timeout[^[]*\[default: 0s\]/);
    expect(lines.join('\n')).toMatch(/--port[^[]*\[default: 2023\]/);
    expect(lines.join(' ')).toContain('a flag wins over the environment, which wins over the file');
  });

  it('connect --help offers no "any free port": port 0 is for listening', async () => {
    const help = tcpchat(['connect', '--help'], { stdin: 'ignore' });
    expect(await waitForExit(help)).toEqual({ code: 0, signal: null });
    const port = (await help.stdout.end()).find((line) => line.includes('--port'));
    expect(port).toMatch(/--port\s+TCP port\s+\[default: the target's, else 2023\]$/);
  });

  it('tcpchat completion prints a bash completion script whose callback completes commands and options', async () => {
    const script = tcpchat(['completion'], { stdin: 'ignore' });
    expect(await waitForExit(script)).toEqual({ code: 0, signal: null });
    expect(await script.stdout.end()).toContain('complete -o bashdefault -o default -F _tcpchat_yargs_completions tcpchat');

    const commands = tcpchat(['--get-yargs-completions', 'tcpchat', 'con'], { stdin: 'ignore' });
    expect(await waitForExit(commands)).toEqual({ code: 0, signal: null });
    expect(await commands.stdout.end()).toContain('connect');
    const options = tcpchat(['--get-yargs-completions', 'tcpchat', 'serve', '--idle'], { stdin: 'ignore' });
    expect(await waitForExit(options)).toEqual({ code: 0, signal: null });
    expect(await options.stdout.end()).toContain('--idle-timeout');
  });

  it('completion offers one-letter aliases with one dash (-H, -q, -n), never as --H', async () => {
    const offered = async (...words: string[]): Promise<string[]> => {
      const completion = tcpchat(['--get-yargs-completions', 'tcpchat', ...words], { stdin: 'ignore' });
      expect(await waitForExit(completion)).toEqual({ code: 0, signal: null });
      return completion.stdout.end();
    };
    for (const typed of ['--', '-', '--q']) {
      const serve = await offered('serve', typed);
      expect(serve).toEqual(expect.arrayContaining(['--host', '-H', '--quiet', '-q']));
      expect(serve.filter((word) => /^--[^-]$/.test(word))).toEqual([]);
    }
    const connect = await offered('connect', '--');
    expect(connect).toEqual(expect.arrayContaining(['--nick', '-n', '--color']));
    expect(connect.filter((word) => /^--[^-]$/.test(word))).toEqual([]);
  });

  it('completion offers the --no- form of what is on unless turned off (--no-color, --no-retry, --no-timestamps), and no other', async () => {
    const negations = async (command: string): Promise<string[]> => {
      const completion = tcpchat(['--get-yargs-completions', 'tcpchat', command, '--'], { stdin: 'ignore' });
      expect(await waitForExit(completion)).toEqual({ code: 0, signal: null });
      return (await completion.stdout.end()).filter((word) => word.startsWith('--no-'));
    };
    expect(await negations('connect')).toEqual(['--no-color', '--no-retry']);
    expect(await negations('serve')).toEqual(['--no-color', '--no-timestamps']);
  });
});
