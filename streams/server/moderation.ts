import { nickKey } from '../protocol/nick.js';
import { formatError } from '../protocol/server-line.js';
import { formatUntil } from '../protocol/until.js';
import { holds } from './bans.js';
import { log, type Effect } from './events.js';
import { keep, type BanFact, type MuteFact } from './facts.js';
import type { Connection, ServerModel } from './model.js';

/**
 * Who may moderate, and what a mute does. Operators are registered nicks named by `--operator`
 * or made at the console (`/op`); a member moderates while it holds such a nick and has given its
 * secret (`/identify`, `/register`), as IRC services ask of their operators.
 */

export function isOperator(model: ServerModel, member: Connection): boolean {
  const key = member.identified;
  return key !== undefined && key === nickKey(member.nick) && model.registered.has(key) && isOperatorNick(model, member.nick);
}

/** Whether a nick is an operator's (named by `--operator` or made with `/op`), whoever holds it now. */
export function isOperatorNick(model: ServerModel, nick: string): boolean {
  const key = nickKey(nick);
  return model.operators.has(key) || model.ops.has(key);
}

/**
 * Whom a muted member may still ask why: an operator's nick that is registered, so only the
 * operator holds it (an `--operator` nick nobody registered yet is anyone's to take).
 */
export function hearsTheMuted(model: ServerModel, nick: string): boolean {
  return isOperatorNick(model, nick) && model.registered.has(nickKey(nick));
}

/** The mute on this member's nick, if one holds. */
export function muteOn(model: ServerModel, member: Connection): MuteFact | undefined {
  if (model.mutes.size === 0) return undefined;
  const fact = model.mutes.get(nickKey(member.nick));
  return fact && holds(fact, model.now()) ? fact : undefined;
}

/** What a muted member is told of each line it sends (nothing of it is relayed), or of what else it may not do meanwhile. */
export const formatMuted = (fact: MuteFact, what?: string): string =>
  formatError(`you are muted (${formatUntil(fact.until)})${what ? `: you cannot ${what}` : ''}`);

/**
 * Bans and mutes whose time is over are dropped (and, with `--data` or a cluster, dropped from what
 * is kept), each told to the console. They stopped holding at their time already; this only tidies.
 */
export function expire(model: ServerModel): Effect[] {
  const now = model.now();
  const effects: Effect[] = [];
  const over = (fact: BanFact | MuteFact, target: string, text: string): void =>
    void effects.push(...keep(model, { ...fact, lifted: true }), log({ type: 'moderation', action: 'expired', by: fact.by, target, text }));
  for (const [key, { fact }] of model.bans) {
    if (holds(fact, now)) continue;
    model.bans.delete(key);
    const target = fact.nick ?? fact.target;
    over(fact, target, `the ban on ${target} is over`);
  }
  for (const [key, fact] of model.mutes) {
    if (holds(fact, now)) continue;
    model.mutes.delete(key);
    over(fact, fact.nick, `${fact.nick} is no longer muted`);
  }
  return effects;
}
