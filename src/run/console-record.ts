import type { Writable } from 'node:stream';
import { encodeLines } from '../../streams/framing/encode.js';
import type { LogEntry } from '../../streams/server/events.js';
import { jsonLines, logEntryLines, remoteText } from '../../streams/server/log-line.js';
import { renderServerLine } from './style.js';

/** Unwritten console output beyond which the conversation, then everything, is left out of the record (and counted). */
export const CONVERSATION_BACKLOG_BYTES = 1024 * 1024;
export const CONSOLE_BACKLOG_BYTES = 8 * 1024 * 1024;

/** What `--quiet` leaves out: what is said, here or on another node (`remote`: its lines and actions). */
const CONVERSATION: ReadonlySet<LogEntry['type']> = new Set(['messages', 'action', 'private', 'remote']);

export interface ConsoleRecordOptions {
  /** Where the record goes (stdout); its `writableLength` is the backlog a stalled reader leaves. */
  readonly output: Writable;
  /** Prints lines through the console (above its prompt on a terminal). */
  readonly print: (lines: readonly string[]) => void;
  /** The console is a terminal someone types at (its prompt must be kept). */
  readonly interactive: boolean;
  /** `--quiet`: joins, leaves and errors, not the conversation. */
  readonly quiet: boolean;
  readonly json: boolean;
  readonly colour: boolean;
  /** An ISO time before each line. */
  readonly stamps: boolean;
  readonly now: () => Date;
  /** Told, once the output drains, how many lines were left out. */
  readonly warn: (text: string) => void;
}

/**
 * The console's record of what the core logs. A reader of our output that stalls (`serve | slow`)
 * must not grow memory without bound: past one backlog the conversation is left out of the record
 * (joins, leaves and errors stay), past a larger one everything is; what is left out is counted
 * and told once the output drains.
 */
export function consoleRecord(options: ConsoleRecordOptions): (all: readonly LogEntry[], bytes?: Uint8Array) => void {
  const { output } = options;
  let unrecorded = 0;
  const tellUnrecorded = (): void => {
    options.warn(`${unrecorded} console ${unrecorded === 1 ? 'line was' : 'lines were'} dropped while nobody read the output`);
    unrecorded = 0;
  };
  // The plain record of one batch can be the bytes its recipients got, already encoded.
  const plain = !options.colour && !options.json && !options.interactive;

  // `bytes`: what the lines of a lone batch of messages were sent to the room as, when the core says.
  return (all, bytes) => {
    const entries = options.quiet ? all.filter(notConversation) : all;
    if (entries.length === 0) return;
    const backlog = output.writableLength;
    const kept = backlog > CONSOLE_BACKLOG_BYTES ? [] : backlog > CONVERSATION_BACKLOG_BYTES ? entries.filter(notConversation) : entries;
    if (kept.length < entries.length) {
      if (unrecorded === 0) output.once('drain', tellUnrecorded);
      unrecorded += lineCount(entries) - lineCount(kept);
      if (kept.length === 0) return;
    }
    const [first] = kept;
    if (kept.length === 1 && plain && (first.type === 'messages' || first.type === 'remote')) {
      // A busy room's record: a batch as its recipients got it (another node's with its node), in one write.
      const stamp = options.stamps ? `${options.now().toISOString()} ` : '';
      if (first.lines.length === 0) return;
      if (first.type === 'remote') output.write(remoteText(first, stamp));
      else output.write(stamp ? `${stamp}${first.lines.join(`\n${stamp}`)}\n` : (bytes ?? encodeLines(first.lines)));
      return;
    }
    const lines = kept.flatMap((entry) => (options.json ? jsonLines(entry, options.now()) : consoleLines(entry, options.colour)));
    options.print(options.stamps && !options.json ? timed(lines, options.now()) : lines);
  };
}

const notConversation = (entry: LogEntry): boolean => !CONVERSATION.has(entry.type);

/** Each line after the time in ISO 8601 (one time for the batch): a log a service manager can keep. */
function timed(lines: readonly string[], now: Date): string[] {
  const time = `${now.toISOString()} `;
  return lines.map((line) => time + line);
}

/** How many console lines entries make: a batch of messages, or of lines from another node, is one line each. */
function lineCount(entries: readonly LogEntry[]): number {
  let count = 0;
  for (const entry of entries) count += entry.type === 'messages' ? entry.texts.length : entry.type === 'remote' ? entry.lines.length : 1;
  return count;
}

/** How the console shows an entry; messages without colour (the bulk of a busy room's record) as the room got them. */
function consoleLines(entry: LogEntry, colour: boolean): readonly string[] {
  if (entry.type === 'messages' && !colour) return entry.lines;
  return logEntryLines(entry).map((line) => renderServerLine(line, colour));
}
