import { defaultClientCertificate, readClientCertificate } from '../drivers/client-certificate.js';
import { configDir } from '../drivers/config-dir.js';
import type { ClientTls } from './server-trust.js';

/** A client certificate to present (none: `{}`), and what the person must be told about it. */
export interface Presented {
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly notice?: string;
}

/**
 * The certificate `connect --tls` presents: `--cert`/`--key` always (a file that cannot be used
 * throws one sentence). Else, with `--nick`, the client's own, made on first use in the config
 * directory, so a nick registered to it is taken back with no secret. Else none: one certificate
 * shown to every server would tie a guest's visits together, while a nick is an identity already.
 * Should the client's own not be made (a read-only home), it connects without one and says so.
 */
export function presentedCertificate(tls: ClientTls, nick: string | undefined, env: NodeJS.ProcessEnv, now: Date): Presented {
  if (tls.certFiles) {
    const { cert, key } = readClientCertificate(tls.certFiles);
    return { cert, key };
  }
  if (nick === undefined) return {};
  const dir = configDir(env);
  try {
    const { certificate, made } = defaultClientCertificate(dir, now);
    const { cert, key, fingerprint } = certificate;
    const notice = made
      ? `made a client certificate for your nicks in ${dir} (SHA256 fingerprint ${fingerprint}); /register binds your nick to it`
      : undefined;
    return { cert, key, notice };
  } catch (error) {
    return { notice: `${error instanceof Error ? error.message : String(error)}; connecting without one` };
  }
}
