import type { Effect } from './events.js';
import { applyFact, keep, type TopicFact } from './facts.js';
import type { ServerModel } from './model.js';

/** Rooms' topics as facts, and their locks: a locked topic is set by operators and the console only. */

export const isLocked = (model: ServerModel, room: string): boolean => model.topics.get(room)?.locked === true;

/**
 * A room's topic or lock changes: taken into the model and kept. Without `--data` or a cluster a
 * topic lives with its room (forgotten with it, as IRC does); a lock is held on regardless.
 */
export function setTopic(model: ServerModel, fact: TopicFact): Effect[] {
  const taken: TopicFact = fact.text === undefined && !fact.locked ? { ...fact, lifted: true } : fact;
  applyFact(model, taken);
  if (!model.persist && !model.cluster && !fact.locked) model.topics.delete(fact.room);
  return keep(model, taken);
}
