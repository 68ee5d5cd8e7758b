import { parseServerLine, type ServerLine } from '../protocol/server-line.js';
import type { LogEntry } from './events.js';

/** How the console shows what happened, in the same line forms the clients see. */
export function logEntryLines(entry: LogEntry): ServerLine[] {
  return entry.type === 'messages' ? entry.texts.map((text) => ({ kind: 'message', from: entry.from, text })) : [logEntryLine(entry)];
}

/** The line of an entry that is one line. */
function logEntryLine(entry: Exclude<LogEntry, { type: 'messages' }>): ServerLine {
  switch (entry.type) {
    case 'join':
      return { kind: 'notice', text: `${entry.from} joined from ${entry.address}` };
    case 'refused':
      return { kind: 'notice', text: `refused ${entry.address} (${entry.reason})` };
    case 'leave':
      return { kind: 'notice', text: `${entry.from} left (${entry.reason})` };
    case 'nick':
      return { kind: 'notice', text: `${entry.from} is now ${entry.to}` };
    case 'action':
      return { kind: 'notice', text: `${entry.from} ${entry.text}` };
    case 'private':
      return entry.id === undefined ? { kind: 'sent', to: entry.to, text: entry.text } : { kind: 'private', from: entry.from, text: entry.text };
    case 'remote':
      return remoteLine(entry.node, entry.line);
    case 'notice':
      return { kind: 'notice', text: entry.text };
    case 'error':
      return { kind: 'error', text: entry.text };
  }
}

/** An entry for scripts: one JSON object per line, a batch of messages one per message. */
export function jsonLines(entry: LogEntry, time: Date): string[] {
  if (entry.type !== 'messages') return [jsonLine(entry, time)];
  const { id, from } = entry;
  return entry.texts.map((text) => jsonLine({ type: 'message', id, from, text }, time));
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
