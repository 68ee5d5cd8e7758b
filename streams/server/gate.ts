import { admits, type AccessList } from '../limits/access.js';
import { constantTimeEqual } from '../limits/constant-time-equal.js';
import { splitCommand } from '../protocol/client-command.js';
import { admit, createAdmission, recordAuthFailure, recordAuthSuccess, release, type AdmissionLimits } from './admission.js';
import type { ConnId } from './roster.js';

export interface GateOptions {
  readonly admission: AdmissionLimits;
  /** When set, a connection's first line must be `/pass` with this secret. */
  readonly password?: string;
  /** `--allow`/`--deny`: who may connect at all (everyone when unset). */
  readonly access?: AccessList;
  readonly now: () => number;
}

export type Verdict = { readonly kind: 'join' } | { readonly kind: 'wait-for-password' } | { readonly kind: 'refuse'; readonly reason: string };

/**
 * The door before the roster: the access list, connection caps, and the password when there is one. A connection
 * that has not given the password is never a member, so it can neither read nor send chat.
 */
export interface Gate {
  open(id: ConnId, ip: string): Verdict;
  /** The first line of a connection waiting for the password. */
  answer(id: ConnId, line: string): Verdict;
  waiting(id: ConnId): boolean;
  /** The password deadline passed: refuses the connection if it is still waiting. */
  expire(id: ConnId): Verdict | undefined;
  closed(id: ConnId): void;
  /** A new password, for answers from now on (a server without one keeps having none). */
  rekey(password: string): void;
  /** A new access list (a reload), for connections from now on. */
  reaccess(access: AccessList): void;
}

export function createGate(options: GateOptions): Gate {
  const admission = createAdmission(options.admission);
  const admitted = new Map<ConnId, string>();
  const waitingIps = new Map<ConnId, string>();
  let password = options.password;
  let access = options.access;

  return {
    open(id, ip) {
      // Before the caps, so a refused address takes no place among them.
      if (access && !admits(access, ip)) return { kind: 'refuse', reason: 'access denied' };
      const entry = admit(admission, ip, options.now());
      if (!entry.ok) return { kind: 'refuse', reason: entry.reason };
      admitted.set(id, ip);
      if (password === undefined) return { kind: 'join' };
      waitingIps.set(id, ip);
      return { kind: 'wait-for-password' };
    },
    answer(id, line) {
      const ip = waitingIps.get(id);
      if (ip === undefined || password === undefined) return { kind: 'refuse', reason: 'not waiting for a password' };
      waitingIps.delete(id);
      const { name, rest } = line.startsWith('/') ? splitCommand(line) : { name: '', rest: '' };
      if (name === 'pass' && constantTimeEqual(rest, password)) {
        recordAuthSuccess(admission, ip);
        return { kind: 'join' };
      }
      recordAuthFailure(admission, ip, options.now());
      return { kind: 'refuse', reason: 'authentication failed' };
    },
    waiting: (id) => waitingIps.has(id),
    expire(id) {
      if (!waitingIps.delete(id)) return undefined;
      return { kind: 'refuse', reason: 'authentication timed out' };
    },
    closed(id) {
      const ip = admitted.get(id);
      if (ip === undefined) return;
      admitted.delete(id);
      waitingIps.delete(id);
      release(admission, ip);
    },
    rekey(next) {
      if (password !== undefined) password = next;
    },
    reaccess(next) {
      access = next;
    },
  };
}
