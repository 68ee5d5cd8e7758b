import type { Writable } from 'node:stream';

/** Resolves once what was written to `stream` is handed on; at once when the stream is gone (a closed pipe). */
export function flushed(stream: Writable): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return Promise.resolve();
  return new Promise((resolve) => stream.write('', () => resolve()));
}
