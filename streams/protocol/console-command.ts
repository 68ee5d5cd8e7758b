import { splitCommand, splitWord, unknown, usage } from './client-command.js';

/** What a line typed at the server's console asks for. */
export type ConsoleCommand =
  | { kind: 'say'; text: string }
  | { kind: 'msg'; to: string; text: string }
  | { kind: 'who' }
  | { kind: 'kick'; name: string; reason: string }
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'ignore' }
  | { kind: 'invalid'; error: string };

export const CONSOLE_HELP: readonly string[] = [
  'console commands:',
  '  TEXT                     to everyone',
  '  /msg NAME TEXT           to one client',
  '  /who                     who is connected, with addresses',
  '  /kick NAME [REASON]      disconnect a client',
  '  /quit                    shut the server down',
  '  //TEXT                   send TEXT that starts with a slash',
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
      return { kind: 'who' };
    case 'kick': {
      const { head, tail } = splitWord(rest);
      return head ? { kind: 'kick', name: head, reason: tail } : usage('/kick NAME [REASON]');
    }
    case 'help':
      return { kind: 'help' };
    case 'quit':
      return { kind: 'quit' };
    default:
      return unknown(name);
  }
}
