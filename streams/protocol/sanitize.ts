/**
 * Control characters never reach a terminal raw: a peer must not be able to move the cursor,
 * clear a line or pose as someone else. C0 controls (but TAB) and DEL become their visible
 * Unicode control pictures (ESC shows as ␛); C1 controls and the bidi overrides and isolates
 * (which would reorder the rest of a line, `<bob> ` included on some terminals) become U+FFFD.
 * Everything else, including every script's letters, the plain bidi marks and emoji, passes
 * through untouched.
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
const EVERY_CONTROL = new RegExp(CONTROL.source, 'g');
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LF = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
/** The controls ASCII text can hold but LF (between lines), as CONTROL_BUT_LF has them. */
const ASCII_CONTROLS = [...Array(0x80).keys()].map((code) => String.fromCharCode(code)).filter((char) => CONTROL_BUT_LF.test(char));
/** Below this length one regex test is quicker than a search per control character. */
const SEARCH_FROM_CHARS = 1024;

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

/**
 * Whether the lines of `joined`, ASCII text with LF between lines, need no sanitizing: it holds no
 * control character but TAB (and LF). A long text is searched once for each control character, a
 * memchr in V8: a read chunk's thousand lines take a quarter of the time of a regex test per
 * line. (In text that is not all ASCII such a search is slow: that is left to `sanitize`.)
 */
export function isPrintableAscii(joined: string): boolean {
  return joined.length < SEARCH_FROM_CHARS ? !CONTROL_BUT_LF.test(joined) : !ASCII_CONTROLS.some((control) => joined.includes(control));
}
