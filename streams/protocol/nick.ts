import { confusableSkeleton } from './skeleton.js';

/**
 * Nicks: 1 to 32 letters, digits, `_`, `-`, `.`, `[`, `]`, kept in NFKC form. Two nicks are the
 * same when they look alike: compared without case, by their confusable skeleton (Unicode TR39),
 * so Cyrillic `аlice`, fullwidth `ａlice` or bold `𝐚𝐥𝐢𝐜𝐞` cannot pass as `alice`.
 */

export const MAX_NICK_LENGTH = 32;
const ASCII_NICK = /^[A-Za-z0-9_\-.[\]]+$/;
/**
 * The same for every script. Made when a nick is not ASCII: making it builds ICU's sets of letters,
 * marks and digits, some ms that a server's start (which checks its own `--name`) would otherwise
 * spend. V8 keeps what it built for the pattern, so later nicks do not build them again.
 */
const unicodeNick = (): RegExp => new RegExp('^[\\p{L}\\p{M}\\p{N}_\\-.[\\]]+$', 'u');
/** Every normalisation form leaves ASCII as it is: such text skips ICU's normaliser, whose first use costs a start some ms. */
const ASCII = /^[\x00-\x7f]*$/;

const normalized = (text: string, form: 'NFKC' | 'NFD'): string => (ASCII.test(text) ? text : text.normalize(form));

/** Returns why `name` cannot be a nick, or undefined when it can. */
export function invalidNickReason(name: string): string | undefined {
  if ([...name].length > MAX_NICK_LENGTH) return `a nick has at most ${MAX_NICK_LENGTH} characters`;
  if (!(ASCII.test(name) ? ASCII_NICK : unicodeNick()).test(name)) return 'a nick is letters, digits and _ - . [ ] only';
  return undefined;
}

/** The form a nick is kept and shown in: compatibility characters (fullwidth, bold...) become plain ones. */
export function normalizeNick(name: string): string {
  return normalized(name, 'NFKC');
}

/**
 * What nicks are compared by: equal for look-alikes. Case is folded first (the skeleton keeps
 * case), and again after it, since the skeleton maps some small letters and digits to capitals
 * (`0` to `O`). A dot above an `i` or `j` goes, as their own dot hides it (TR39 5.4: a mark that
 * looks like nothing added). Last, `i` counts as `l`: a capital `I` looks like `l` and, without
 * case, is `i`, so `aIice` would otherwise pass as `alice`.
 */
export function nickKey(name: string): string {
  const skeleton = normalized(confusableSkeleton(normalized(normalizeNick(name).toLowerCase(), 'NFD')), 'NFD').toLowerCase();
  const key = skeleton.replace(/([ij])\u0307/gu, '$1').replaceAll('i', 'l');
  // The nick itself when it is its own key (`guest-3`): the table of nicks then keeps no second copy.
  return key === name ? name : key;
}

/** Why `wanted` cannot be had while `holder` is taken: taken, or only looking like it. */
export function nickTakenReason(wanted: string, holder: string): string {
  return wanted.toLowerCase() === holder.toLowerCase() ? `nick ${wanted} is taken` : `nick ${wanted} looks like ${holder}, which is taken`;
}

const GUEST = /^guest-\d+$/i;
/** A guest nick as a server gives it: lower case, its number without leading zeros, and small. */
const GIVEN_GUEST = /^guest-[1-9]\d{0,8}$/;

/** A nick a server gives to whoever has none of their own (`guest-3`): nobody's to keep or register. */
export function isGuestNick(nick: string): boolean {
  return GUEST.test(nick);
}

/** The number of a guest nick as a server gives it (`guest-602`: 602), or undefined for any other nick. */
export function guestNumber(nick: string): number | undefined {
  return GIVEN_GUEST.test(nick) ? Number(nick.slice('guest-'.length)) : undefined;
}
