import type { AdmissionLimits } from '../../streams/server/admission.js';

/** Descriptors kept for everything but client sockets: Redis, metrics, files read on SIGHUP. */
const RESERVED = 32;
/** Room between the clients admitted and the sockets accepted: refused or closed ones linger a while. */
const LINGERING = 32;

export interface DescriptorBudget {
  /** Sockets the listener may hold at once; past it a connection is closed unanswered (and counted). */
  readonly sockets: number;
  /** The admission limits, `maxClients` lowered to what the descriptors allow. */
  readonly admission: AdmissionLimits;
  /** Said once at start when the limit lowers `--max-clients`. */
  readonly warning?: string;
}

/**
 * Fits the number of clients to the open-file limit, so that a full server tells newcomers
 * `! server full` instead of running out of descriptors (where the system accepts and closes
 * connections without a word). Undefined when the limit is unknown or too small to plan with.
 */
export function descriptorBudget(
  files: { readonly limit: number; readonly open: number } | undefined,
  admission: AdmissionLimits,
): DescriptorBudget | undefined {
  if (files === undefined) return undefined;
  const sockets = files.limit - files.open - RESERVED;
  const clients = sockets - LINGERING;
  if (clients < 1) return undefined;
  if (clients >= admission.maxClients) return { sockets, admission };
  return {
    sockets,
    admission: { ...admission, maxClients: clients },
    warning: `at most ${clients} clients, not ${admission.maxClients}: the open-file limit is ${files.limit} (raise it with ulimit -n, or LimitNOFILE= in a systemd unit)`,
  };
}

/** The stderr line for connections closed unanswered in one burst. */
export function droppedSentence(count: number, limit: number | undefined): string {
  const what = count === 1 ? '1 connection' : `${count} connections`;
  return `out of file descriptors: closed ${what} unanswered (open-file limit ${limit ?? 'unknown'}; raise it with ulimit -n, or LimitNOFILE= in a systemd unit)`;
}
