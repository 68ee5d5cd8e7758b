import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

/** Where the server's certificate and key live; re-read on every reload. */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** A certificate (PEM, possibly with its chain) with its key, checked to belong together. */
export interface TlsCredentials {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** SHA-256 of the leaf certificate, `AB:CD:...`, as clients see it. */
  readonly fingerprint: string;
}

export class TlsCredentialsError extends Error {
  readonly code = 'TLS_CREDENTIALS';
  constructor(message: string) {
    super(message);
    this.name = 'TlsCredentialsError';
  }
}

/** How the sentences name the two files: the server's options, or the client's (`--cert`, `--key`). */
export interface CredentialNames {
  readonly cert: string;
  readonly key: string;
}

const SERVER_NAMES: CredentialNames = { cert: '--tls-cert', key: '--tls-key' };

/**
 * Reads and checks the certificate and key. Everything that could make the server (or a client
 * presenting it) fail later (unreadable file, not PEM, key for another certificate) fails here,
 * as one sentence.
 */
export function readCredentials(files: TlsFiles, names: CredentialNames = SERVER_NAMES): TlsCredentials {
  const cert = readPem(files.certFile, names.cert);
  const key = readPem(files.keyFile, names.key);
  let fingerprint: string;
  try {
    fingerprint = new X509Certificate(cert).fingerprint256;
  } catch {
    throw new TlsCredentialsError(`${names.cert} ${files.certFile} is not a PEM certificate`);
  }
  try {
    createSecureContext({ cert, key }); // the same check the server makes: the key must match
  } catch (error) {
    throw new TlsCredentialsError(`${names.key} ${files.keyFile} does not go with ${names.cert} ${files.certFile} (${reason(error)})`);
  }
  return { cert, key, fingerprint };
}

function readPem(file: string, option: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new TlsCredentialsError(`cannot read ${option} ${file} (${reason(error)})`);
  }
}

function reason(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return code ?? message ?? String(error);
}
