import { CONFUSABLES } from './confusables.js';

/**
 * The confusable skeleton of `text` (Unicode TR39 without its normalisations, which the caller
 * does): each character that looks like another replaced by the prototype it looks like.
 */
export function confusableSkeleton(text: string): string {
  let out = '';
  for (const char of text) out += CONFUSABLES.get(char) ?? char;
  return out;
}
