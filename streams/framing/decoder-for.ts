import { map, type OperatorFunction } from '../rx.js';
import { LineTooLongError } from '../errors.js';
import {
  decodeLineBatches,
  decodeLines,
  DEFAULT_LINE_LIMITS,
  type FramedBatch,
  type FramedInput,
  type LineLimits,
} from './decode-lines.js';
import { decodeRaw } from './decode-raw.js';
import type { Framing } from './encode.js';

export function decoderFor(framing: Framing, limits: LineLimits = DEFAULT_LINE_LIMITS): OperatorFunction<Uint8Array, FramedInput> {
  return framing === 'raw' ? decodeRaw(limits) : decodeLines(limits);
}

/** `decoderFor` in batches that say whether they are printable ASCII (the raw framing's never know). */
export function batchDecoderFor(framing: Framing, limits: LineLimits = DEFAULT_LINE_LIMITS): OperatorFunction<Uint8Array, FramedBatch> {
  if (framing !== 'raw') return decodeLineBatches(limits);
  const raw = decodeRaw(limits);
  return (source) => source.pipe(raw, map(unknownBatch));
}

const unknownBatch = (framed: FramedInput): FramedBatch =>
  framed instanceof LineTooLongError ? framed : { lines: framed, printable: false };
