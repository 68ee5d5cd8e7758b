/** `--allow` and `--deny` as given: CIDR blocks (`10.0.0.0/8`, `fd00::/8`) or single addresses. */
export interface AccessRules {
  readonly allow: readonly string[];
  readonly deny: readonly string[];
  /** An allow list is in force even when empty (an `--allow-file` with no rules lets nobody in). */
  readonly allowListed?: boolean;
}

/** A block of addresses: the first `length` bits of `bits` (IPv4 in 32 bits, IPv6 in 128). */
export interface AddressBlock {
  readonly family: 4 | 6;
  readonly bits: bigint;
  readonly length: number;
}

/** The rules read, as data the gate checks each connection against. */
export interface AccessList {
  readonly allow: readonly AddressBlock[];
  readonly deny: readonly AddressBlock[];
  /** Only allowed addresses get in (there is an allow rule, or an allow list in force). */
  readonly allowOnly: boolean;
}

export class InvalidCidrError extends Error {
  readonly code = 'INVALID_CIDR';
  constructor(
    readonly option: string,
    readonly text: string,
  ) {
    super(`${option} ${text.trim() === '' ? '""' : text} is not an address or a CIDR block like 192.168.0.0/16 or fd00::/8`);
    this.name = 'InvalidCidrError';
  }
}

/** Reads every rule; throws InvalidCidrError (naming `--allow` or `--deny`) for one it cannot read. */
export function parseAccess(rules: AccessRules): AccessList {
  return {
    allow: rules.allow.map((text) => parseRule(text, '--allow')),
    deny: rules.deny.map((text) => parseRule(text, '--deny')),
    allowOnly: rules.allow.length > 0 || rules.allowListed === true,
  };
}

/**
 * Whether a peer at `ip` (as a socket gives it) may connect: deny wins over allow; with an allow
 * list, only allowed addresses get in. An IPv4 address and its IPv4-mapped IPv6 form
 * (`::ffff:10.0.0.1`, as a dual-stack listener gives it) are one address: rules of either family
 * match both, as Node's BlockList did. A peer whose address cannot be read is refused, unless there
 * are no rules at all.
 */
export function admits(list: AccessList, ip: string): boolean {
  if (!list.allowOnly && list.deny.length === 0) return true;
  const peer = peerForms(ip);
  if (peer.length === 0) return false;
  const matches = (block: AddressBlock): boolean => peer.some((form) => contains(block, form));
  if (list.deny.some(matches)) return false;
  return !list.allowOnly || list.allow.some(matches);
}

/** The first of `blocks` that holds a peer at `ip` (in either of its forms, as `admits` reads it), or -1. The peer is read once. */
export function firstHolding(blocks: readonly AddressBlock[], ip: string): number {
  const peer = peerForms(ip);
  return blocks.findIndex((block) => peer.some((form) => contains(block, form)));
}

/** One rule read: an address with an optional prefix length. Throws InvalidCidrError, naming `option`. */
export function parseRule(text: string, option: string): AddressBlock {
  const [address, prefix, extra] = text.trim().split('/');
  const parsed = parseAddress(address);
  const width = parsed?.family === 6 ? 128 : 32;
  const length = prefix === undefined ? width : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
  if (parsed === undefined || extra !== undefined || !(length >= 0 && length <= width)) throw new InvalidCidrError(option, text);
  return { family: parsed.family, bits: parsed.bits, length };
}

const MASK_32 = 0xffff_ffffn;
/** ::ffff:0:0, the prefix of an IPv4-mapped IPv6 address. */
const MAPPED = 0xffffn << 32n;

function contains(block: AddressBlock, peer: AddressBlock): boolean {
  if (block.family !== peer.family) return false;
  const shift = BigInt(peer.length - block.length);
  return peer.bits >> shift === block.bits >> shift;
}

/**
 * The peer's address in both its forms when it has two: an IPv4 address is also the IPv4-mapped
 * IPv6 one (`::ffff:10.0.0.1`), and the other way round, so rules of either family may match it.
 */
function peerForms(ip: string): AddressBlock[] {
  const address = parseAddress(ip);
  if (address === undefined) return [];
  if (address.family === 4) return [address, { family: 6, bits: MAPPED | address.bits, length: 128 }];
  return address.bits >> 32n === 0xffffn ? [address, { family: 4, bits: address.bits & MASK_32, length: 32 }] : [address];
}

/** A whole address as a block of its own. */
function parseAddress(text: string): AddressBlock | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 4, bits: v4, length: 32 };
  const v6 = parseIpv6(text.replace(/%[\w.:-]+$/, '')); // a zone (fe80::1%eth0) names an interface, not an address
  return v6 === undefined ? undefined : { family: 6, bits: v6, length: 128 };
}

/** Dotted quad, each part 0..255 without leading zeros (which some read as octal). */
function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^(?:0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255)) return undefined;
  return parts.reduce((bits, part) => (bits << 8n) | BigInt(part), 0n);
}

/** Eight groups of up to four hex digits, `::` once for a run of zero groups, the last two may be a dotted quad. */
function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = halves.map((half) => (half === '' ? [] : half.split(':')));
  const last = groups[groups.length - 1];
  const tail = last.length > 0 ? parseIpv4(last[last.length - 1]) : undefined;
  if (tail !== undefined) last.splice(-1, 1, ((tail >> 16n) & 0xffffn).toString(16), (tail & 0xffffn).toString(16));
  const count = groups.reduce((sum, half) => sum + half.length, 0);
  if (halves.length === 1 ? count !== 8 : count > 7) return undefined;
  const all = halves.length === 1 ? groups[0] : [...groups[0], ...Array<string>(8 - count).fill('0'), ...groups[1]];
  if (!all.every((group) => /^[0-9a-f]{1,4}$/i.test(group))) return undefined;
  return all.reduce((bits, group) => (bits << 16n) | BigInt(`0x${group}`), 0n);
}
