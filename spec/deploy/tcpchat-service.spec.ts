import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * deploy/tcpchat.service as systemd reads it. `systemd-analyze` (Debian's `systemd` package) is a
 * peer like nc: CI installs it, and where it is missing this fails rather than skips.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const UNIT = join(ROOT, 'deploy/tcpchat.service');
const INSTALLED_AT = '/usr/local/bin/tcpchat';

let dir: string;
let unit: string;
beforeAll(() => {
  // verify checks that ExecStart's program exists and runs: a stand-in where `npm install -g` puts the bin.
  dir = mkdtempSync(join(tmpdir(), 'tcpchat-unit-'));
  const bin = join(dir, 'tcpchat');
  writeFileSync(bin, '#!/bin/sh\nexit 0\n');
  chmodSync(bin, 0o755);
  unit = join(dir, 'tcpchat.service');
  writeFileSync(unit, readFileSync(UNIT, 'utf8').replaceAll(INSTALLED_AT, bin));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function analyze(...args: string[]) {
  const result = spawnSync('systemd-analyze', args, { encoding: 'utf8', timeout: 15_000 });
  if (result.error) throw new Error(`systemd-analyze did not run (${result.error.message}); install the systemd package`);
  return result;
}

describe('deploy/tcpchat.service', () => {
  it('runs the installed bin, reloads with SIGHUP and restarts on failure', () => {
    const text = readFileSync(UNIT, 'utf8');
    expect(text).toMatch(new RegExp(`^ExecStart=${INSTALLED_AT} serve$`, 'm'));
    expect(text).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    expect(text).toMatch(/^Restart=on-failure$/m);
    expect(text).toMatch(/^EnvironmentFile=-\/etc\/tcpchat\/tcpchat\.env$/m);
  });

  it('passes systemd-analyze verify without a single complaint', () => {
    const { status, stdout, stderr } = analyze('verify', unit);
    expect({ status, said: `${stdout}${stderr}`.trim() }).toEqual({ status: 0, said: '' });
  });

  it('is hardened: systemd-analyze security rates its exposure 2.0 or lower ("OK")', () => {
    const { stdout, stderr } = analyze('security', '--offline=true', unit);
    const rating = /Overall exposure level for tcpchat\.service: (\d+\.\d+) (\w+)/.exec(`${stdout}${stderr}`);
    expect(rating).not.toBeNull();
    expect(Number(rating![1])).toBeLessThanOrEqual(2);
    expect(rating![2]).toBe('OK');
  });

  it("is where README's install step puts the bin, whatever npm's own global prefix is", () => {
    // The README's `npm install -g` line with /usr/local moved into a folder of ours, run by an npm
    // whose own global prefix is elsewhere (often where Node lives, such as /usr), with the
    // checkout in place of the tarball (its bin lands the same way, without a build).
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Running it as a service'));
    const line = /^npm install -g .*?(?=\s+#|$)/m.exec(section)?.[0];
    expect(line).toBeDefined();
    const usrLocal = join(dir, 'usr-local');
    const npmPrefix = join(dir, 'npm-prefix');
    mkdirSync(npmPrefix);
    const command = line!.replaceAll('/usr/local', usrLocal).replace('./tcpchat-*.tgz', ROOT);
    const result = spawnSync('sh', ['-c', `${command} --offline --no-audit --no-fund`], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, npm_config_prefix: npmPrefix },
    });
    expect(result.status).toBe(0);
    expect(existsSync(join(usrLocal, 'bin/tcpchat'))).toBe(true);
  });
});
