import { ASCII_CONFUSABLES } from './confusables-ascii.js';
import { CONFUSABLES } from './confusables.js';

/**
 * The confusable skeleton of `text` (Unicode TR39 without its normalisations, which the caller
 * does): each character that looks like another replaced by the prototype it looks like. ASCII
 * characters are looked up in their own small table, so ASCII text (the console's nick, guests)
 * never needs the whole one: the bundle loads that at its first use (src/build/deferred-modules.ts).
 */
export function confusableSkeleton(text: string): string {
  let out = '';
  for (const char of text) out += (char < '\x80' ? ASCII_CONFUSABLES : CONFUSABLES).get(char) ?? char;
  return out;
}
