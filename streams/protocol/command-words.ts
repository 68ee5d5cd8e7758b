/** How a command line is read: its command word, its arguments, and the sentences for a wrong one. */

/** `/name rest...`: the command word lower-cased, the rest trimmed. */
export function splitCommand(line: string): { name: string; rest: string } {
  const { head, tail } = splitWord(line.slice(1));
  return { name: head.toLowerCase(), rest: tail };
}

export function splitWord(text: string): { head: string; tail: string } {
  const trimmed = text.trim();
  const space = trimmed.search(/\s/);
  if (space === -1) return { head: trimmed, tail: '' };
  return { head: trimmed.slice(0, space), tail: trimmed.slice(space + 1).trim() };
}

export function usage(form: string): { kind: 'invalid'; error: string } {
  return { kind: 'invalid', error: `usage: ${form}` };
}

export function unknown(name: string): { kind: 'invalid'; error: string } {
  return { kind: 'invalid', error: `unknown command /${name}; try /help` };
}
