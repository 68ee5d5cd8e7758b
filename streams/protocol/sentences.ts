/**
 * The sentences tcpchat's client must recognise, made here (the server's side). The protocol
 * side adds the parse of each; the text is the contract between the two.
 */

export type ServerMode = 'room' | 'console-only';

/** "* welcome to NAME, you are NICK in #lobby; /help lists commands" (rooms), or the console-only one. */
export function formatWelcome(w: { server: string; nick: string; room?: string }): string {
  return w.room === undefined
    ? `* welcome to ${w.server}, you are ${w.nick}; only ${w.server} hears you; /help lists commands`
    : `* welcome to ${w.server}, you are ${w.nick} in ${w.room}; /help lists commands`;
}

/** "* you are now NICK", or a forced one: "* WHY; you are now NICK". */
export function formatRenamed(nick: string, why?: string): string {
  return why === undefined ? `* you are now ${nick}` : `* ${why}; you are now ${nick}`;
}

/** "* you are NICK": the nick asked for is the one held already. */
export function formatYouAre(nick: string): string {
  return `* you are ${nick}`;
}

/** "* you are now in #dev (3 here); topic: TEXT" or "... (1 here); no topic". */
export function formatInRoom(r: { room: string; members: number; topic?: string }): string {
  return `* you are now in ${r.room} (${r.members} here); ${r.topic === undefined ? 'no topic' : `topic: ${r.topic}`}`;
}

/** "* history: the last N lines" (one line: "the last 1 line"). */
export function formatHistoryStart(count: number): string {
  return `* history: the last ${count} ${count === 1 ? 'line' : 'lines'}`;
}

export function formatHistoryEnd(): string {
  return '* end of history';
}
