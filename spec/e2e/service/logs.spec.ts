import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificates, type TestCertificates } from '../../helpers/certificates.js';
import { joined, rawClient } from '../helpers/client.js';
import { cleanUp } from '../helpers/leftovers.js';
import { tcpchat, waitForExit } from '../helpers/processes.js';
import { within } from '../helpers/within.js';

afterEach(cleanUp);

let home: string;
let certs: TestCertificates;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'tcpchat-logs-'));
  certs = makeCertificates();
});
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  certs.remove();
});

const LISTENING = /^tcpchat: listening on 127\.0\.0\.1:(\d+)$/;
const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';

/** `tcpchat serve` as a service manager runs it: stdout a pipe, no terminal; with its port. */
async function serve(args: readonly string[]) {
  const running = tcpchat(['serve', '--relay', '--host', '127.0.0.1', '--port', '0', ...args], { name: 'server' });
  const [, port] = LISTENING.exec(await running.stderr.waitFor(LISTENING))!;
  return { running, port: Number(port) };
}

describe('serve: logs a service manager can keep', () => {
  it('starts each console line with an ISO time when stdout is not a terminal', async () => {
    const { running, port } = await serve([]);
    const ada = await joined(port, 'ada');
    const before = Date.now();
    ada.send('one\ntwo\n');
    const two = await running.stdout.waitFor(/<ada> two$/);
    const lines = running.stdout.all;
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) expect(line).toMatch(new RegExp(`^${ISO} `));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${ISO} \\* guest-1 joined from 127\\.0\\.0\\.1:\\d+$`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${ISO} <ada> one$`)));
    const time = Date.parse(two.slice(0, 24));
    expect(time).toBeGreaterThanOrEqual(before - 1000);
    expect(time).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('leaves --json and --no-timestamps lines as they were', async () => {
    const json = await serve(['--json']);
    (await joined(json.port, 'ada')).send('hi\n');
    const line = await json.running.stdout.waitFor((text) => text.includes('"hi"'));
    expect(JSON.parse(line)).toMatchObject({ type: 'message', from: 'ada', text: 'hi' });

    const plain = await serve(['--no-timestamps']);
    (await joined(plain.port, 'bob')).send('hi\n');
    expect(await plain.running.stdout.waitFor(/hi$/)).toBe('<bob> hi');
  });

  it('--log-level warn leaves out the info lines (even where it listens) and keeps the warnings', async () => {
    const allow = join(home, 'allow');
    writeFileSync(allow, '127.0.0.1\n');
    const running = tcpchat(['serve', '--host', '127.0.0.1', '--port', '0', '--json', '--log-level', 'warn', '--allow-file', allow], {
      name: 'server',
    });
    await running.stdout.waitFor((line) => line.includes('"listening"'));
    writeFileSync(allow, 'nonsense\n');
    running.child.kill('SIGHUP'); // a reload that fails: a warning
    await running.stderr.waitFor(/^tcpchat: kept the old access lists: /);
    expect(running.stderr.all).toEqual([
      `tcpchat: kept the old access lists: --allow-file ${allow} line 1: nonsense is not an address or a CIDR block like 192.168.0.0/16 or fd00::/8`,
    ]);
  });

  it('--log-level debug tells of failed TLS handshakes, which the default leaves out', async () => {
    const args = ['--tls-cert', certs.selfSigned.cert, '--tls-key', certs.selfSigned.key];
    const debug = await serve([...args, '--log-level', 'debug']);
    const info = await serve(args);
    for (const { port } of [debug, info]) {
      const client = await rawClient(port, 'plain client on a TLS port');
      client.send('hello, this is not TLS\n');
      await within(client.closed, 'the server to drop the plain client');
    }
    expect(await debug.running.stderr.waitFor(/^tcpchat: TLS handshake from/)).toMatch(
      /^tcpchat: TLS handshake from (::ffff:)?127\.0\.0\.1 failed: /,
    );
    expect(info.running.stderr.all.filter((line) => line.includes('handshake'))).toEqual([]);
  });

  it('refuses a level it does not know: exit 2', async () => {
    const running = tcpchat(['serve', '--port', '0', '--log-level', 'loud'], { stdin: 'ignore' });
    expect(await waitForExit(running)).toEqual({ code: 2, signal: null });
    expect((await running.stderr.end()).join(' ')).toMatch(/log-level.*loud/);
  });
});
