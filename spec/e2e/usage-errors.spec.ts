import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificates, type TestCertificates } from '../helpers/certificates.js';
import { cleanUp } from './helpers/leftovers.js';
import { tcpchat, waitForExit } from './helpers/processes.js';

afterEach(cleanUp);

let certs: TestCertificates;
let dir: string;
beforeAll(() => {
  certs = makeCertificates();
  dir = mkdtempSync(join(tmpdir(), 'tcpchat-e2e-usage-'));
  writeFileSync(join(dir, 'bad.json'), '{"port": 3000');
  writeFileSync(join(dir, 'unknown.json'), '{"port": 3000, "colour": true}');
  writeFileSync(join(dir, 'unknown-dashed.json'), '{"port": 3000, "max-lines": 5}');
  writeFileSync(join(dir, 'not-a-cert.pem'), 'hello\n');
  writeFileSync(join(dir, 'list.json'), '[1, 2]');
  writeFileSync(join(dir, 'bad-port.json'), '{"port": "http"}');
  writeFileSync(join(dir, 'blank-password'), '   \nsecret\n');
});
afterAll(() => {
  certs.remove();
  rmSync(dir, { recursive: true, force: true });
});

const HELP = ' (tcpchat --help shows the options)';

/** Runs tcpchat with stdin at EOF to its end: the exit code and every stderr line, with nothing on stdout. */
async function outcome(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string[] }> {
  const running = tcpchat(args, { stdin: 'ignore', env });
  const { code } = await waitForExit(running);
  expect(await running.stdout.end()).toEqual([]);
  return { code, stderr: await running.stderr.end() };
}

describe('usage errors: exit 2, one sentence on one line', () => {
  it.each([
    [['serve', '--port', ''], '--port must be a whole number from 0 to 65535, not ""'],
    [['serve', '--port', '0x50'], '--port must be a whole number from 0 to 65535, not "0x50"'],
    [['serve', '--port', '1e3'], '--port must be a whole number from 0 to 65535, not "1e3"'],
    [['connect', '--port', '65536'], '--port must be a whole number from 0 to 65535, not "65536"'],
    [['serve', '--port'], '--port needs a value'],
    [['serve', '--framing', 'weird'], '--framing must be one of "line", "raw", not "weird"'],
    [['connect', '1.2.3.4:5:6'], '1.2.3.4:5:6 is not HOST:PORT or [IPV6]:PORT'],
    [['connect', 'host:0x50'], 'a port must be a whole number from 0 to 65535, not "0x50"'],
    [['connect', '--retry', '0x3'], '--retry must be a whole number or "forever", not "0x3"'],
    [['connect', '--retry', ''], '--retry must be a whole number or "forever", not ""'],
    [['connect', '--no-retry', '--retry', '3'], '--no-retry and --retry cannot go together'],
    [
      ['serve', '--idle-timeout', 'soon'],
      '--idle-timeout takes a duration such as 30s, 5m, 2h or 500ms (a bare number is seconds), not "soon"',
    ],
    [['serv'], 'serv is not a command; did you mean serve?'],
    [['chat'], 'chat is not a command; the commands are serve, connect and completion'],
    [['connect', '--log-level', 'warn'], 'Unknown argument: log-level'],
    [['serve', '--relay', '--console-only'], '--relay and --console-only cannot go together: --relay is the room, the default'],
    [['serve', '--room', 'a b'], '--room "a b": a room is # and up to 31 letters, digits, _ - or .'],
    [['serve', '--console-only', '--room', 'dev'], '--room and --console-only cannot go together: a console-only server has no rooms'],
  ])('%j', async (args, sentence) => {
    expect(await outcome(args)).toEqual({ code: 2, stderr: [`tcpchat: ${sentence}${HELP}`] });
  });

  it('a bad value from the environment or a config file is refused like a flag', async () => {
    expect(await outcome(['serve'], { TCPCHAT_PORT: 'http' })).toEqual({
      code: 2,
      stderr: [`tcpchat: --port must be a whole number from 0 to 65535, not "http"${HELP}`],
    });
    expect(await outcome(['connect'], { TCPCHAT_RETRY: '1e3' })).toEqual({
      code: 2,
      stderr: [`tcpchat: --retry must be a whole number or "forever", not "1e3"${HELP}`],
    });
    const unknown = join(dir, 'unknown.json');
    expect(await outcome(['serve', '--config', unknown])).toEqual({
      code: 2,
      stderr: [`tcpchat: --config ${unknown}: colour is not an option of tcpchat serve${HELP}`],
    });
    const dashed = join(dir, 'unknown-dashed.json');
    expect(await outcome(['serve', '--config', dashed])).toEqual({
      code: 2,
      stderr: [`tcpchat: --config ${dashed}: max-lines is not an option of tcpchat serve${HELP}`],
    });
    expect(await outcome(['serve', '--config', join(dir, 'bad-port.json')])).toEqual({
      code: 2,
      stderr: [`tcpchat: --port must be a whole number from 0 to 65535, not "http"${HELP}`],
    });
  });

  it('a room from the environment on a console-only server is refused like the flags', async () => {
    expect(await outcome(['serve'], { TCPCHAT_ROOM: 'dev', TCPCHAT_CONSOLE_ONLY: '1' })).toEqual({
      code: 2,
      stderr: [`tcpchat: --room and --console-only cannot go together: a console-only server has no rooms${HELP}`],
    });
  });

  it.each([
    ['', 'empty'],
    ['  ', 'blank'],
  ])('serve refuses TCPCHAT_PASSWORD=%j (a secret that did not expand) rather than open the server', async (value, what) => {
    expect(await outcome(['serve', '--port', '0'], { TCPCHAT_PASSWORD: value })).toEqual({
      code: 2,
      stderr: [`tcpchat: TCPCHAT_PASSWORD is ${what}: set it to the password, or unset it for a server without one${HELP}`],
    });
  });
});

