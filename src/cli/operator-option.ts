import { invalidNickReason, isGuestNick, normalizeNick } from '../../streams/protocol/nick.js';

/** `--operator NICK` (repeatable): registered nicks that moderate once identified. Throws one sentence for a nick that cannot be one. */
export function parseOperators(given: unknown): string[] {
  const nicks = (Array.isArray(given) ? given : [given]).map(String);
  for (const nick of nicks) {
    const invalid = invalidNickReason(nick) ?? (isGuestNick(nick) ? 'a guest nick is nobody’s to register' : undefined);
    if (invalid) throw new Error(`--operator ${JSON.stringify(nick)}: ${invalid}`);
  }
  return nicks.map(normalizeNick);
}
