import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { readCredentials, TlsCredentialsError } from '../../../src/drivers/tls-credentials.js';
import { makeCertificates, type TestCertificates } from '../../helpers/certificates.js';

let certs: TestCertificates;
beforeAll(() => void (certs = makeCertificates()));
afterAll(() => certs.remove());

describe('readCredentials', () => {
  it('reads a certificate and its key, with the fingerprint clients will see', () => {
    const credentials = readCredentials({ certFile: certs.selfSigned.cert, keyFile: certs.selfSigned.key });
    expect(credentials.fingerprint).toBe(certs.selfSigned.fingerprint);
    expect(credentials.cert.toString()).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(credentials.key.toString()).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it.each([
    [
      'a missing certificate',
      () => ({ certFile: join(certs.dir, 'nope.crt'), keyFile: certs.selfSigned.key }),
      /^cannot read --tls-cert .*nope\.crt \(ENOENT\)$/,
    ],
    [
      'a missing key',
      () => ({ certFile: certs.selfSigned.cert, keyFile: join(certs.dir, 'nope.key') }),
      /^cannot read --tls-key .*nope\.key \(ENOENT\)$/,
    ],
    [
      'a key for another certificate',
      () => ({ certFile: certs.selfSigned.cert, keyFile: certs.otherSelfSigned.key }),
      /^--tls-key .* does not go with --tls-cert .*self\.crt/,
    ],
    [
      'a certificate that is not PEM',
      () => {
        const bad = join(certs.dir, 'garbage.crt');
        writeFileSync(bad, 'not a certificate\n');
        return { certFile: bad, keyFile: certs.selfSigned.key };
      },
      /^--tls-cert .*garbage\.crt is not a PEM certificate$/,
    ],
  ])('refuses %s with one sentence', (_, files, message) => {
    expect(() => readCredentials(files())).toThrow(TlsCredentialsError);
    expect(() => readCredentials(files())).toThrow(message);
  });
});
