import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Client } from './client.js';

export const MiB = 1024 * 1024;

/** A process's resident memory (VmRSS) or its peak since the last reset (VmHWM), in MiB, from /proc. */
export function memoryMiB(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** Starts measuring a process's peak memory afresh (VmHWM back to the current VmRSS). */
export function resetPeakMemory(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** How many file descriptors a process has open. */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/**
 * Resolves with the process's fd count once it is `expected`, or the last count after `ms`.
 * Nothing reports a process closing a socket, so this polls /proc (every 20 ms, bounded).
 */
export async function fdsSettle(pid: number, expected: number, ms = 2000): Promise<number> {
  const deadline = performance.now() + ms;
  let fds = openFds(pid);
  while (fds !== expected && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    fds = openFds(pid);
  }
  return fds;
}

export interface Latencies {
  readonly rounds: number;
  readonly maxMs: number;
  readonly medianMs: number;
}

export interface ChatLimits {
  /** Rounds made at least, even if `until` settles sooner. */
  readonly minRounds?: number;
  readonly maxRounds?: number;
  /** Stops starting rounds after this long. */
  readonly maxMs?: number;
  /** Pause between rounds, so the probe is a person chatting, not a load of its own. */
  readonly paceMs?: number;
  /** Longest wait for one line before the probe fails. */
  readonly waitMs?: number;
  /** 'room' (relay mode, the default) or 'private' (/msg, which console mode has too). */
  readonly via?: 'room' | 'private';
}

/**
 * Two clients chatting while something else happens: `a` says a line (to the room, or privately),
 * `b` answers when it arrives, and each round trip is timed, until `until` settles (or the bounds are reached).
 * It fails if a line does not arrive within `waitMs`, so a stalled bystander fails the test.
 */
export async function bystanders(
  [a, aNick]: [Client, string],
  [b, bNick]: [Client, string],
  until: Promise<unknown>,
  limits: ChatLimits = {},
): Promise<Latencies> {
  const { minRounds = 3, maxRounds = 2000, maxMs = 15_000, paceMs = 10, waitMs = 5000, via = 'room' } = limits;
  const say = (to: string, text: string): string => (via === 'room' ? `${text}\n` : `/msg ${to} ${text}\n`);
  const heard = (from: string, text: string): string => (via === 'room' ? `<${from}> ${text}` : `*${from}* ${text}`);
  let settled = false;
  until.then(
    () => (settled = true),
    () => (settled = true),
  );
  const latencies: number[] = [];
  const started = performance.now();
  for (let round = 0; round < maxRounds && (round < minRounds || (!settled && performance.now() - started < maxMs)); round++) {
    const t0 = performance.now();
    const bFrom = b.lines.all.length;
    a.send(say(bNick, `ping ${round}`));
    await b.lines.waitFor(heard(aNick, `ping ${round}`), waitMs, bFrom);
    const aFrom = a.lines.all.length;
    b.send(say(aNick, `pong ${round}`));
    await a.lines.waitFor(heard(bNick, `pong ${round}`), waitMs, aFrom);
    latencies.push(performance.now() - t0);
    await new Promise((resolve) => setTimeout(resolve, paceMs));
  }
  const sorted = [...latencies].sort((x, y) => x - y);
  return { rounds: latencies.length, maxMs: sorted.at(-1) ?? NaN, medianMs: sorted[Math.floor(sorted.length / 2)] ?? NaN };
}

/** Rounded for a log line. */
export const ms = (value: number): string => `${Math.round(value)} ms`;
