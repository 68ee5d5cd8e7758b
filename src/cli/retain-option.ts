import type { Retention } from '../drivers/history-store.js';
import { parseDuration } from '../../streams/protocol/duration.js';
import { lastOf } from './whole-number.js';

/** `--retain`: how much of each room's history a data directory keeps. A bare number is lines, a duration is age. */

export const DEFAULT_RETENTION_LINES = 100_000;

const LINES = /^\d+$/;
/** A number without a unit: lines, never seconds (as a bare duration elsewhere would be). */
const BARE = /^[\d.]+$/;

export function parseRetention(value: unknown): Retention {
  const text = String(lastOf(value));
  if (LINES.test(text) && Number(text) > 0) return { lines: Number(text) };
  const ms = BARE.test(text) ? undefined : parseDuration(text);
  if (ms === undefined || ms <= 0 || ms > 100 * 365 * 86_400_000)
    throw new Error(
      `--retain takes a number of lines per room (such as 100000) or an age (such as 30d or 12h), not ${JSON.stringify(value)}`,
    );
  return { ms };
}
