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
  return [...keep(model, taken), ...forgetOldTopics(model)];
}

/**
 * With `--data` or a cluster, the topics kept for rooms nobody is in, at most (locks aside): so
 * rooms made by the thousand cost no memory, on disk or in Redis.
 */
export const KEPT_TOPICS = 1000;

/**
 * The oldest topics of rooms nobody is in, past KEPT_TOPICS, are forgotten here and where they are
 * kept (in a cluster, by every node: Redis tells them). Oldest by the time they were set, which
 * every node of a cluster agrees on. Not while apart from the cluster: this node cannot tell then
 * which rooms have people on the other nodes.
 */
function forgetOldTopics(model: ServerModel): Effect[] {
  const extra = model.topics.size - KEPT_TOPICS;
  if (extra <= 0 || !(model.cluster ? model.cluster.up : model.persist)) return [];
  const forgettable = [...model.topics.values()].filter((topic) => !topic.locked && !model.rooms.has(topic.room));
  return forgettable
    .sort((one, other) => one.time - other.time) // stable: of one time, the first set goes first
    .slice(0, extra)
    .flatMap((topic) => {
      model.topics.delete(topic.room);
      return keep(model, { ...topic, lifted: true });
    });
}
