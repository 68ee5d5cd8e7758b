/** Nicks: 1 to 32 letters, digits, `_`, `-`, `.`, `[`, `]`; compared without case. */

export const MAX_NICK_LENGTH = 32;
const NICK = /^[\p{L}\p{M}\p{N}_\-.[\]]+$/u;

/** Returns why `name` cannot be a nick, or undefined when it can. */
export function invalidNickReason(name: string): string | undefined {
  if ([...name].length > MAX_NICK_LENGTH) return `a nick has at most ${MAX_NICK_LENGTH} characters`;
  if (!NICK.test(name)) return 'a nick is letters, digits and _ - . [ ] only';
  return undefined;
}

export function nickKey(name: string): string {
  return name.toLowerCase();
}
