import { hostname } from 'node:os';
import type { Argv } from 'yargs';
import { durationOption } from './duration.js';
import { GROUP } from './option-groups.js';
import type { ClusterConfig } from '../run/cluster-config.js';

export const DEFAULT_CLUSTER_NAME = 'main';
export const DEFAULT_PRESENCE_TTL_MS = 15_000;

export function withClusterOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('cluster', {
      type: 'string',
      requiresArg: true,
      describe: 'share the room with other servers through this Redis (redis://[:PASSWORD@]HOST:PORT, rediss:// for TLS)',
    })
    .option('cluster-name', {
      type: 'string',
      requiresArg: true,
      default: DEFAULT_CLUSTER_NAME,
      describe: 'the room in that Redis: clusters with other names do not meet',
    })
    .option('node', { type: 'string', requiresArg: true, describe: "this server's name in the cluster (default: HOSTNAME:PORT)" })
    .option(
      'presence-ttl',
      durationOption('presence-ttl', {
        default: DEFAULT_PRESENCE_TTL_MS,
        minMs: 1000,
        describe: 'silence after which a node counts as gone, with its people',
      }),
    )
    .group(['cluster', 'cluster-name', 'node', 'presence-ttl'], GROUP.cluster)
    .check((argv) => {
      if (argv.cluster !== undefined) clusterUrl(String(argv.cluster));
      if (argv['cluster-name'] === '' || /[{}\s]/.test(String(argv['cluster-name'])))
        throw new Error('--cluster-name must be a word without braces or spaces');
      return true;
    });
}

/** The cluster options as a config, or undefined without `--cluster`. */
export function clusterConfig(argv: Record<string, unknown>, port: number): ClusterConfig | undefined {
  if (argv.cluster === undefined) return undefined;
  return {
    url: clusterUrl(String(argv.cluster)),
    name: String(argv['cluster-name']),
    node: argv.node === undefined || argv.node === '' ? `${hostname()}:${port}` : String(argv.node),
    presenceTtlMs: argv['presence-ttl'] as number,
  };
}

/** Checks the Redis URL, so a typo is one sentence rather than a server that never joins. */
function clusterUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`--cluster: ${text} is not a URL (redis://HOST:PORT)`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new Error(`--cluster: ${text} is not a redis:// or rediss:// URL`);
  if (url.hostname === '') throw new Error(`--cluster: ${text} names no host`);
  return text;
}
