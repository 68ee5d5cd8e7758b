import { Observable, type OperatorFunction } from '../rx.js';
import type { FramedInput } from './decode-lines.js';

/**
 * The original programs' framing: no newlines, every received chunk is one message.
 * Characters split between chunks are held back, never broken; newlines inside a chunk still
 * separate lines so that nothing a peer sends can start a line of its own unprefixed.
 *
 * ```
 * bytes:  --"hi"--"yo\nho"--|
 * result: --["hi"]--["yo","ho"]--|
 * ```
 */
export function decodeRaw(): OperatorFunction<Uint8Array, FramedInput> {
  return (source) =>
    new Observable<FramedInput>((subscriber) => {
      // Made on the first chunk: a connection that never sends costs no decoder.
      let decoder: TextDecoder | undefined;
      const emit = (text: string): void => {
        const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
        const nonEmpty = lines.filter((line) => line.length > 0);
        if (nonEmpty.length > 0) subscriber.next(nonEmpty);
      };
      return source.subscribe({
        next: (chunk) => emit((decoder ??= new TextDecoder()).decode(chunk, { stream: true })),
        error: (err) => subscriber.error(err),
        complete: () => {
          if (decoder) emit(decoder.decode());
          subscriber.complete();
        },
      });
    });
}
