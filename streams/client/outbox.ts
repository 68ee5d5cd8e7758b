import { utf8Length } from '../framing/utf8-length.js';

/**
 * Lines the person typed that the server has not acknowledged yet: sent ones wait for their ack,
 * and while disconnected new ones wait here too. Bounded in lines and bytes; when full the
 * oldest are dropped and counted, so the caller can say so (never silently).
 */

export interface OutboxLimits {
  readonly maxLines: number;
  readonly maxBytes: number;
}

export const DEFAULT_OUTBOX_LIMITS: OutboxLimits = { maxLines: 1000, maxBytes: 256 * 1024 };
/** No drops: for input that pauses when the outbox is half full (a pipe), which bounds it instead. */
export const NEVER_FULL: OutboxLimits = { maxLines: Infinity, maxBytes: Infinity };

export interface OutboxItem {
  readonly id: string;
  readonly line: string;
}

export interface Outbox {
  readonly items: readonly OutboxItem[];
  readonly bytes: number;
}

export const EMPTY_OUTBOX: Outbox = { items: [], bytes: 0 };

const size = (item: OutboxItem): number => utf8Length(item.line);

/** Adds an item; returns the new outbox and the lines that had to be dropped to make room. */
export function enqueue(outbox: Outbox, item: OutboxItem, limits: OutboxLimits): { outbox: Outbox; dropped: OutboxItem[] } {
  const items = [...outbox.items, item];
  let bytes = outbox.bytes + size(item);
  let drop = 0;
  while (items.length - drop > limits.maxLines || (bytes > limits.maxBytes && items.length - drop > 1)) {
    bytes -= size(items[drop]);
    drop += 1;
  }
  return { outbox: { items: items.slice(drop), bytes }, dropped: items.slice(0, drop) };
}

/** Forgets the acknowledged line, and any before it (acks come in order). */
export function acknowledge(outbox: Outbox, id: string): Outbox {
  const index = outbox.items.findIndex((item) => item.id === id);
  if (index === -1) return outbox;
  const gone = outbox.items.slice(0, index + 1);
  return { items: outbox.items.slice(index + 1), bytes: outbox.bytes - gone.reduce((sum, item) => sum + size(item), 0) };
}

/** How full the outbox is, as the larger share of either limit (0 empty, 1 full). */
export function outboxFilled(outbox: Outbox, limits: OutboxLimits): number {
  return Math.max(outbox.items.length / limits.maxLines, outbox.bytes / limits.maxBytes);
}
