import { parseDuration } from './duration.js';
import { splitCommand, splitWord, unknown, usage } from './command-words.js';
import { isModeration, MODERATION_HELP, moderate, parseModeration, type ModerationCommand } from './moderation-command.js';

/** What a client's line asks for. Plain text is a message; `//text` is the literal `/text`. */
export type ClientCommand =
  | { kind: 'say'; text: string }
  | { kind: 'nick'; name: string }
  | { kind: 'msg'; to: string; text: string }
  | { kind: 'me'; text: string }
  /** `/who [#ROOM]`: your room, or another. */
  | { kind: 'who'; room?: string }
  /** `/join #ROOM`, `/part` (back to the first room), `/rooms`, `/topic [TEXT]` (empty: show it). */
  | { kind: 'join'; room: string }
  | { kind: 'part' }
  | { kind: 'rooms' }
  | { kind: 'topic'; text: string }
  | { kind: 'help' }
  | { kind: 'quit'; reason: string }
  /** `/pass` after the door: the secret is dropped here and never logged. */
  | { kind: 'pass' }
  /**
   * `/register [SECRET]`: bind your nick to a secret (never logged, never echoed), and to the client
   * certificate the connection presented, if any; without a secret, to the certificate alone.
   */
  | { kind: 'register'; secret?: string }
  /** `/identify NICK SECRET`: prove a registered nick is yours, and take it. */
  | { kind: 'identify'; nick: string; secret: string }
  /** `/unregister`: drop the registration of your nick. */
  | { kind: 'unregister' }
  /** `/cap tcpchat [session=S] [resume=EPOCH:SEQ] [privates=RUN:N] [room=#ROOM]`: tcpchat's own client asks for tags. */
  | { kind: 'cap'; name: string; params: Readonly<Record<string, string>> }
  | { kind: 'history'; count: number }
  /** `/history since 2h`: the room's lines of that last while, in ms. */
  | { kind: 'history-since'; ms: number }
  /** `/search WORDS`: the room's lines that hold every word. */
  | { kind: 'search'; words: readonly string[] }
  /** `/kick`, `/ban`, `/mute`, `/lock`... (operators only; `/op`, `/deop` at the console only). */
  | { kind: 'moderate'; command: ModerationCommand }
  | { kind: 'ignore' }
  | { kind: 'invalid'; error: string };

export const CLIENT_HELP: readonly string[] = [
  'commands:',
  '  /nick NAME       change your nick',
  '  /msg NAME TEXT   a private message, to anyone in any room',
  '  /me TEXT         an action',
  '  /who [#ROOM]     who is in your room, or in another',
  '  /join #ROOM      move to a room (made if there is none)',
  '  /part            back to the first room',
  '  /rooms           the rooms, with how many are in each and their topics',
  '  /topic [TEXT]    show or set the topic of your room',
  '  /history [N]     the last N lines said here (20, at most 50)',
  '  /history since D the lines said here in the last D (30m, 2h, 1d)',
  '  /search WORDS    the lines said here that hold every word (with --data, or a cluster)',
  '  /register SECRET bind your nick to a secret: then only /identify takes it',
  '  /register        over TLS with a client certificate: bind your nick to it',
  '  /identify NICK SECRET  prove a registered nick is yours, and take it',
  '  /unregister      drop the registration of your nick',
  '  /quit [REASON]   leave',
  '  //TEXT           send TEXT that starts with a slash',
  'operators (serve --operator NICK, or /op at the console; identified for that nick):',
  ...MODERATION_HELP,
];

/**
 * A line whose first character is printable ASCII other than `/`: neither blank nor a command,
 * so what `parseClientLine` would call plain chat, told without parsing (a busy room's hot path).
 */
export function startsLikeChat(line: string): boolean {
  const first = line.charCodeAt(0);
  return first > 0x20 && first < 0x7f && first !== 0x2f;
}

export function parseClientLine(line: string): ClientCommand {
  if (line.trim().length === 0) return { kind: 'ignore' };
  if (!line.startsWith('/')) return { kind: 'say', text: line };
  if (line.startsWith('//')) return { kind: 'say', text: line.slice(1) };
  const { name, rest } = splitCommand(line);
  switch (name) {
    case 'nick':
      return rest ? { kind: 'nick', name: rest } : usage('/nick NAME');
    case 'msg': {
      const { head, tail } = splitWord(rest);
      return head && tail ? { kind: 'msg', to: head, text: tail } : usage('/msg NAME TEXT');
    }
    case 'me':
      return rest ? { kind: 'me', text: rest } : usage('/me TEXT');
    case 'who':
      // Only a word that looks like a room: `/who is here` is still plain /who.
      return rest.startsWith('#') ? { kind: 'who', room: splitWord(rest).head } : { kind: 'who' };
    case 'join':
      return rest ? { kind: 'join', room: rest } : usage('/join #ROOM');
    case 'part':
      return { kind: 'part' };
    case 'rooms':
      return { kind: 'rooms' };
    case 'topic':
      return { kind: 'topic', text: rest };
    case 'help':
      return { kind: 'help' };
    case 'quit':
      return { kind: 'quit', reason: rest };
    case 'pass':
      return { kind: 'pass' };
    case 'register':
      return rest ? { kind: 'register', secret: rest } : { kind: 'register' };
    case 'identify': {
      const { head, tail } = splitWord(rest);
      return head && tail ? { kind: 'identify', nick: head, secret: tail } : usage('/identify NICK SECRET');
    }
    case 'unregister':
      return { kind: 'unregister' };
    case 'cap':
      return rest ? parseCap(rest) : usage('/cap NAME [KEY=VALUE...]');
    case 'history':
      return parseHistory(rest);
    case 'search': {
      const words = rest.split(/\s+/).filter(Boolean);
      return words.length > 0 ? { kind: 'search', words } : usage('/search WORDS');
    }
    default:
      return isModeration(name) ? moderate(parseModeration(name, rest)) : unknown(name);
  }
}

export const DEFAULT_HISTORY_COUNT = 20;
/** The most lines one `/history` or `/search` answers with. */
export const MAX_HISTORY_ANSWER = 50;

function parseHistory(rest: string): ClientCommand {
  if (!rest) return { kind: 'history', count: DEFAULT_HISTORY_COUNT };
  const { head, tail } = splitWord(rest);
  if (head === 'since') {
    const ms = parseDuration(tail);
    return ms !== undefined && ms > 0 ? { kind: 'history-since', ms } : usage('/history since DURATION (such as 30m, 2h, 1d)');
  }
  const count = Number(rest);
  return Number.isInteger(count) && count > 0
    ? { kind: 'history', count: Math.min(count, MAX_HISTORY_ANSWER) }
    : usage('/history [N | since DURATION]');
}

function parseCap(rest: string): ClientCommand {
  const [name, ...pairs] = rest.split(/\s+/);
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals > 0) params[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return { kind: 'cap', name: name.toLowerCase(), params };
}
