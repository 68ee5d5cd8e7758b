import { afterEach, describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { presentedCertificate } from '../../../src/run/presented-certificate.js';
import { makeCertificates } from '../../helpers/certificates.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const home = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'tcpchat-presented-'));
  dirs.push(dir);
  return dir;
};
const TLS = { insecure: false } as const;
const fingerprintOf = (cert: Buffer | undefined): string => new X509Certificate(cert!).fingerprint256;

describe('presentedCertificate', () => {
  it('presents --cert/--key whatever the nick', () => {
    const certs = makeCertificates();
    dirs.push(certs.dir);
    const certFiles = { certFile: certs.selfSigned.cert, keyFile: certs.selfSigned.key };
    const presented = presentedCertificate({ ...TLS, certFiles }, undefined, { XDG_CONFIG_HOME: home() }, new Date());
    expect(presented).toEqual({ cert: readFileSync(certs.selfSigned.cert), key: readFileSync(certs.selfSigned.key) });
  });

  it('presents nothing for a guest: no --nick, no --cert', () => {
    const config = home();
    expect(presentedCertificate(TLS, undefined, { XDG_CONFIG_HOME: config }, new Date())).toEqual({});
    expect(() => readFileSync(join(config, 'tcpchat', 'client-cert.pem'))).toThrow(/ENOENT/);
  });

  it('with --nick, presents its own, made on first use and said once, the same one after', () => {
    const env = { XDG_CONFIG_HOME: home() };
    const first = presentedCertificate(TLS, 'ada', env, new Date());
    expect(first.notice).toBe(
      `made a client certificate for your nicks in ${join(env.XDG_CONFIG_HOME, 'tcpchat')} (SHA256 fingerprint ${fingerprintOf(first.cert)}); /register binds your nick to it`,
    );
    const again = presentedCertificate(TLS, 'ada', env, new Date());
    expect(again).toEqual({ cert: first.cert, key: first.key, notice: undefined });
  });

  it('connects without one, and says why, when its own cannot be made', () => {
    const file = join(home(), 'not-a-folder');
    writeFileSync(file, '');
    expect(presentedCertificate(TLS, 'ada', { XDG_CONFIG_HOME: file }, new Date())).toEqual({
      notice: `cannot make a client certificate in ${join(file, 'tcpchat')} (ENOTDIR); connecting without one`,
    });
  });
});
