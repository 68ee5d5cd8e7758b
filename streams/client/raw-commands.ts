/**
 * A line typed with `--framing raw`: the original programs know no commands, so tcpchat's own
 * never go out as text. `/quit` ends the client; the others are not available; `//text` sends
 * the literal `/text`, as with a tcpchat server.
 */
export type RawTyped =
  { readonly kind: 'text'; readonly text: string } | { readonly kind: 'quit' } | { readonly kind: 'unavailable'; readonly command: string };

export function rawTyped(line: string): RawTyped {
  if (line.startsWith('//')) return { kind: 'text', text: line.slice(1) };
  const command = /^\/(\S*)/.exec(line)?.[1];
  if (command === undefined) return { kind: 'text', text: line };
  return command.toLowerCase() === 'quit' ? { kind: 'quit' } : { kind: 'unavailable', command: `/${command}` };
}

export function unavailableInRaw(command: string): string {
  return `${command} is not available in raw mode: the server reads only text (//text sends /text, /quit leaves)`;
}
