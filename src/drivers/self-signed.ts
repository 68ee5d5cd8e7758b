import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { bitString, explicit, objectIdentifier, sequence, set, time, unsignedInteger, utf8String } from './der.js';

/** A certificate and its private key, both PEM. */
export interface PemPair {
  readonly cert: string;
  readonly key: string;
}

const ECDSA_WITH_SHA256 = objectIdentifier('1.2.840.10045.4.3.2');
const COMMON_NAME = objectIdentifier('2.5.4.3');
/** RFC 5280 4.1.2.5: a certificate with no well-defined expiration date. */
const NO_EXPIRY = new Date(Date.UTC(9999, 11, 31, 23, 59, 59));

/**
 * A self-signed X.509 v3 certificate for a new EC P-256 key, named `commonName` and valid from
 * an hour before `now` (clocks differ) with no end. What it is for is its fingerprint (a client's
 * identity), so it carries no extensions and no CA vouches for it.
 */
export function selfSignedCertificate(commonName: string, now: Date): PemPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const name = sequence(set(sequence(COMMON_NAME, utf8String(commonName))));
  const algorithm = sequence(ECDSA_WITH_SHA256);
  const serial = randomBytes(16);
  serial[0] &= 0x7f; // positive, at most 20 bytes (RFC 5280 4.1.2.2)
  const tbs = sequence(
    explicit(0, unsignedInteger(Buffer.from([2]))), // v3
    unsignedInteger(serial),
    algorithm,
    name,
    sequence(time(new Date(now.getTime() - 3_600_000)), time(NO_EXPIRY)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const der = sequence(tbs, algorithm, bitString(sign('sha256', tbs, privateKey)));
  return { cert: pem('CERTIFICATE', der), key: privateKeyPem(privateKey) };
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

const privateKeyPem = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }) as string;
