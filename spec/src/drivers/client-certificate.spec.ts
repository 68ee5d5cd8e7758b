import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { defaultClientCertificate, readClientCertificate } from '../../../src/drivers/client-certificate.js';
import { selfSignedCertificate } from '../../../src/drivers/self-signed.js';
import { makeCertificates } from '../../helpers/certificates.js';
import { event, Leftovers, within } from './helpers/loopback.js';

const leftovers = new Leftovers();
const dirs: string[] = [];
afterEach(async () => {
  await leftovers.cleanUp();
  dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'tcpchat-client-cert-'));
  dirs.push(dir);
  return dir;
};

/**
 * What a real Node TLS server sees of a client presenting `cert` and `key`: the fingerprint of the
 * certificate it got, and whether OpenSSL verified it against `trusted` (the certificate itself).
 */
async function presented(cert: string, key: string, trusted?: string) {
  const certs = makeCertificates();
  try {
    const server = createTlsServer({
      cert: readFileSync(certs.selfSigned.cert),
      key: readFileSync(certs.selfSigned.key),
      requestCert: true,
      rejectUnauthorized: trusted !== undefined,
      ca: trusted,
    });
    const seen = new Promise<TLSSocket>((resolve) => server.once('secureConnection', resolve));
    server.listen(0, '127.0.0.1');
    await event(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const client = tlsConnect({ host: '127.0.0.1', port, cert, key, rejectUnauthorized: false });
    leftovers.socket(client, true);
    const socket = await within(seen, 'the server to see the client');
    leftovers.socket(socket);
    server.close();
    return { fingerprint: socket.getPeerX509Certificate()?.fingerprint256, authorized: socket.authorized };
  } finally {
    certs.remove();
  }
}

describe('selfSignedCertificate', () => {
  it('makes an EC P-256 certificate that a Node TLS server takes as a client certificate, and OpenSSL verifies', async () => {
    const { cert, key } = selfSignedCertificate('tcpchat client', new Date(Date.UTC(2026, 11, 5)));
    const x509 = new X509Certificate(cert);
    expect(x509.subject).toBe('CN=tcpchat client');
    expect(x509.issuer).toBe('CN=tcpchat client');
    expect(x509.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    expect(new Date(x509.validFrom).getTime()).toBe(Date.UTC(2026, 11, 4, 23));
    expect(x509.validTo).toBe('Dec 31 23:59:59 9999 GMT');
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(await presented(cert, key, cert)).toEqual({ fingerprint: x509.fingerprint256, authorized: true });
  });

  it('makes a new key and serial number each time', () => {
    const now = new Date();
    const [a, b] = [selfSignedCertificate('x', now), selfSignedCertificate('x', now)].map(({ cert }) => new X509Certificate(cert));
    expect(a.fingerprint256).not.toBe(b.fingerprint256);
    expect(a.serialNumber).not.toBe(b.serialNumber);
  });
});

describe('defaultClientCertificate', () => {
  it('makes the pair on first use (the key and its folder for the owner alone), then reads the same one', async () => {
    const dir = join(tempDir(), 'tcpchat');
    const first = defaultClientCertificate(dir, new Date());
    expect(first.made).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'client-key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'client-cert.pem')).mode & 0o022).toBe(0); // public, but no one else's to change
    const again = defaultClientCertificate(dir, new Date());
    expect(again).toEqual({ certificate: first.certificate, made: false });
    const seen = await presented(first.certificate.cert.toString(), first.certificate.key.toString());
    expect(seen.fingerprint).toBe(first.certificate.fingerprint);
  });

  it('says in one sentence when the folder cannot be made', () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, '');
    const dir = join(file, 'tcpchat');
    expect(() => defaultClientCertificate(dir, new Date())).toThrow(`cannot make a client certificate in ${dir} (ENOTDIR)`);
  });

  it('waits a moment for the certificate of a key another client made first (both started at once)', () => {
    const dir = tempDir();
    const pair = selfSignedCertificate('x', new Date());
    writeFileSync(join(dir, 'client-key.pem'), pair.key);
    writeFileSync(join(dir, 'ready.pem'), pair.cert);
    // The other client, writing the certificate a moment after the key (a process of its own: this one waits, blocked).
    spawn('sh', ['-c', `sleep 0.2; mv ${join(dir, 'ready.pem')} ${join(dir, 'client-cert.pem')}`], { stdio: 'ignore' });
    expect(defaultClientCertificate(dir, new Date()).made).toBe(false);
  });

  it('refuses a key left without its certificate, naming both', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'client-key.pem'), selfSignedCertificate('x', new Date()).key);
    expect(() => defaultClientCertificate(dir, new Date())).toThrow(
      `cannot read the client certificate ${join(dir, 'client-cert.pem')} (ENOENT)`,
    );
  });
});

describe('readClientCertificate', () => {
  it('names --cert and --key in what it refuses', () => {
    const certs = makeCertificates();
    try {
      expect(readClientCertificate({ certFile: certs.selfSigned.cert, keyFile: certs.selfSigned.key }).fingerprint).toBe(
        certs.selfSigned.fingerprint,
      );
      expect(() => readClientCertificate({ certFile: certs.selfSigned.cert, keyFile: certs.otherSelfSigned.key })).toThrow(
        new RegExp(`^--key ${certs.otherSelfSigned.key} does not go with --cert ${certs.selfSigned.cert} \\(`),
      );
      expect(() => readClientCertificate({ certFile: join(certs.dir, 'none.pem'), keyFile: certs.selfSigned.key })).toThrow(
        `cannot read --cert ${join(certs.dir, 'none.pem')} (ENOENT)`,
      );
    } finally {
      certs.remove();
    }
  });
});
