import type { BusRequest } from '../cluster/bus.js';
import type { ModerationCommand } from '../protocol/moderation-command.js';
import { formatKicked } from '../protocol/farewell.js';
import { invalidNickReason, nickKey, normalizeNick } from '../protocol/nick.js';
import { formatUntil } from '../protocol/until.js';
import { banTarget, blockCovers, holds, turnAway } from './bans.js';
import { kickElsewhere, noSuchNick } from './cluster-link.js';
import type { Effect } from './events.js';
import { applyFact, keep, type Fact } from './facts.js';
import { dismiss } from './membership.js';
import { Act } from './moderation-act.js';
import { isOperator } from './moderation.js';
import { memberOf, type Connection, type ServerModel } from './model.js';
import { findByNick } from './nicks.js';
import { NO_ROOMS } from './room-commands.js';
import { roomName, invalidRoomReason } from './room-name.js';
import { setTopic } from './topic-lock.js';

/**
 * A kick this node sent to another node was done there (that node told the room): logged here with who
 * did it, and told to the kicker when not in that room, or when it was told the kick was not done (`late`).
 */
export function kickedElsewhere(model: ServerModel, request: Extract<BusRequest, { type: 'kick' }>, late: boolean): Effect[] {
  const actor = request.from === undefined ? undefined : memberOf(model, request.from);
  const act = new Act(model, actor);
  const text = `${request.to} was ${request.reason}`;
  const said = late ? `${text} after all: its server answered late` : text;
  const told = actor && (late || actor.room?.name !== request.room) ? act.tell(said) : [];
  return [...told, act.record('kick', request.to, said, request.room)];
}

/**
 * What a moderation command does, typed by an operator (`actor`) or at the console (none). Every
 * act is kept as a fact (bans, mutes, operators, locks), announced to the room it concerns (the
 * rooms of the members it sends away or names; else the room of whoever did it) and logged with
 * who did it.
 */
