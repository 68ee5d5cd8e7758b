import type { OperatorFunction } from '../rx.js';
import { decodeLines, DEFAULT_LINE_LIMITS, type FramedInput, type LineLimits } from './decode-lines.js';
import { decodeRaw } from './decode-raw.js';
import type { Framing } from './encode.js';

export function decoderFor(
  framing: Framing,
  limits: LineLimits = DEFAULT_LINE_LIMITS,
): OperatorFunction<Uint8Array, FramedInput> {
  return framing === 'raw' ? decodeRaw(limits) : decodeLines(limits);
}
