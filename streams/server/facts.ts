import { isGuestNick } from '../protocol/nick.js';
import { shareFact } from './cluster-facts.js';
import { log, type Effect } from './events.js';
import { banOf, banReason, turnAway } from './bans.js';
import type { ServerModel, Topic } from './model.js';

/**
 * What a server keeps beyond its run: who registered which nick, who is an operator, who is banned
 * or muted, each room's topic and whether it is locked. The core decides a fact and emits it as a
 * `fact` effect; the shell keeps it (in the data directory, or in a cluster's Redis, which spreads
 * it to every node) and gives every kept fact back at start (`Restored.facts`, the bus's `up`).
 * A fact replaces the one with the same `factKey`; a `lifted` one takes it away.
 */
export type Fact =
  /** A registered nick: its secret's hash (opaque to the core), or the fingerprint of the client certificate that owns it. */
  | {
      readonly kind: 'registration';
      readonly key: string;
      readonly nick: string;
      readonly hash?: string;
      readonly cert?: string;
      readonly lifted?: true;
    }
  /** An operator granted at the console (`/op NICK`), by nick key. */
  | { readonly kind: 'op'; readonly key: string; readonly nick: string; readonly by: string; readonly lifted?: true }
  /**
   * A ban: `target` is a nick key (`nick` as typed), an address, or a CIDR block, as `/ban` was
   * given it. `until`: when it ends (ms; none: never).
   */
  | {
      readonly kind: 'ban';
      readonly target: string;
      readonly nick?: string;
      readonly reason: string;
      readonly by: string;
      readonly time: number;
      readonly until?: number;
      readonly lifted?: true;
    }
  /** A muted nick, by nick key, until `until` (ms; none: until `/unmute`). */
  | {
      readonly kind: 'mute';
      readonly key: string;
      readonly nick: string;
      readonly by: string;
      readonly time: number;
      readonly until?: number;
      readonly lifted?: true;
    }
  /** A room's topic (`text`, who set it, when) and whether only operators may change it. */
  | {
      readonly kind: 'topic';
      readonly room: string;
      readonly text?: string;
      readonly by: string;
      readonly time: number;
      readonly locked?: boolean;
      readonly lifted?: true;
    };

export type OpFact = Extract<Fact, { kind: 'op' }>;
export type BanFact = Extract<Fact, { kind: 'ban' }>;
export type MuteFact = Extract<Fact, { kind: 'mute' }>;
export type TopicFact = Extract<Fact, { kind: 'topic' }>;

/** What names a fact: a later fact with the same key replaces it. */
export function factKey(fact: Fact): string {
  switch (fact.kind) {
    case 'registration':
    case 'op':
    case 'mute':
      return `${fact.kind}:${fact.key}`;
    case 'ban':
      return `ban:${fact.target}`;
    case 'topic':
      return `topic:${fact.room}`;
  }
}

/** A registered nick, as the model holds it. */
export interface Registration {
  readonly nick: string;
  readonly hash?: string;
  readonly cert?: string;
}

/** Takes a kept fact into the model (at start, or heard from another node). */
export function applyFact(model: ServerModel, fact: Fact): void {
  switch (fact.kind) {
    case 'registration':
      if (fact.lifted) model.registered.delete(fact.key);
      else model.registered.set(fact.key, { nick: fact.nick, hash: fact.hash, cert: fact.cert });
      return;
    case 'op':
      setOrLift(model.ops, fact.key, fact);
      return;
    case 'ban':
      if (fact.lifted) model.bans.delete(fact.target);
      else model.bans.set(fact.target, banOf(fact));
      return;
    case 'mute':
      setOrLift(model.mutes, fact.key, fact);
      return;
    case 'topic': {
      setOrLift(model.topics, fact.room, fact);
      const room = model.rooms.get(fact.room);
      if (room) room.topic = keptTopic(fact.lifted ? undefined : fact);
      return;
    }
  }
}

/** The topic a kept topic fact gives a room (a lock alone gives none). */
export function keptTopic(fact: TopicFact | undefined): Topic | undefined {
  return fact?.text === undefined ? undefined : { text: fact.text, by: fact.by, time: fact.time };
}

/** A table of facts by key follows a fact: set, or (lifted) dropped. */
export function setOrLift<T extends { readonly lifted?: true }>(map: Map<string, T>, key: string, fact: T): void {
  if (fact.lifted) map.delete(key);
  else map.set(key, fact);
}

/**
 * Whether a fact may outlive this server's run. One about a guest nick (a mute, a ban by nick)
 * may not: a lone server numbers its guests from 1 again at each start, so it would hold for a
 * newcomer. (A cluster numbers them in Redis, for as long as Redis keeps the facts too.)
 */
export function outlivesRun(fact: Fact): boolean {
  const nick = fact.kind === 'mute' || fact.kind === 'ban' ? fact.nick : undefined;
  return nick === undefined || !isGuestNick(nick);
}

/** A fact decided here: kept by the shell with `--data`, or by the cluster (which spreads it to every node; see cluster-facts.ts). */
export const keep = (model: ServerModel, fact: Fact): Effect[] =>
  model.cluster ? shareFact(model.cluster, fact) : model.persist && outlivesRun(fact) ? [{ kind: 'fact', fact }] : [];

/**
 * A fact heard from another node of a cluster: taken into the model, with what it does here at
 * once (a ban closes the connections it names here).
 */
export function factHeld(model: ServerModel, fact: Fact): Effect[] {
  applyFact(model, fact);
  if (fact.kind !== 'ban' || fact.lifted) return [];
  const { effects } = turnAway(model, model.bans.get(fact.target)!);
  const target = fact.nick ?? fact.target;
  const text = `${target} was banned by ${fact.by} on another node (${banReason(fact)})`;
  return [...effects, log({ type: 'moderation', action: 'ban', by: fact.by, target, text })];
}
