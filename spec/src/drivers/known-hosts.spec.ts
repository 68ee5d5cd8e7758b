import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addKnownHost, knownHostEntries, knownHostsPath } from '../../../src/drivers/known-hosts.js';

let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'tcpchat-known-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('knownHostsPath', () => {
  it('is under $XDG_CONFIG_HOME when it is an absolute path, else under ~/.config', () => {
    expect(knownHostsPath({ XDG_CONFIG_HOME: '/x/conf', HOME: '/home/ada' })).toBe('/x/conf/tcpchat/known_hosts');
    expect(knownHostsPath({ HOME: '/home/ada' })).toBe('/home/ada/.config/tcpchat/known_hosts');
    expect(knownHostsPath({ XDG_CONFIG_HOME: 'relative', HOME: '/home/ada' })).toBe('/home/ada/.config/tcpchat/known_hosts');
  });
});

describe('known hosts file', () => {
  it('has no entries before the file exists', () => {
    expect(knownHostEntries(join(dir, 'tcpchat', 'known_hosts'), '127.0.0.1:2023')).toEqual([]);
  });

  it('creates folder and file private to the user, and reads back each host:port with its line', () => {
    const file = join(dir, 'tcpchat', 'known_hosts');
    addKnownHost(file, '127.0.0.1:2023', 'AA:BB');
    addKnownHost(file, '[::1]:2023', 'CC:DD');
    addKnownHost(file, '127.0.0.1:2024', 'EE:FF');
    expect(readFileSync(file, 'utf8')).toBe('127.0.0.1:2023 AA:BB\n[::1]:2023 CC:DD\n127.0.0.1:2024 EE:FF\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'tcpchat')).mode & 0o777).toBe(0o700);
    expect(knownHostEntries(file, '[::1]:2023')).toEqual([{ fingerprint: 'CC:DD', line: 2 }]);
    expect(knownHostEntries(file, '127.0.0.1:2024')).toEqual([{ fingerprint: 'EE:FF', line: 3 }]);
  });

  it('writes a pin that is there already once (two clients pinning the same server at once)', () => {
    const file = join(dir, 'known_hosts');
    addKnownHost(file, '127.0.0.1:2023', 'AA:BB');
    addKnownHost(file, '127.0.0.1:2023', 'aa:bb');
    expect(readFileSync(file, 'utf8')).toBe('127.0.0.1:2023 AA:BB\n');
  });

  it('skips comments and blank lines, and never glues a pin onto a last line without a newline', () => {
    const file = join(dir, 'known_hosts');
    writeFileSync(file, '# pinned by hand\n\n  host:1   11:22  \nhost:2 33:44');
    expect(knownHostEntries(file, 'host:1')).toEqual([{ fingerprint: '11:22', line: 3 }]);
    addKnownHost(file, 'host:3', '55:66');
    expect(knownHostEntries(file, 'host:2')).toEqual([{ fingerprint: '33:44', line: 4 }]);
    expect(knownHostEntries(file, 'host:3')).toEqual([{ fingerprint: '55:66', line: 5 }]);
  });
});
