import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and key as files, with the SHA-256 fingerprint a client sees. */
export interface CertFiles {
  readonly cert: string;
  readonly key: string;
  readonly fingerprint: string;
}

/** Test certificates made with the `openssl` command in a temp dir (EC keys: fast to make). */
export interface TestCertificates {
  readonly dir: string;
  /** Self-signed, for 127.0.0.1 and ::1. */
  readonly selfSigned: CertFiles;
  /** Another self-signed one for the same addresses: a "changed" certificate. */
  readonly otherSelfSigned: CertFiles;
  /** A small CA, and a server certificate for 127.0.0.1 and ::1 that it signed. */
  readonly ca: string;
  readonly signed: CertFiles;
  /** A CA that signed nothing here: the wrong one to trust. */
  readonly wrongCa: string;
  remove(): void;
}

const SAN = 'subjectAltName=IP:127.0.0.1,IP:::1';

export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'tcpchat-certs-'));
  const at = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const files = (name: string): CertFiles => ({
    cert: at(`${name}.crt`),
    key: at(`${name}.key`),
    fingerprint: new X509Certificate(readFileSync(at(`${name}.crt`))).fingerprint256,
  });

  /** A self-signed certificate `NAME.crt` with its key `NAME.key`, valid two days. */
  const selfSignedFiles = (name: string, subject: string, ...extensions: string[]): void =>
    openssl(
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      subject,
      ...extensions.flatMap((ext) => ['-addext', ext]),
    );

  const selfSigned = (name: string): CertFiles => {
    selfSignedFiles(name, '/CN=127.0.0.1', SAN);
    return files(name);
  };
  const ca = (name: string): string => {
    selfSignedFiles(name, `/CN=tcpchat test ${name}`, 'basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign');
    return at(`${name}.crt`);
  };

  const result = {
    dir,
    selfSigned: selfSigned('self'),
    otherSelfSigned: selfSigned('other'),
    ca: ca('ca'),
    wrongCa: ca('wrong-ca'),
    signed: ((): CertFiles => {
      openssl('req', '-new', ...newKey, '-keyout', 'signed.key', '-out', 'signed.csr', '-subj', '/CN=127.0.0.1');
      writeFileSync(at('signed.ext'), `${SAN}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
      openssl(
        'x509',
        '-req',
        '-in',
        'signed.csr',
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        'signed.crt',
        '-days',
        '2',
        '-extfile',
        'signed.ext',
      );
      return files('signed');
    })(),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  return result;
}
