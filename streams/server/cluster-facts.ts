import { formatError } from '../protocol/server-line.js';
import { log, type Effect } from './events.js';
import { applyFact, factHeld, factKey, setOrLift, type Fact } from './facts.js';
import { busRequest as bus } from './membership.js';
import type { ClusterState, ServerModel } from './model.js';
import { findByNick } from './nicks.js';
import { direct } from './send.js';

/**
 * Facts in a cluster: its Redis keeps them for every node. A fact decided here holds here at once
 * and goes to the cluster, which tells the other nodes. While the cluster is out of reach it waits
 * here, and goes when the cluster is back, over what the cluster kept meanwhile (the later act
 * wins), except a registration: a nick registered elsewhere meanwhile stays the other's.
 * At `up` this server holds exactly the cluster's facts (and its own that waited): one lifted
 * elsewhere while it was apart is lifted here too.
 */

/** This server's view of the cluster's facts follows the fact. */
const track = (cluster: ClusterState, fact: Fact): void => setOrLift(cluster.facts, factKey(fact), fact);

/** A registration must be the first for its nick; any other fact replaces the one it names. */
const request = (fact: Fact): Effect =>
  bus({ type: 'fact', fact, key: factKey(fact), ...(fact.kind === 'registration' && !fact.lifted ? { first: true as const } : {}) });

/** A fact decided here (and held here already): to the cluster now, or when it is back. */
export function shareFact(cluster: ClusterState, fact: Fact): Effect[] {
  track(cluster, fact);
  if (cluster.up) return [request(fact)];
  cluster.pending.set(factKey(fact), fact);
  return [];
}

/** A fact the cluster did not get (its link was lost on the way): sent again when it is back. */
export function factUnsent(cluster: ClusterState, fact: Fact): void {
  cluster.pending.set(factKey(fact), fact);
}

/** Another node's fact: taken in, with what it does here. */
export function heardFact(model: ServerModel, cluster: ClusterState, fact: Fact): Effect[] {
  track(cluster, fact);
  return factHeld(model, fact);
}

const same = (one: Fact | undefined, other: Fact): boolean => one !== undefined && JSON.stringify(one) === JSON.stringify(other);

/**
 * Joined the cluster (again): what it keeps replaces what this server held. A fact that is new
 * here does what it does (a ban made elsewhere meanwhile closes its connections here); those
 * decided here while apart go over them, and to the cluster.
 */
export function factsAtUp(model: ServerModel, cluster: ClusterState, facts: readonly Fact[]): Effect[] {
  const kept = new Map(facts.map((fact) => [factKey(fact), fact]));
  for (const [key, fact] of cluster.facts) if (!kept.has(key)) applyFact(model, { ...fact, lifted: true });
  const effects: Effect[] = [];
  for (const [key, fact] of kept) if (!same(cluster.facts.get(key), fact)) effects.push(...factHeld(model, fact));
  cluster.facts = kept;
  for (const fact of cluster.pending.values()) {
    applyFact(model, fact);
    track(cluster, fact);
    effects.push(request(fact));
  }
  cluster.pending.clear();
  return effects;
}

/**
 * The cluster kept another fact under this one's key (a nick registered on another node first,
 * while this server was apart): the other holds here too, and whoever registered here is told.
 */
export function factRefused(model: ServerModel, cluster: ClusterState, fact: Fact, held: Fact): Effect[] {
  const effects = heardFact(model, cluster, held);
  if (fact.kind !== 'registration') return effects;
  const text = `${fact.nick} was registered on another node first: your registration did not hold`;
  const member = findByNick(model, fact.nick);
  if (member?.identified === fact.key) member.identified = undefined;
  return [
    ...effects,
    ...(member ? direct(model, [member.id], formatError(text)) : []),
    log({ type: 'notice', text: `${fact.nick} was registered on another node first: the registration made here was dropped` }),
  ];
}
