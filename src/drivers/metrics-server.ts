import { createServer } from 'node:http';
import { Observable } from '../../streams/rx.js';

export interface MetricsRoutes {
  /** The `/metrics` page, in the Prometheus text format. */
  metrics(): Promise<string>;
  readonly contentType: string;
  /** `/healthz`: 200 while true, 503 while false. */
  healthy(): boolean;
}

/** Scrapers and probes at once; more wait in the kernel's backlog. */
const MAX_CONNECTIONS = 64;

/**
 * An HTTP server for `/metrics` and `/healthz` as a cold observable: subscribing binds and emits
 * the address it got (the real port when 0 was asked), unsubscribing closes it. A failure to bind
 * is the observable's error. Anything but GET of those two paths gets 404 or 405.
 */
export function metricsServer(host: string, port: number, routes: MetricsRoutes): Observable<{ host: string; port: number }> {
  return new Observable((subscriber) => {
    const server = createServer((request, response) => {
      const path = (request.url ?? '').split('?')[0];
      const send = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
        response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) }).end(body);
      };
      if (path !== '/metrics' && path !== '/healthz') return send(404, 'not found: try /metrics or /healthz\n');
      if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, 'only GET\n');
      if (path === '/healthz') return routes.healthy() ? send(200, 'ok\n') : send(503, 'not ready\n');
      routes.metrics().then(
        (body) => send(200, body, routes.contentType),
        (error: unknown) => send(500, `cannot collect the metrics: ${error instanceof Error ? error.message : String(error)}\n`),
      );
    });
    server.maxConnections = MAX_CONNECTIONS;
    server.on('error', (error) => subscriber.error(error));
    server.listen({ host, port }, () => {
      const address = server.address();
      if (address && typeof address === 'object') subscriber.next({ host: address.address, port: address.port });
    });
    return () => {
      server.on('error', () => {});
      server.close();
      server.closeAllConnections();
    };
  });
}
