import { parseServerLine, type ServerLine } from '../protocol/server-line.js';
import type { LogEntry } from './events.js';

/** How the console shows what happened, in the same line forms the clients see. */
export function logEntryLine(entry: LogEntry): ServerLine {
  switch (entry.type) {
    case 'join':
      return { kind: 'notice', text: `${entry.from} joined from ${entry.address}` };
    case 'refused':
      return { kind: 'notice', text: `refused ${entry.address} (${entry.reason})` };
    case 'leave':
      return { kind: 'notice', text: `${entry.from} left (${entry.reason})` };
    case 'nick':
      return { kind: 'notice', text: `${entry.from} is now ${entry.to}` };
    case 'message':
      return { kind: 'message', from: entry.from, text: entry.text };
    case 'action':
      return { kind: 'notice', text: `${entry.from} ${entry.text}` };
    case 'private':
      return { kind: 'private', from: entry.from, text: entry.text };
    case 'remote':
      return remoteLine(entry.node, entry.line);
    case 'notice':
      return { kind: 'notice', text: entry.text };
    case 'error':
      return { kind: 'error', text: entry.text };
  }
}

/** One JSON object per line for scripts: the entry's fields, `type` and `time` first. */
export function jsonLine<T extends { readonly type: string }>(fields: T, time: Date): string {
  const { type, ...rest } = fields;
  return JSON.stringify({ type, time: time.toISOString(), ...rest });
}

/** A line from another node, with its author named by nick and node. */
function remoteLine(node: string, line: string): ServerLine {
  const parsed = parseServerLine(line);
  return parsed.kind === 'message' || parsed.kind === 'private' ? { ...parsed, from: `${parsed.from}@${node}` } : { kind: 'notice', text: `${node}: ${parsed.text}` };
}
