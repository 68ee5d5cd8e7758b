import { splitCommand, splitWord, unknown, usage } from './command-words.js';
import { isModeration, MODERATION_HELP, moderate, parseModeration, type ModerationCommand } from './moderation-command.js';

/** What a line typed at the server's console asks for. */
export type ConsoleCommand =
  | { kind: 'say'; text: string }
  | { kind: 'msg'; to: string; text: string }
  /** `/who [#ROOM]`: everyone connected, or one room's members. */
  | { kind: 'who'; room?: string }
  /** `/join #ROOM`: the room the console speaks in from now on. */
  | { kind: 'join'; room: string }
  | { kind: 'rooms' }
  /** `/topic [TEXT]`: the topic of the room the console speaks in, shown or set. */
  | { kind: 'topic'; text: string }
  /** `/kick`, `/ban`, `/mute`, `/lock`, `/op`...: the console moderates like an operator, and makes operators. */
  | { kind: 'moderate'; command: ModerationCommand }
  /** `/unregister NICK` (or `/drop NICK`): anyone may take that nick again. */
  | { kind: 'unregister'; name: string }
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'ignore' }
  | { kind: 'invalid'; error: string };

export const CONSOLE_HELP: readonly string[] = [
  'console commands:',
  '  TEXT                     to the room you speak in (to every client on a console-only server)',
  '  /join #ROOM              speak in that room from now on',
  '  /rooms                   the rooms, with how many are in each and their topics',
  '  /topic [TEXT]            show, or set, the topic of the room you speak in',
  '  /msg NAME TEXT           to one client',
  '  /who [#ROOM]             who is connected, with addresses, or who is in a room',
  '  /unregister NICK         drop a registered nick (also /drop NICK)',
  '  /quit                    shut the server down',
  '  //TEXT                   send TEXT that starts with a slash',
  'moderation (here, and by operators):',
  ...MODERATION_HELP,
  '  /op NICK, /deop NICK          make a registered nick an operator, or no longer',
];

export function parseConsoleLine(line: string): ConsoleCommand {
  if (line.trim().length === 0) return { kind: 'ignore' };
  if (!line.startsWith('/')) return { kind: 'say', text: line };
  if (line.startsWith('//')) return { kind: 'say', text: line.slice(1) };
  const { name, rest } = splitCommand(line);
  switch (name) {
    case 'msg': {
      const { head, tail } = splitWord(rest);
      return head && tail ? { kind: 'msg', to: head, text: tail } : usage('/msg NAME TEXT');
    }
    case 'who':
      // Only a word that looks like a room: `/who is here` is still plain /who.
      return rest.startsWith('#') ? { kind: 'who', room: splitWord(rest).head } : { kind: 'who' };
    case 'join':
      return rest ? { kind: 'join', room: rest } : usage('/join #ROOM');
    case 'rooms':
      return { kind: 'rooms' };
    case 'topic':
      return { kind: 'topic', text: rest };
    case 'unregister':
    case 'drop': {
      const { head } = splitWord(rest);
      return head ? { kind: 'unregister', name: head } : usage(`/${name} NICK`);
    }
    case 'help':
      return { kind: 'help' };
    case 'quit':
      return { kind: 'quit' };
    default:
      return isModeration(name) ? moderate(parseModeration(name, rest)) : unknown(name);
  }
}
