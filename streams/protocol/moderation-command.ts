import { parseDuration } from './duration.js';
import { splitWord, usage } from './command-words.js';

/**
 * The moderation commands, typed by an operator or at the console alike (`/op`, `/deop` at the
 * console only). `ms`: how long a ban or mute lasts (none: until lifted).
 */
export type ModerationCommand =
  | { kind: 'kick'; name: string; reason: string }
  | { kind: 'ban'; target: string; ms?: number; reason: string }
  | { kind: 'unban'; target: string }
  | { kind: 'bans' }
  | { kind: 'mute'; name: string; ms?: number }
  | { kind: 'unmute'; name: string }
  /** `/lock [#ROOM]`, `/unlock [#ROOM]`: only operators may set that room's topic (none: the room one is in). */
  | { kind: 'lock'; room?: string }
  | { kind: 'unlock'; room?: string }
  | { kind: 'op'; name: string }
  | { kind: 'deop'; name: string }
  | { kind: 'ops' };

type Invalid = { kind: 'invalid'; error: string };

export type ModerationName = ModerationCommand['kind'];

const NAMES: ReadonlySet<string> = new Set<ModerationName>([
  'kick',
  'ban',
  'unban',
  'bans',
  'mute',
  'unmute',
  'lock',
  'unlock',
  'op',
  'deop',
  'ops',
]);

/** Whether `/NAME` is a moderation command. */
export const isModeration = (name: string): name is ModerationName => NAMES.has(name);

/** `/NAME REST` for one of the moderation commands. */
export function parseModeration(name: ModerationName, rest: string): ModerationCommand | Invalid {
  const { head, tail } = splitWord(rest);
  switch (name) {
    case 'kick':
      return head ? { kind: 'kick', name: head, reason: tail } : usage('/kick NICK [REASON]');
    case 'ban': {
      if (!head) return usage('/ban NICK|ADDRESS|CIDR [DURATION] [REASON]');
      const { head: word, tail: after } = splitWord(tail);
      const ms = durationWord(word);
      if (ms === 0) return usage('/ban NICK|ADDRESS|CIDR [DURATION] [REASON] (a DURATION such as 10m, 2h, 7d)');
      return ms === undefined ? { kind: 'ban', target: head, reason: tail } : { kind: 'ban', target: head, ms, reason: after };
    }
    case 'mute': {
      const ms = durationWord(tail);
      if (!head || (tail && !ms)) return usage('/mute NICK [DURATION] (a DURATION such as 10m, 2h, 7d)');
      return ms === undefined ? { kind: 'mute', name: head } : { kind: 'mute', name: head, ms };
    }
    case 'unban':
      return head ? { kind: 'unban', target: head } : usage('/unban NICK|ADDRESS|CIDR');
    case 'unmute':
    case 'op':
    case 'deop':
      return head ? { kind: name, name: head } : usage(`/${name} NICK`);
    case 'lock':
    case 'unlock':
      return head ? { kind: name, room: head } : { kind: name };
    case 'bans':
    case 'ops':
      return { kind: name };
  }
}

/**
 * A word that is a duration with its unit (`10m`, `2h`, `7d`, `1h30m`): its milliseconds, 0 when it
 * looks like one but is none (`0m`, `5x`). A bare number is left to the reason (`/ban ada 3 floods`).
 */
function durationWord(word: string): number | undefined {
  if (!/^\d+(?:\.\d+)?[a-z]/i.test(word)) return undefined;
  return parseDuration(word.toLowerCase()) ?? 0;
}

/** A moderation command as a command of its own, or the line that says what is wrong with it. */
export function moderate(command: ModerationCommand | Invalid): { kind: 'moderate'; command: ModerationCommand } | Invalid {
  return command.kind === 'invalid' ? command : { kind: 'moderate', command };
}

/** The lines `/help` gives the moderation commands, for operators and the console alike. */
export const MODERATION_HELP: readonly string[] = [
  '  /kick NICK [REASON]           disconnect a member',
  '  /ban TARGET [DUR] [REASON]    keep out a nick, an address or a CIDR block (DUR: 10m, 2h, 7d; none: until /unban)',
  '  /unban TARGET, /bans          lift a ban; list the bans, with who, why and until when',
  '  /mute NICK [DUR], /unmute NICK  refuse their lines, relay nothing; or no longer',
  '  /lock [#ROOM], /unlock [#ROOM]  only operators may set the topic of that room (yours by default); or anyone again',
  '  /ops                          who the operators are',
];
