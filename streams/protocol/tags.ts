/**
 * IRCv3-style message tags: `@key=value;key2=value2 text`. Only connections that asked for them
 * (tcpchat's own client, with `/cap tcpchat`) send or receive tagged lines; plain clients never see one.
 * Values are escaped as IRCv3 says: `;` as `\:`, space as `\s`, `\` as `\\`, CR as `\r`, LF as `\n`.
 */

export type Tags = Readonly<Record<string, string>>;

export interface TaggedLine {
  readonly tags: Tags;
  readonly text: string;
}

const ESCAPES: Readonly<Record<string, string>> = { ';': '\\:', ' ': '\\s', '\\': '\\\\', '\r': '\\r', '\n': '\\n' };
const UNESCAPES: Readonly<Record<string, string>> = { ':': ';', s: ' ', '\\': '\\', r: '\r', n: '\n' };

export function formatTagged(tags: Tags, text: string): string {
  const keys = Object.keys(tags);
  if (keys.length === 0) return text;
  const encoded = keys.map((key) => (tags[key] === '' ? key : `${key}=${escapeValue(tags[key])}`)).join(';');
  return text === '' ? `@${encoded}` : `@${encoded} ${text}`;
}

/** A line without a leading `@` has no tags. */
export function parseTagged(line: string): TaggedLine {
  if (!line.startsWith('@')) return { tags: {}, text: line };
  const space = line.indexOf(' ');
  const head = space === -1 ? line.slice(1) : line.slice(1, space);
  const text = space === -1 ? '' : line.slice(space + 1);
  // No prototype: a key like `__proto__` is kept as a tag, and a missing key (`constructor`) reads as undefined.
  const tags: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const pair of head.split(';')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = equals === -1 ? pair : pair.slice(0, equals);
    if (!Object.hasOwn(tags, key)) tags[key] = equals === -1 ? '' : unescapeValue(pair.slice(equals + 1));
  }
  return { tags, text };
}

function escapeValue(value: string): string {
  return value.replace(/[; \\\r\n]/g, (char) => ESCAPES[char]);
}

function unescapeValue(value: string): string {
  return value.replace(/\\(.?)/g, (_, char: string) => (Object.hasOwn(UNESCAPES, char) ? UNESCAPES[char] : char));
}

/** `@ack=ID`: the server handled the typed lines up to the one tagged `id=ID`. */
export function formatAck(id: string): string {
  return formatTagged({ ack: id }, '');
}

/** The id a line's tags acknowledge, if they are an ack. */
export function parseAck(tags: Tags): string | undefined {
  return tags.ack;
}
