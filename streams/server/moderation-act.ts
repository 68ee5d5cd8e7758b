import { formatError, formatNotice } from '../protocol/server-line.js';
import { log, type Effect, type LogEntry } from './events.js';
import { applyFact, keep, type Fact } from './facts.js';
import { inRoom, roomLines } from './membership.js';
import type { Connection, Room, ServerModel } from './model.js';
import { direct } from './send.js';

/** Who does a moderation act (an operator, or the console), and how it is answered and announced. */
export class Act {
  readonly by: string;
  /** Where it acts from: its room, or the room the console speaks in. */
  readonly room: Room;

  constructor(
    private readonly model: ServerModel,
    private readonly actor: Connection | undefined,
  ) {
    this.by = actor?.nick ?? model.name;
    this.room = actor?.room ?? model.consoleRoom;
  }

  fail(text: string): Effect[] {
    return this.actor ? direct(this.model, [this.actor.id], formatError(text)) : [log({ type: 'error', text })];
  }

  tell(...texts: string[]): Effect[] {
    if (this.actor) return direct(this.model, [this.actor.id], ...texts.map(formatNotice));
    return [log(...texts.map((text): LogEntry => ({ type: 'notice', text })))];
  }

  /** A fact decided (or taken back), kept and announced. */
  decide(fact: Fact, action: string, target: string, text: string, rooms: readonly Room[] = [], until?: number): Effect[] {
    applyFact(this.model, fact);
    return [...keep(this.model, fact), ...this.announce(action, target, text, rooms, until)];
  }

  /**
   * The act told to the rooms it concerns (still there), else to the actor's room, and logged with
   * who did it. The actor hears it too when it is in none of them (or on a console-only server, with no rooms).
   */
  announce(action: string, target: string, text: string, rooms: readonly Room[], until?: number): Effect[] {
    const { model, actor } = this;
    const concerned = [...new Set(rooms)].filter((room) => model.rooms.get(room.name) === room);
    const where = concerned.length > 0 ? concerned : [this.room];
    const told = model.mode === 'room' ? where : [];
    const line = formatNotice(text);
    const answer = actor && !told.includes(actor.room!) ? direct(model, [actor.id], line) : [];
    return [
      ...told.flatMap((room) => roomLines(model, room, undefined, [line])),
      ...answer,
      this.record(action, target, text, where[0], until),
    ];
  }

  /** The act logged with who did it, `room` where it was told. */
  record(action: string, target: string, text: string, room: Room | string, until?: number): Effect {
    const entry: LogEntry = {
      type: 'moderation',
      action,
      by: this.by,
      target,
      text,
      ...(until === undefined ? {} : { until: new Date(until).toISOString() }),
      ...inRoom(this.model, room),
    };
    return log(entry);
  }
}
