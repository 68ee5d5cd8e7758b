import type { Argv } from 'yargs';
import { GROUP } from './option-groups.js';
import type { ClientTls } from '../run/server-trust.js';
import type { ServeTls } from '../run/serve-tls.js';

/** DESIGN.md section 6: a client that has not finished its TLS handshake by then is dropped. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** `serve --tls-cert FILE --tls-key FILE`. The files are read when the server starts (and on SIGHUP). */
export function withServeTlsOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('tls-cert', {
      type: 'string',
      requiresArg: true,
      describe: 'speak TLS with this certificate (PEM, may include the chain; re-read on SIGHUP)',
    })
    .option('tls-key', { type: 'string', requiresArg: true, describe: "the certificate's private key (PEM)" })
    .group(['tls-cert', 'tls-key'], GROUP.security)
    .check((argv) => {
      if ((argv['tls-cert'] === undefined) !== (argv['tls-key'] === undefined)) {
        throw new Error('--tls-cert and --tls-key go together: give both, or neither');
      }
      return true;
    });
}

export function serveTlsConfig(argv: Record<string, unknown>): ServeTls | undefined {
  const certFile = argv['tls-cert'];
  const keyFile = argv['tls-key'];
  if (typeof certFile !== 'string' || typeof keyFile !== 'string') return undefined;
  return { certFile, keyFile, handshakeTimeoutMs: TLS_HANDSHAKE_TIMEOUT_MS };
}

/** `connect --tls [--ca FILE | --insecure] [--cert FILE --key FILE]`. */
export function withConnectTlsOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('tls', {
      type: 'boolean',
      default: false,
      describe: "speak TLS; a certificate no CA vouches for is pinned on first use, like ssh's",
    })
    .option('ca', {
      type: 'string',
      requiresArg: true,
      describe: "with --tls: trust only the CA in FILE (PEM) for the server's certificate",
    })
    .option('insecure', {
      type: 'boolean',
      default: false,
      describe: "with --tls: do not check the server's certificate at all (anyone on the way can listen)",
    })
    .option('cert', {
      type: 'string',
      requiresArg: true,
      describe:
        'with --tls: present this client certificate (PEM), which can own your registered nick (without it, --nick presents one made for you in ~/.config/tcpchat)',
    })
    .option('key', { type: 'string', requiresArg: true, describe: "with --cert: the certificate's private key (PEM)" })
    .group(['tls', 'ca', 'insecure', 'cert', 'key'], GROUP.security)
    .check((argv) => {
      const needsTls = (['ca', 'insecure', 'cert', 'key'] as const).find((name) => argv[name] !== undefined && argv[name] !== false);
      if (!argv.tls && needsTls) throw new Error(`--${needsTls} needs --tls`);
      if ((argv.cert === undefined) !== (argv.key === undefined)) throw new Error('--cert and --key go together: give both, or neither');
      if (argv.ca !== undefined && argv.insecure)
        throw new Error('--ca and --insecure contradict each other: --ca checks the certificate, --insecure does not');
      return true;
    });
}

export function connectTlsConfig(argv: Record<string, unknown>): ClientTls | undefined {
  if (argv.tls !== true) return undefined;
  const certFile = argv.cert as string | undefined;
  return {
    caFile: argv.ca as string | undefined,
    insecure: argv.insecure === true,
    certFiles: certFile === undefined ? undefined : { certFile, keyFile: argv.key as string },
  };
}
