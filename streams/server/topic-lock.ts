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
  model.topics.delete(fact.room); // set anew, it is the newest
  applyFact(model, taken);
  if (!model.persist && !model.cluster && !fact.locked) model.topics.delete(fact.room);
  return [...keep(model, taken), ...(model.persist && !model.cluster ? forgetOldTopics(model) : [])];
}

/** With `--data`, the topics kept for rooms nobody is in, at most (locks aside): so rooms made by the thousand cost no memory. */
export const KEPT_TOPICS = 1000;

/** The oldest topics of rooms nobody is in, past KEPT_TOPICS, are forgotten, here and on disk. */
function forgetOldTopics(model: ServerModel): Effect[] {
  let extra = model.topics.size - KEPT_TOPICS;
  const effects: Effect[] = [];
  for (const [room, kept] of model.topics) {
    if (extra <= 0) break;
    if (model.rooms.has(room) || kept.locked) continue;
    model.topics.delete(room);
    effects.push(...keep(model, { ...kept, lifted: true }));
    extra--;
  }
  return effects;
}
