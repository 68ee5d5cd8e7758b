import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificates } from '../../helpers/certificates.js';
import { connectTls, judgeServer, type PeerCertificate } from '../../../src/run/server-trust.js';

let dir: string;
let knownHosts: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tcpchat-trust-'));
  knownHosts = join(dir, 'tcpchat', 'known_hosts');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** What a finished handshake reports, without a socket. */
const peer = (fingerprint: string, authorized = false, authorizationError = 'DEPTH_ZERO_SELF_SIGNED_CERT'): PeerCertificate =>
  ({ authorized, authorizationError, getPeerCertificate: () => ({ fingerprint256: fingerprint }) }) as unknown as PeerCertificate;

const pinning = { insecure: false };

describe('judgeServer', () => {
  it('trusts a certificate that verified, quietly, and pins nothing', () => {
    expect(judgeServer(peer('AA:01', true), 'chat.example.org:2023', pinning, knownHosts)).toEqual({ kind: 'trusted' });
    expect(() => readFileSync(knownHosts)).toThrow(/ENOENT/);
  });

  it('pins an unverified certificate on first use, says so with the fingerprint, then trusts it quietly', () => {
    const first = judgeServer(peer('AA:01'), '127.0.0.1:4000', pinning, knownHosts);
    expect(first).toEqual({
      kind: 'trusted',
      notice: `127.0.0.1:4000 has an unverified certificate (DEPTH_ZERO_SELF_SIGNED_CERT); pinned it on first use in ${knownHosts}: SHA256 fingerprint AA:01`,
    });
    expect(readFileSync(knownHosts, 'utf8')).toBe('127.0.0.1:4000 AA:01\n');
    expect(judgeServer(peer('AA:01'), '127.0.0.1:4000', pinning, knownHosts)).toEqual({ kind: 'trusted' });
  });

  it('refuses a changed certificate, naming the file and the line to remove', () => {
    writeFileSync(join(dir, 'hosts'), '# mine\n127.0.0.1:4001 AA:01\n127.0.0.1:4000 AA:01\n');
    const verdict = judgeServer(peer('BB:02'), '127.0.0.1:4000', pinning, join(dir, 'hosts'));
    expect(verdict.kind).toBe('refused');
    const message = (verdict as { message: string }).message;
    expect(message).toContain('the certificate of 127.0.0.1:4000 has changed (SHA256 fingerprint now BB:02)');
    expect(message).toContain(`remove line 3 of ${join(dir, 'hosts')}`);
    expect(message).not.toMatch(/\n/);
    expect(readFileSync(join(dir, 'hosts'), 'utf8')).toBe('# mine\n127.0.0.1:4001 AA:01\n127.0.0.1:4000 AA:01\n'); // untouched
  });

  it('keeps pins per host and port, and compares fingerprints without regard to case', () => {
    writeFileSync(join(dir, 'hosts'), 'chat.example.org:2023 aa:01\n');
    expect(judgeServer(peer('AA:01'), 'Chat.Example.org:2023', pinning, join(dir, 'hosts'))).toEqual({ kind: 'trusted' });
    expect(judgeServer(peer('AA:01'), 'chat.example.org:2024', pinning, join(dir, 'hosts')).kind).toBe('trusted');
    expect(readFileSync(join(dir, 'hosts'), 'utf8')).toBe('chat.example.org:2023 aa:01\nchat.example.org:2024 AA:01\n');
  });

  it('with --insecure trusts anything but says so loudly, and pins nothing', () => {
    const verdict = judgeServer(peer('CC:03'), '127.0.0.1:4000', { insecure: true }, knownHosts);
    expect(verdict).toEqual({ kind: 'trusted', notice: expect.stringMatching(/^WARNING: --insecure: .*CC:03.* not checked/) });
    expect(() => readFileSync(knownHosts)).toThrow(/ENOENT/);
  });

  it('refuses when the known hosts file exists but cannot be read, since nothing can be checked', () => {
    const folder = join(dir, 'folder-not-file');
    mkdirSync(folder);
    const verdict = judgeServer(peer('DD:04'), '127.0.0.1:4000', pinning, folder);
    expect(verdict).toEqual({ kind: 'refused', message: `cannot read ${folder} to check the certificate of 127.0.0.1:4000 (EISDIR)` });
  });

  it('trusts once, saying why it could not pin, when the file cannot be written', () => {
    writeFileSync(join(dir, 'tcpchat'), 'a file where the folder should be');
    const verdict = judgeServer(peer('DD:04'), '127.0.0.1:4000', pinning, knownHosts);
    expect(verdict).toEqual({
      kind: 'trusted',
      notice: expect.stringMatching(/could not be pinned in .*\(E[A-Z]+\), so it is trusted this once$/),
    });
  });
});

describe('connectTls', () => {
  it('verifies normally with --ca, and leaves judging to judgeServer without it', () => {
    const certs = makeCertificates();
    try {
      expect(connectTls({ caFile: certs.ca, insecure: false })).toEqual({ verify: true, ca: readFileSync(certs.ca) });
    } finally {
      certs.remove();
    }
    expect(connectTls({ insecure: false })).toEqual({ verify: false });
    expect(connectTls({ insecure: true })).toEqual({ verify: false });
  });

  it('says in one sentence when the --ca file cannot be read', () => {
    expect(() => connectTls({ caFile: join(dir, 'missing.pem'), insecure: false })).toThrow(/^cannot read --ca .*missing\.pem \(ENOENT\)$/);
  });

  it('says in one sentence when the --ca file holds no certificate', () => {
    writeFileSync(join(dir, 'ca.pem'), 'not a certificate\n');
    expect(() => connectTls({ caFile: join(dir, 'ca.pem'), insecure: false })).toThrow(
      `--ca ${join(dir, 'ca.pem')} is not a PEM certificate`,
    );
  });
});
