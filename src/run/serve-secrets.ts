import { hashSecret, verifySecret } from '../drivers/secret-hash.js';
import type { RouterEvent } from '../../streams/server/events.js';
import type { ServerOutput } from '../../streams/server/server-main.js';

type SecretAnswer = Extract<RouterEvent, { kind: 'hashed' | 'verified' }>;

/** The core's `secret` output carried out: a `/register`'s secret hashed, or an `/identify`'s checked, as the event the core waits for. */
export async function answerSecret({ id, nick, secret, against }: Extract<ServerOutput, { kind: 'secret' }>): Promise<SecretAnswer> {
  if (against !== undefined) return { kind: 'verified', id, nick, ok: await verifySecret(secret, against) };
  return { kind: 'hashed', id, nick, hash: await hashSecret(secret) };
}
