import type { BusEvent } from '../cluster/bus.js';
import type { Effect } from './events.js';
import { busRequest as bus } from './membership.js';
import { memberOf, type Connection, type ServerModel } from './model.js';
import { KEPT_ELSEWHERE, missedKept, noLongerAway, replayFromElsewhere, unknownGone } from './private-lines.js';
import { direct } from './send.js';
import { keepLatest } from '../keep-latest.js';

/**
 * Private lines follow a tagged client to another node of the cluster. Each node numbers the
 * private lines it keeps under its own run, which is its instance in the cluster: a client that
 * comes back on another node names that run (`privates=RUN:N`), and its new node asks that node
 * for what it kept after N (the lines kept for the client's return among them). The answer is
 * numbered and kept here, and replayed as a resume on the same node would replay it.
 */

/**
 * A client back here names private lines of another run: asked of that node when the cluster
 * knows it (it has people, or one of them lost its link there a moment ago); else they cannot be
 * replayed here, and the client is told so.
 */
export function askElsewhere(model: ServerModel, member: Connection, session: string, run: string, after: number): Effect[] {
  const cluster = model.cluster?.up ? model.cluster : undefined;
  const known =
    cluster !== undefined &&
    run !== cluster.self.instance &&
    [...cluster.remote.values(), ...[...cluster.awayElsewhere.values()].map((away) => away.member)].some((other) => other.instance === run);
  if (!known) return direct(model, [member.id], unknownGone(KEPT_ELSEWHERE));
  keepLatest(cluster.privatesAsked, member.id, run, PRIVATES_ASKED);
  return [bus({ type: 'privates-ask', conn: member.id, instance: run, session, after })];
}

/** How many unanswered asks are remembered (each is answered in a round trip, or its node is gone within the TTL). */
const PRIVATES_ASKED = 1000;

/** An instance is gone: the clients whose private lines were asked of it are told they cannot be replayed. */
export function askedOfGone(model: ServerModel, instance: string): Effect[] {
  const asked = model.cluster?.privatesAsked;
  if (!asked) return [];
  const waiting = [...asked].filter(([, of]) => of === instance).map(([conn]) => conn);
  return waiting.flatMap((conn) => askUnsent(model, conn));
}

/** Another node's client came back there: what this node kept for it goes to it, and nothing more is kept here for its return. */
export function privatesAsked(model: ServerModel, event: Extract<BusEvent, { type: 'privates-asked' }>): Effect[] {
  const { conn, instance, session, after } = event;
  const { notice, kept } = missedKept(model, session, after);
  noLongerAway(model, session);
  const lines = kept.map(({ line, time }) => ({ line, time }));
  return [bus({ type: 'privates-give', conn, instance, session, lines, ...(notice ? { notice } : {}) })];
}

/** What another node kept for a client here: replayed to it, if it is still here under that session. */
export function privatesGiven(model: ServerModel, event: Extract<BusEvent, { type: 'privates-given' }>): Effect[] {
  model.cluster?.privatesAsked.delete(event.conn);
  const member = memberOf(model, event.conn);
  if (member?.session !== event.session) return [];
  return replayFromElsewhere(model, member, event.lines, event.notice);
}

/** An ask that never reached the cluster, or whose node is gone: the client is told, as when that node is not known. */
export function askUnsent(model: ServerModel, conn: Connection['id']): Effect[] {
  model.cluster?.privatesAsked.delete(conn);
  return memberOf(model, conn) ? direct(model, [conn], unknownGone(KEPT_ELSEWHERE)) : [];
}