export function moderate(model: ServerModel, actor: Connection | undefined, command: ModerationCommand): Effect[] {
  const act = new Act(model, actor);
  if (actor && (command.kind === 'op' || command.kind === 'deop')) return act.fail(`only the server's console may /${command.kind}`);
  if (actor && command.kind !== 'ops' && !isOperator(model, actor)) return act.fail(`only operators may /${command.kind}`);
  const now = model.now();
  // A field only when it has a value: a fact is kept as JSON.
  const until = (ms: number | undefined): { until?: number } => (ms === undefined ? {} : { until: now + ms });
  switch (command.kind) {
    case 'kick': {
      const reason = `kicked by ${act.by}${command.reason ? `: ${command.reason}` : ''}`;
      const line = formatKicked(reason);
      const target = findByNick(model, command.name);
      if (target) {
        const room = target.room!;
        return [
          ...dismiss(model, target, line, reason, false),
          ...act.announce('kick', target.nick, `${target.nick} was ${reason}`, [room]),
        ];
      }
      // On another node: that node closes it and tells the room; the kicker hears from here once it says so (`kickedElsewhere`).
      return kickElsewhere(model, actor?.id, command.name, line, reason) ?? act.fail(noSuchNick(model, command.name));
    }
    case 'ban': {
      const named = banTarget(command.target);
      if ('error' in named) return act.fail(named.error);
      // An operator who bans its own address or nick is closed, and cannot come back to lift it: asked to confirm.
      const ownBan = actor && actor.banToConfirm !== named.target ? bansItself(actor, named) : undefined;
      if (ownBan) {
        actor!.banToConfirm = named.target;
        return act.fail(`${ownBan}, or send the same /ban again to confirm`);
      }
      // A member's nick as it holds it; one not here, as given.
      const nick = named.nick === undefined ? {} : { nick: findByNick(model, named.nick)?.nick ?? normalizeNick(named.nick) };
      const fact: Fact = {
        kind: 'ban',
        target: named.target,
        ...nick,
        reason: command.reason,
        by: act.by,
        time: now,
        ...until(command.ms),
      };
      applyFact(model, fact);
      // Kept before anyone is told: a ban someone saw outlives a crash.
      const kept = keep(model, fact);
      const { effects, gone } = turnAway(model, model.bans.get(fact.target)!);
      const label = fact.nick ?? fact.target;
      const why = `${command.reason ? `${command.reason}; ` : ''}${formatUntil(fact.until)}`;
      return [...kept, ...effects, ...act.announce('ban', label, `${label} was banned by ${act.by} (${why})`, gone, fact.until)];
    }
    case 'unban': {
      const named = banTarget(command.target);
      const ban = 'error' in named ? undefined : model.bans.get(named.target);
      if (!ban) return act.fail(`no ban on ${command.target}`);
      const label = ban.fact.nick ?? ban.fact.target;
      return act.decide({ ...ban.fact, lifted: true }, 'unban', label, `${label} was unbanned by ${act.by}`);
    }
    case 'bans': {
      const live = [...model.bans.values()].filter(({ fact }) => holds(fact, now));
      const lines = live.map(({ fact }) => {
        const why = fact.reason ? `: ${fact.reason}` : '';
        return `  ${fact.nick ?? fact.target} by ${fact.by}${why} (${formatUntil(fact.until)})`;
      });
      return act.tell(`bans (${live.length}):`, ...lines);
    }
    case 'mute': {
      const invalid = invalidNickReason(command.name);
      if (invalid) return act.fail(invalid);
      const target = findByNick(model, command.name);
      const nick = target?.nick ?? normalizeNick(command.name);
      const fact: Fact = { kind: 'mute', key: nickKey(nick), nick, by: act.by, time: now, ...until(command.ms) };
      const text = `${nick} was muted by ${act.by} (${formatUntil(fact.until)})`;
      return act.decide(fact, 'mute', nick, text, target ? [target.room!] : [], fact.until);
    }
    case 'unmute': {
      const fact = model.mutes.get(nickKey(command.name));
      if (!fact) return act.fail(`${command.name} is not muted`);
      const target = findByNick(model, fact.nick);
      return act.decide(
        { ...fact, lifted: true },
        'unmute',
        fact.nick,
        `${fact.nick} was unmuted by ${act.by}`,
        target ? [target.room!] : [],
      );
    }
    case 'lock':
    case 'unlock': {
      if (model.mode === 'console-only') return act.fail(NO_ROOMS);
      const name = command.room === undefined ? act.room.name : roomName(command.room);
      if (name === undefined) return act.fail(invalidRoomReason(command.room!));
      const topic: { text?: string; by: string; time: number } = model.rooms.get(name)?.topic ??
        model.topics.get(name) ?? { by: act.by, time: now };
      const locked = command.kind === 'lock';
      const kept = setTopic(model, {
        kind: 'topic',
        room: name,
        text: topic.text,
        by: topic.by,
        time: topic.time,
        ...(locked ? { locked } : {}),
      });
      const text = `the topic of ${name} was ${locked ? 'locked' : 'unlocked'} by ${act.by}`;
      const room = model.rooms.get(name);
      return [...kept, ...act.announce(command.kind, name, text, room ? [room] : [])];
    }
    case 'op': {
      const invalid = invalidNickReason(command.name);
      if (invalid) return act.fail(invalid);
      const target = findByNick(model, command.name);
      const nick = target?.nick ?? normalizeNick(command.name);
      const key = nickKey(nick);
      const unregistered = model.registered.has(key)
        ? []
        : act.tell(`${nick} is not registered: an operator moderates once registered and identified`);
      const text = `${nick} was made an operator by ${act.by}`;
      return [...act.decide({ kind: 'op', key, nick, by: act.by }, 'op', nick, text, target ? [target.room!] : []), ...unregistered];
    }
    case 'deop': {
      const key = nickKey(command.name);
      const fact = model.ops.get(key);
      if (!fact) {
        const why = model.operators.has(key) ? 'by serve --operator, for as long as the server runs with it' : 'not an operator';
        return act.fail(`${command.name} is ${why}`);
      }
      const target = findByNick(model, command.name);
      const text = `${fact.nick} is no longer an operator (by ${act.by})`;
      return act.decide({ ...fact, lifted: true }, 'deop', fact.nick, text, target ? [target.room!] : []);
    }
    case 'ops': {
      const nicks = [...model.operators.values(), ...[...model.ops.values()].map((fact) => fact.nick)];
      return act.tell(`operators (${nicks.length}): ${nicks.length > 0 ? nicks.join(', ') : 'none'}`);
    }
  }
}

/** Why a ban would close the operator who sends it, if it would. */
function bansItself(actor: Connection, named: { target: string; nick?: string }): string | undefined {
  if (named.nick !== undefined)
    return nickKey(named.nick) === nickKey(actor.nick)
      ? `that ban names your own nick ${actor.nick} (you would be closed, and kept out under it)`
      : undefined;
  return blockCovers(named.target, actor.ip)
    ? `that ban covers your own address ${actor.ip} (you would be closed with the rest); ban a narrower range`
    : undefined;
}
