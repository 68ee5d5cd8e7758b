import type { Observable } from '../../streams/rx.js';
import { metricsServer, type MetricsRoutes } from '../drivers/metrics-server.js';
import type { ServerConnection } from '../drivers/server-connection.js';
import type { ServeCounts } from './serve-counts.js';

/** The connections open now (a Map, say). */
type OpenConnections = { readonly size: number; values(): Iterable<ServerConnection> };

/**
 * `--metrics HOST:PORT`: an HTTP server (emitting where it listens) for `/metrics` and `/healthz`
 * from the counts the server keeps. This module, node:http and prom-client are loaded only with
 * `--metrics`; the counts are read when scraped, so chat never waits for them.
 */
export async function serveMetrics(
  address: { readonly host: string; readonly port: number },
  counts: ServeCounts,
  connections: OpenConnections,
  cluster: boolean,
): Promise<Observable<{ host: string; port: number }>> {
  return metricsServer(address.host, address.port, await routes(counts, connections, cluster));
}

async function routes(counts: ServeCounts, connections: OpenConnections, cluster: boolean): Promise<MetricsRoutes> {
  const { Counter, Gauge, Registry, collectDefaultMetrics } = await import('prom-client');
  const registry = new Registry();
  collectDefaultMetrics({ register: registry }); // event-loop lag, memory, CPU, handles
  const registers = [registry];

  const counter = (name: string, help: string, value: () => number): void => {
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(value());
      },
    });
  };
  const gauge = (name: string, help: string, value: () => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(value());
      },
    });
  };
  const sockets = (bytes: (connection: ServerConnection) => number): number => {
    let total = 0;
    for (const connection of connections.values()) total += bytes(connection);
    return total;
  };

  gauge('tcpchat_connections', 'Open client connections, members or not.', () => connections.size);
  gauge('tcpchat_members', 'Members in the room on this server.', () => counts.members);
  counter('tcpchat_lines_in_total', 'Chat lines the clients said (messages, /me, /msg).', () => counts.linesIn);
  counter('tcpchat_deliveries_out_total', 'Lines written to clients (a line to three clients is three).', () => counts.deliveries);
  counter('tcpchat_bytes_in_total', 'Bytes read from clients.', () => counts.bytesInClosed + sockets((c) => c.socket.bytesRead));
  counter('tcpchat_bytes_out_total', 'Bytes written to clients.', () => counts.bytesOutClosed + sockets((c) => c.socket.bytesWritten));
  counter('tcpchat_slow_readers_cut_total', 'Clients cut off for not reading their output.', () => counts.slowReadersCut);
  counter(
    'tcpchat_rate_limit_pauses_total',
    'Times reading from a client paused because it sent faster than --rate.',
    () => counts.rateLimitPauses,
  );
  new Counter({
    name: 'tcpchat_refusals_total',
    help: 'Connections refused, by reason.',
    labelNames: ['reason'],
    registers,
    collect() {
      this.reset();
      for (const [reason, count] of counts.refusals) this.inc({ reason }, count);
    },
  });
  if (cluster)
    gauge('tcpchat_cluster_up', 'Whether this server is joined to its cluster (1) or on its own (0).', () => (counts.clusterUp ? 1 : 0));

  return { metrics: () => registry.metrics(), contentType: registry.contentType, healthy: () => counts.healthy };
}
