/** How a server joins a cluster: `serve --cluster redis://HOST:PORT [--cluster-name NAME] [--node NAME]`. */
export interface ClusterConfig {
  /** `redis://[:PASSWORD@]HOST:PORT[/DB]`, or `rediss://` for TLS. */
  readonly url: string;
  /** Names the room, so several clusters can share one Redis. */
  readonly name: string;
  /** This server's name in the cluster, as /who shows it. */
  readonly node: string;
  /** A node not heard from for this long is gone, and its people with it. */
  readonly presenceTtlMs: number;
}
