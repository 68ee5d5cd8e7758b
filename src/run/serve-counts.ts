import type { LogEntry } from '../../streams/server/events.js';
import type { ServerOutput } from '../../streams/server/server-main.js';

/**
 * What `/metrics` tells, kept as plain numbers and added to once per batch of outputs, from what
 * the shell carries out anyway: the metrics library reads them only when it is scraped.
 */
export class ServeCounts {
  /** Chat lines the clients said (messages, actions, private messages). */
  linesIn = 0;
  /** Lines written to clients: each batch's lines times its recipients. */
  deliveries = 0;
  members = 0;
  slowReadersCut = 0;
  rateLimitPauses = 0;
  /** Bytes of connections that have closed; those still open are read off their sockets. */
  bytesInClosed = 0;
  bytesOutClosed = 0;
  readonly refusals = new Map<string, number>();
  listening = false;
  /** In a cluster: whether the link to it is up (undefined without one). */
  clusterUp: boolean | undefined;

  constructor(cluster: boolean) {
    if (cluster) this.clusterUp = false;
  }

  output(output: ServerOutput): void {
    if (output.kind === 'write') this.deliveries += output.lines * output.to.length;
    else if (output.kind === 'reading' && output.paused) this.rateLimitPauses++;
  }

  entries(entries: readonly LogEntry[]): void {
    for (const entry of entries) {
      switch (entry.type) {
        case 'messages':
          this.linesIn += entry.texts.length;
          break;
        case 'action':
        case 'private':
          this.linesIn++;
          break;
        case 'join':
          this.members++;
          break;
        case 'leave':
          this.members--;
          break;
        case 'refused':
          this.refusals.set(entry.reason, (this.refusals.get(entry.reason) ?? 0) + 1);
          break;
      }
    }
  }

  /** Ready for clients: listening, and in a cluster, joined to it. */
  get healthy(): boolean {
    return this.listening && this.clusterUp !== false;
  }
}
