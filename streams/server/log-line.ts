import { formatServerLine, parseServerLine, type ServerLine } from '../protocol/server-line.js';
import type { LogEntry } from './events.js';

/**
 * How the console shows what happened, in the same line forms the clients see. Lines of a room
 * other than the one the console speaks in (`elsewhere`) come with the room first: `#dev <ada> hi`.
 */
export function logEntryLines(entry: LogEntry): ServerLine[] {
  const lines: ServerLine[] =
    entry.type === 'messages'
      ? entry.texts.map((text) => ({ kind: 'message', from: entry.from, text }))
      : entry.type === 'remote'
        ? entry.lines.map((line) => remoteLine(entry.node, line))
        : [logEntryLine(entry)];
  if (!('elsewhere' in entry) || !entry.elsewhere) return lines;
  return lines.map((line) => ({ kind: 'text', text: `${entry.room} ${formatServerLine(line)}` }));
}

/**
 * A batch from another node as the console shows it without colour, as one text: its lines as
 * `logEntryLines` gives them, formatted, each after `before` (a time, or nothing) and ending in a
 * newline. A batch of one author's messages (nearly every batch) has its author, named with its
 * node, joined in once rather than each line parsed and built anew.
 */
export function remoteText(entry: Extract<LogEntry, { type: 'remote' }>, before = ''): string {
  const { node, lines } = entry;
  const lead = entry.elsewhere ? `${before}${entry.room} ` : before;
  const head = MESSAGE_HEAD.exec(lines[0] ?? '')?.[0];
  if (head !== undefined && lines.every((line) => line.startsWith(head))) {
    const shown = `${lead}${head.slice(0, -2)}@${node}> `;
    return `${shown}${lines.map((line) => line.slice(head.length)).join(`\n${shown}`)}\n`;
  }
  return `${lead}${lines.map((line) => formatServerLine(remoteLine(node, line))).join(`\n${lead}`)}\n`;
}

/** The start of a message line (`<nick> text`) up to its text, as `parseServerLine` reads one. */
const MESSAGE_HEAD = /^<[^\s<>]+> /;

/** The line of an entry that is one line. */
function logEntryLine(entry: Exclude<LogEntry, { type: 'messages' | 'remote' }>): ServerLine {
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
    case 'move':
      return { kind: 'notice', text: `${entry.from} left ${entry.previous} for ${entry.room}` };
    case 'topic':
      return { kind: 'notice', text: `${entry.from} set the topic: ${entry.text}` };
    case 'private':
      return entry.id === undefined
        ? { kind: 'sent', to: entry.to, text: entry.text }
        : { kind: 'private', from: entry.from, text: entry.text };
    case 'moderation':
    case 'notice':
      return { kind: 'notice', text: entry.text };
    case 'error':
      return { kind: 'error', text: entry.text };
  }
}

/** An entry for scripts: one JSON object per line, a batch of messages (or of lines from another node) one per line; `room` says where. */
export function jsonLines(entry: LogEntry, time: Date): string[] {
  if (entry.type === 'remote') {
    const { node, room } = entry;
    return entry.lines.map((line) => jsonLine({ type: 'remote', node, line, room }, time));
  }
  if (entry.type !== 'messages') {
    const { elsewhere: _, ...fields } = entry as LogEntry & { elsewhere?: true };
    return [jsonLine(fields, time)];
  }
  const { id, from, room } = entry;
  return entry.texts.map((text) => jsonLine({ type: 'message', id, from, text, room }, time));
}

/** One JSON object per line for scripts: the entry's fields, `type` and `time` first. */
export function jsonLine<T extends { readonly type: string }>(fields: T, time: Date): string {
  const { type, ...rest } = fields;
  return JSON.stringify({ type, time: time.toISOString(), ...rest });
}

/** A line from another node, with its author named by nick and node. */
function remoteLine(node: string, line: string): ServerLine {
  const parsed = parseServerLine(line);
  return parsed.kind === 'message' || parsed.kind === 'private'
    ? { ...parsed, from: `${parsed.from}@${node}` }
    : { kind: 'notice', text: `${node}: ${parsed.text}` };
}
