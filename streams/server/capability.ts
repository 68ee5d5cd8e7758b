import { formatError, formatNotice } from '../protocol/server-line.js';
import { formatTagged } from '../protocol/tags.js';
import type { Effect } from './events.js';
import { linesGone, reattribute, since } from './history.js';
import { depart, moveTo } from './membership.js';
import { invalidRoomReason, roomName } from './room-name.js';
import { joinAuthor, roomNamed, sessionHolder, tag, unnamedSession, type Connection, type ServerModel } from './model.js';
import { awayFrom, missedPrivates, parsePrivatesPoint } from './private-lines.js';
import { direct, raw, replay } from './send.js';
import { askElsewhere } from './cluster-privates.js';

/**
 * To a client resuming from an earlier run. That run's acknowledged ids went with it: a line whose
 * acknowledgement the crash took is resent and taken again (with `--data` the ids are kept, and
 * the run goes on, so this is never said).
 */
const RESTARTED = 'the server has restarted since; what was said before is gone, and a line sent as it went down may show twice';

/** The capability tcpchat's own client asks for. */
export const TCPCHAT_CAPABILITY = 'tcpchat';

/**
 * `/cap tcpchat session=S [resume=EPOCH:SEQ] [privates=RUN:N] [room=#ROOM]`: from now on this connection's lines
 * carry tags. Another connection still holding the same session is one its client gave up on: it
 * is closed, so the nick is free to reclaim. `room`: the room the client was in; it goes back
 * there first. With a resume point from this server run, what was missed in that room follows,
 * then the private lines to it after the N-th (see `missedPrivates`). The answer names the run
 * that numbers private lines (`privates=RUN`), which the client gives back when it resumes.
 */
export function capability(model: ServerModel, member: Connection, name: string, params: Readonly<Record<string, string>>): Effect[] {
  const { id } = member;
  if (name !== TCPCHAT_CAPABILITY) return direct(model, [id], formatError(`unknown capability ${name}`));
  const session = params.session || unnamedSession(id);
  const effects: Effect[] = [];
  // The other connection holding the session: one its client gave up on.
  const stale = sessionHolder(model, session, member);
  // A newer connection holds it: this is the one its client gave up on, its /cap held up on the way
  // (a link that stalled one way, then healed). It goes, not the live one.
  if (stale && stale.id > id) return [...depart(model, member, 'reconnected'), { kind: 'close', id, reason: 'reconnected' }];
  effects.push(...ownJoin(model, member, session));
  tag(member, session);
  // Its nick is away until this connection takes it again: private lines to it come here meanwhile (see `forReturn`).
  // Told to the room after the tag: the leave is the session's own line, no news to its client here.
  if (stale) {
    const away = awayFrom(model, stale);
    effects.push(...depart(model, stale, 'reconnected', undefined, away), { kind: 'close', id: stale.id, reason: 'reconnected' });
  }
  const before = member.room;
  if (params.room !== undefined) effects.push(...resumeIn(model, member, params.room));
  const moved = member.room !== before;
  const { history } = member.room!;
  const { epoch, lastSeq } = model.sequence;
  // Split at the last colon: an epoch may contain colons (a time does), a sequence number never.
  const colon = (params.resume ?? '').lastIndexOf(':');
  const resumeEpoch = colon === -1 ? params.resume : params.resume.slice(0, colon);
  const resumeSeq = colon === -1 ? '' : params.resume.slice(colon + 1);
  // Room lines after this connection joined already reached it live, untagged, before this /cap:
  // replaying them too would show them twice. Its own lines (same session) it knows already.
  // One that moved rooms just now heard nothing of its new room live.
  const heardLive = moved ? model.sequence.lastSeq : member.joinedAfter;
  const missed = (after: number) => since(history, after).filter((entry) => entry.seq <= heardLive && entry.author !== session);
  const sameRun = params.resume !== undefined && resumeEpoch === epoch;
  const after = sameRun ? Number(resumeSeq) || 0 : 0;
  // What this run heard while the client was away (others back sooner said things) is missed
  // all the same after a restart: without it a restart would lose the lines said before everyone was back.
  const replayed = params.resume ? missed(after) : [];
  // Private lines to this session: a client that names where it was in them (`privates=RUN:N`)
  // gets what it missed of them, in this run (after a restart, RESTARTED says it all).
  const point = sameRun && params.privates !== undefined ? parsePrivatesPoint(params.privates) : undefined;
  // Those of another run, on another node, are asked of it (see `askElsewhere`): they come after this answer.
  const elsewhere = point !== undefined && point.run !== model.privates.run;
  const privates = point && !elsewhere ? missedPrivates(model, session, point.run, point.after) : { lines: [] };
  // `missed=N`: the client holds the live lines it got before this answer until the N older ones are shown.
  const count = replayed.length + privates.lines.length;
  const answer = {
    cap: TCPCHAT_CAPABILITY,
    epoch,
    seq: String(lastSeq),
    privates: model.privates.run,
    ...(params.resume ? { missed: String(count) } : {}),
  };
  effects.push(...raw(model, id, formatTagged(answer, '')));
  if (params.resume && !sameRun) effects.push(...direct(model, [id], formatNotice(RESTARTED)));
  const gone = sameRun ? linesGone(history, after, heardLive, session) : 0;
  if (gone > 0)
    effects.push(
      ...direct(
        model,
        [id],
        formatNotice(`${gone === 1 ? '1 line' : `${gone} lines`} you missed can no longer be replayed (too old for the history)`),
      ),
    );
  effects.push(...replay(model, id, replayed));
  if (privates.notice) effects.push(...direct(model, [id], privates.notice));
  if (privates.lines.length > 0) effects.push({ kind: 'send', to: [id], lines: privates.lines });
  if (elsewhere) effects.push(...askElsewhere(model, member, session, point.run, point.after));
  return effects;
}

/**
 * A connection naming its session makes its join notice its session's own (see `joinAuthor`);
 * with `--data`, on disk too, so that it is not replayed to it after a restart either.
 */
function ownJoin(model: ServerModel, member: Connection, session: string): Effect[] {
  if (member.session !== undefined) return [];
  const room = member.room!;
  const changed = reattribute(room.history, member.joinedAfter, joinAuthor(member.id), session);
  if (!model.persist) return [];
  return changed.map((item) => ({
    kind: 'store',
    room: room.name,
    seq: item.seq,
    time: item.time,
    author: session,
    lines: 'lines' in item ? item.lines : [item.line],
  }));
}

/** Back to the room a resuming client was in (none when it is there already or the server has no rooms). */
function resumeIn(model: ServerModel, member: Connection, given: string): Effect[] {
  if (model.mode === 'console-only') return [];
  const name = roomName(given);
  if (name === undefined) return direct(model, [member.id], formatError(invalidRoomReason(given)));
  if (name === member.room!.name) return [];
  return moveTo(model, member, roomNamed(model, name), true);
}
