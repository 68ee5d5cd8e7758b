import { BlockList, isIP } from 'node:net';

/** `--allow` and `--deny` as given: CIDR blocks (`10.0.0.0/8`, `fd00::/8`) or single addresses. */
export interface AccessRules {
  readonly allow: readonly string[];
  readonly deny: readonly string[];
  /** An allow list is in force even when empty (an `--allow-file` with no rules lets nobody in). */
  readonly allowListed?: boolean;
}

export interface AccessList {
  /** Whether a peer at `ip` (as `socket.remoteAddress` gives it) may connect. */
  admits(ip: string): boolean;
}

export class InvalidCidrError extends Error {
  readonly code = 'INVALID_CIDR';
  constructor(readonly option: string, readonly text: string) {
    super(`${option} ${text.trim() === '' ? '""' : text} is not an address or a CIDR block like 192.168.0.0/16 or fd00::/8`);
    this.name = 'InvalidCidrError';
  }
}

/**
 * Deny wins over allow; with any allow rule, only allowed addresses get in. Built on Node's
 * BlockList, which also matches IPv4-mapped IPv6 peers (`::ffff:10.0.0.1`) against IPv4 rules.
 * Throws InvalidCidrError for a rule it cannot read.
 */
export function accessList(rules: AccessRules): AccessList {
  const allow = blockList(rules.allow, '--allow');
  const deny = blockList(rules.deny, '--deny');
  const open = rules.allow.length === 0 && !rules.allowListed;
  if (open && rules.deny.length === 0) return { admits: () => true };
  return {
    admits(ip) {
      const version = isIP(ip);
      if (version === 0) return false; // no address, no way to tell: refuse
      const family = version === 6 ? 'ipv6' : 'ipv4';
      if (deny.check(ip, family)) return false;
      return open || allow.check(ip, family);
    },
  };
}

function blockList(texts: readonly string[], option: string): BlockList {
  const list = new BlockList();
  for (const text of texts) {
    const { address, length, family } = parseRule(text, option);
    list.addSubnet(address, length, family);
  }
  return list;
}

/** One rule read: the address, the prefix length, the family. Throws InvalidCidrError, naming `option`. */
export function parseRule(text: string, option: string): { address: string; length: number; family: 'ipv4' | 'ipv6' } {
  const [address, prefix, extra] = text.trim().split('/');
  const version = isIP(address);
  const bits = version === 6 ? 128 : 32;
  const length = prefix === undefined ? bits : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
  if (version === 0 || extra !== undefined || !(length >= 0 && length <= bits)) throw new InvalidCidrError(option, text);
  return { address, length, family: version === 6 ? 'ipv6' : 'ipv4' };
}
