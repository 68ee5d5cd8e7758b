import { keepLatest } from '../keep-latest.js';
/**
 * Who may come in: a cap on all connections, a cap per address (loopback exempt unless the cap
 * was asked for), and a lockout for addresses that keep failing the password.
 * Owned by one router and updated in place, like the roster.
 */

export interface AdmissionLimits {
  readonly maxClients: number;
  readonly maxPerAddress: number;
  /** True when --max-per-address was given: then loopback counts too. */
  readonly limitLoopback: boolean;
  /** Failed passwords from one address before it is refused for `lockoutMs`. */
  readonly maxAuthFailures: number;
  readonly lockoutMs: number;
}

export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = {
  maxClients: 10_000,
  maxPerAddress: 32,
  limitLoopback: false,
  maxAuthFailures: 5,
  lockoutMs: 60_000,
};

const MAX_REMEMBERED_FAILURES = 10_000;

export interface Admission {
  readonly limits: AdmissionLimits;
  readonly perAddress: Map<string, number>;
  readonly failures: Map<string, { count: number; lockedUntil: number }>;
  total: number;
}

export function createAdmission(limits: AdmissionLimits): Admission {
  return { limits, perAddress: new Map(), failures: new Map(), total: 0 };
}

/** Counts the connection in, or says in a few words why it is refused. */
export function admit(admission: Admission, ip: string, now: number): { ok: true } | { ok: false; reason: string } {
  const { limits } = admission;
  if (isLockedOut(admission, ip, now)) return { ok: false, reason: 'too many failed passwords; try again later' };
  if (admission.total >= limits.maxClients) return { ok: false, reason: 'server full' };
  const here = admission.perAddress.get(ip) ?? 0;
  if (here >= limits.maxPerAddress && (limits.limitLoopback || !isLoopback(ip))) {
    return { ok: false, reason: `too many connections from ${ip}` };
  }
  admission.total += 1;
  admission.perAddress.set(ip, here + 1);
  return { ok: true };
}

export function release(admission: Admission, ip: string): void {
  admission.total -= 1;
  const here = (admission.perAddress.get(ip) ?? 1) - 1;
  if (here > 0) admission.perAddress.set(ip, here);
  else admission.perAddress.delete(ip);
}

/** Failures counted per address, and the lockout they lead to (the door's passwords, or registered nicks' secrets). */
export type Failures = Pick<Admission, 'limits' | 'failures'>;

export function isLockedOut(failures: Failures, ip: string, now: number): boolean {
  return (failures.failures.get(ip)?.lockedUntil ?? 0) > now;
}

export function recordAuthFailure(admission: Failures, ip: string, now: number): void {
  const previous = admission.failures.get(ip);
  const count =
    previous && previous.lockedUntil <= now && previous.count >= admission.limits.maxAuthFailures ? 1 : (previous?.count ?? 0) + 1;
  const lockedUntil = count >= admission.limits.maxAuthFailures ? now + admission.limits.lockoutMs : 0;
  // Many addresses failing once must not grow memory without bound: the oldest are forgotten.
  keepLatest(admission.failures, ip, { count, lockedUntil }, MAX_REMEMBERED_FAILURES);
}

export function recordAuthSuccess(admission: Failures, ip: string): void {
  admission.failures.delete(ip);
}

export function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
}
