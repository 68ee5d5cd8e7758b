/**
 * Control characters never reach a terminal raw: a peer must not be able to move the cursor,
 * clear a line or pose as someone else. C0 controls (but TAB) and DEL become their visible
 * Unicode control pictures (ESC shows as ␛); C1 controls become U+FFFD. Everything else,
 * including every script's letters and emoji, passes through untouched.
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;
const EVERY_CONTROL = new RegExp(CONTROL.source, 'g');

export function sanitize(text: string): string {
  // Tested without the global flag: most lines have nothing to replace, and that test is faster.
  return CONTROL.test(text) ? text.replace(EVERY_CONTROL, visible) : text;
}

function visible(char: string): string {
  const code = char.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return '\ufffd';
}