describe('a file an option names cannot be used: exit 1, one sentence', () => {
  const missing = (): string => join(dir, 'missing');
  it.each([
    ['--config, missing', () => ['serve', '--config', missing()], () => `cannot read --config ${missing()} (ENOENT)`],
    ['--config, not JSON', () => ['serve', '--config', join(dir, 'bad.json')], () => /^tcpchat: --config .*bad\.json is not JSON \(.+\)$/],
    [
      '--config, no JSON object',
      () => ['serve', '--config', join(dir, 'list.json')],
      () => `--config ${join(dir, 'list.json')} must hold one JSON object of options, like {"port": 3000}`,
    ],
    ['--password-file of serve', () => ['serve', '--password-file', missing()], () => `cannot read --password-file ${missing()} (ENOENT)`],
    [
      '--password-file of serve, blanks on its first line',
      () => ['serve', '--port', '0', '--password-file', join(dir, 'blank-password')],
      () => `--password-file ${join(dir, 'blank-password')} holds only blanks on its first line (a secret cannot be blank)`,
    ],
    [
      '--password-file of connect',
      () => ['connect', '--password-file', missing()],
      () => `cannot read --password-file ${missing()} (ENOENT)`,
    ],
    [
      '--tls-cert',
      () => ['serve', '--port', '0', '--tls-cert', missing(), '--tls-key', certs.selfSigned.key],
      () => `cannot read --tls-cert ${missing()} (ENOENT)`,
    ],
    [
      '--tls-key',
      () => ['serve', '--port', '0', '--tls-cert', certs.selfSigned.cert, '--tls-key', missing()],
      () => `cannot read --tls-key ${missing()} (ENOENT)`,
    ],
    ['--ca, missing', () => ['connect', '--tls', '--ca', missing()], () => `cannot read --ca ${missing()} (ENOENT)`],
    [
      '--ca, no certificate',
      () => ['connect', '--tls', '--ca', join(dir, 'not-a-cert.pem')],
      () => `--ca ${join(dir, 'not-a-cert.pem')} is not a PEM certificate`,
    ],
  ])('%s', async (_, args, sentence) => {
    const { code, stderr } = await outcome(args());
    expect(code).toBe(1);
    expect(stderr).toHaveLength(1);
    const expected = sentence();
    expect(stderr[0]).toEqual(typeof expected === 'string' ? `tcpchat: ${expected}` : expect.stringMatching(expected));
  });
});
