import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirectory } from './make-directory.js';
import { selfSignedCertificate } from './self-signed.js';
import { readCredentials, TlsCredentialsError, type TlsCredentials, type TlsFiles } from './tls-credentials.js';

/** `connect --cert FILE --key FILE`: read and checked now, so a bad pair is one sentence before connecting. */
export const readClientCertificate = (files: TlsFiles): TlsCredentials => readCredentials(files, { cert: '--cert', key: '--key' });

/** Where the client keeps the certificate it makes for itself. */
export function defaultCertificateFiles(dir: string): TlsFiles {
  return { certFile: join(dir, 'client-cert.pem'), keyFile: join(dir, 'client-key.pem') };
}

/**
 * The client's own certificate in `dir`, made on first use: a new key (owner read/write only, in a
 * folder only the owner enters) and a self-signed certificate for it, named only `tcpchat client`
 * (nothing about the person or the machine). `made` says that it was made just now.
 */
export function defaultClientCertificate(dir: string, now: Date): { readonly certificate: TlsCredentials; readonly made: boolean } {
  const files = defaultCertificateFiles(dir);
  const names = { cert: 'the client certificate', key: "the client certificate's key" };
  const made = !existsSync(files.keyFile) && make(dir, files, now);
  // Another client started at the same moment made the key first and is writing its certificate.
  if (!made) waitForFile(files.certFile, CERTIFICATE_WAIT_MS);
  return { certificate: readCredentials(files, names), made };
}

/** How long a client waits for the certificate of a key another client has just made (it writes it right after). */
const CERTIFICATE_WAIT_MS = 1000;

/** Waits, blocking (this is the client's start), until `file` exists or `ms` have passed. */
function waitForFile(file: string, ms: number): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; waited < ms && !existsSync(file); waited += 20) Atomics.wait(pause, 0, 0, 20);
}

/** False when another client made the key first (starting at the same moment): then its pair is the one. */
function make(dir: string, files: TlsFiles, now: Date): boolean {
  try {
    makeDirectory(dir, 0o700);
    const pair = selfSignedCertificate('tcpchat client', now);
    // `wx`: never over a key that exists.
    writeFileSync(files.keyFile, pair.key, { mode: 0o600, flag: 'wx' });
    writeFileSync(files.certFile, pair.cert, { mode: 0o644, flag: 'wx' });
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    throw new TlsCredentialsError(`cannot make a client certificate in ${dir} (${code ?? String(error)})`);
  }
}
