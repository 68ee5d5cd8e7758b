import { describeConnectionError } from '../connection-error.js';
import type { Framing } from '../framing/encode.js';
import { ServerSpeaksTlsError } from '../errors.js';
import { backoffDelay, type Backoff } from '../limits/backoff.js';
import { isBye, parseFarewell } from '../protocol/farewell.js';
import { sanitize } from '../protocol/sanitize.js';
import { parseServerLine, PASSWORD_PROMPT, type ServerLine } from '../protocol/server-line.js';
import { isPing, MISSED_ANSWERS, PING, PONG } from '../protocol/ping.js';
import { isGuestNick, nickKey } from '../protocol/nick.js';
import { parseHistoryMarker, parseInRoom, parseRenamed, parseWelcome, type Welcome } from '../protocol/sentences.js';
import { formatTagged, parseAck, parseTagged, type Tags } from '../protocol/tags.js';
import { rawTyped, unavailableInRaw } from './raw-commands.js';
import { acknowledge, EMPTY_OUTBOX, enqueue, NEVER_FULL, outboxFilled, type Outbox, type OutboxItem, type OutboxLimits } from './outbox.js';

export interface ClientPolicy {
  /** `host:port`, for the sentences the person reads. */
  readonly where: string;
  readonly nick?: string;
  readonly password?: string;
  /** The secret of the registered `nick`: sent as `/identify` before `/nick`, to a tcpchat server only. */
  readonly identity?: string;
  readonly framing: Framing;
  /** Reconnect attempts after a lost connection; 0 never, Infinity forever. */
  readonly retries: number;
  readonly backoff: Backoff;
  readonly outbox: OutboxLimits;
  /** Names this client across its reconnects; the server uses it to drop a stale connection. */
  readonly session: string;
  readonly random: () => number;
  /**
   * A person at a terminal: end of input (Ctrl-D) while reconnecting leaves at once, and a paste
   * past the full outbox pushes its oldest lines out. A pipe waits to deliver, and its lines are
   * never dropped: its reading pauses at half full (`pause-input`), which is what bounds the outbox.
   */
  readonly interactive?: boolean;
  /**
   * How long typed lines wait on a new connection for the peer to speak: a tcpchat server welcomes
   * at once, and its lines then go numbered, acknowledged and resent if lost. A peer silent this
   * long (`nc -l`) gets them plain. 0 or none: plain lines go out at once, before any welcome
   * (except with `identity`: then they wait for the welcome, or a heartbeat's silence).
   */
  readonly greetingMs?: number;
}

export type ClientEvent =
  | { readonly kind: 'start' }
  | { readonly kind: 'typed'; readonly line: string }
  | { readonly kind: 'input-ended' }
  | { readonly kind: 'leave' }
  | { readonly kind: 'connected' }
  /** `final`: no retry mends it (see `ConnectAttempt`); the client exits with that sentence. */
  | { readonly kind: 'connect-failed'; readonly error: unknown; readonly final?: string }
  | { readonly kind: 'received'; readonly lines: readonly string[] }
  /** The server sent a line over the limit: it was skipped up to its newline. */
  | { readonly kind: 'too-long'; readonly maxBytes: number }
  | { readonly kind: 'disconnected'; readonly error?: unknown }
  /** The peer said nothing for `greetingMs` after the connection opened: not tcpchat, which welcomes at once. */
  | { readonly kind: 'quiet' }
  /** Nothing from the server for `periods` heartbeats in a row. */
  | { readonly kind: 'silent'; readonly periods: number };

/** A line to show: what the server said, with its time and whether it is replayed history. */
export type DisplayLine = ServerLine & { readonly time?: string; readonly replayed?: boolean };

export type ClientEffect =
  | { readonly kind: 'connect'; readonly afterMs: number }
  | { readonly kind: 'send'; readonly lines: readonly string[] }
  /** Half-close: everything is sent; the server closes when it has handled it. */
  | { readonly kind: 'end' }
  | { readonly kind: 'display'; readonly lines: readonly DisplayLine[] }
  /** A word about the connection itself, for stderr (or above the prompt). */
  | { readonly kind: 'status'; readonly text: string }
  /** Stop or go on reading input: the outbox is nearly full, or has room again. */
  | { readonly kind: 'pause-input'; readonly paused: boolean }
  /** The server put us in this room (for the prompt); undefined: a server without rooms. */
  | { readonly kind: 'room'; readonly room?: string }
  | { readonly kind: 'exit'; readonly code: 0 | 1; readonly message?: string }
  /** The link is dead: end this connection now, as lost (a `disconnected` event follows). */
  | { readonly kind: 'drop' };

export interface ClientState {
  readonly phase: 'connecting' | 'connected' | 'waiting' | 'done';
  readonly everConnected: boolean;
  /** Failed attempts since the last good connection. */
  readonly attempt: number;
  /** Whether the current connection speaks tags (after the server answered `/cap`). */
  readonly tagged: boolean;
  /** Whether the server spoke tags before: then the outbox waits for the answer to `/cap`. */
  readonly wasTagged: boolean;
  /** Whether this connection sent `/cap`: its answer is a tagged line, the first one. */
  readonly capAsked: boolean;
  /** Whether this connection sent `/nick` already (with the first lines typed before the welcome). */
  readonly named: boolean;
  /** This connection's `/identify` and `/nick`, until the server has answered them: typed lines wait meanwhile. */
  readonly claim?: Claim;
  /** What this connection's peer has shown itself to be (see Peer). */
  readonly peer: Peer;
  readonly outbox: Outbox;
  readonly nextId: number;
  readonly epoch?: string;
  readonly lastSeq: number;
  /**
   * Private lines to us (`@pm=N`): the server process that numbers them, as its answer to `/cap`
   * named it (none: a server that keeps none), and the number of the last one shown.
   */
  readonly privatesRun?: string;
  readonly lastPrivate: number;
  /** The nick to ask for (again) after a reconnect. */
  readonly nick?: string;
  readonly leaving: boolean;
  readonly ended: boolean;
  /** Whether any connection was welcomed: the server is tcpchat, and only its welcome takes us back. */
  readonly everWelcomed: boolean;
  /** The last line received, when it sent us away (refused, kicked): if the close follows, we do not come back. */
  readonly farewell?: string;
  /** Lines dropped from the full outbox and not yet reported: one warning per burst. */
  readonly dropped: number;
  /** Lines evicted from the outbox while written and not acknowledged: lost if the connection dies before the next ack. */
  readonly unconfirmed: number;
  /** Lines dropped over the whole run (reported or not yet): the exit says so, with code 1. */
  readonly lost: number;
  /**
   * Reconnects in a row, input over, that were welcomed yet brought no ack: a server that takes us
   * back and closes again without answering (it lost its answers) uses up the retries this way.
   */
  readonly fruitless: number;
  readonly inputPaused: boolean;
  /**
   * Resuming: live lines that came between our `/cap` and the end of its replay, held so that
   * they show after the older lines replayed (`missed`, as the answer counted them, still to come).
   */
  readonly held?: readonly DisplayLine[];
  readonly missed: number;
  /** The room the server last said we are in; undefined on a server without rooms. */
  readonly room?: string;
  /** Resuming: the room we were in, asked back with `/cap` until the server answers it (a new welcome puts us in the first room). */
  readonly resumeRoom?: string;
  /** Lines still to come of a `/history` answer to a connection without tags (they show as replayed). */
  readonly historyLeft: number;
  /**
   * Counts the batches that showed the link works both ways: an answer to what this connection
   * sent (see `awaitsAnswer`), or any line while nothing awaited one. The heartbeat's silence counts
   * from the last, so lines that keep coming do not hide a link dead the other way.
   */
  readonly heard: number;
  /** Whether this connection said, once, that it waits for a quiet plain peer to close (see `silent`). */
  readonly saidWaiting: boolean;
}

/**
 * What the peer of this connection is. `unknown` until it shows it: typed lines wait, so that a
 * tcpchat server's welcome (which comes at once) can number them. `tcpchat`: it welcomed us.
 * `plain`: its first word was no welcome, or it stayed quiet for the greeting wait (`nc -l`); it
 * gets lines as they are. A plain peer that welcomes us later is tcpchat from then on.
 */
export type Peer = 'unknown' | 'plain' | 'tcpchat';

/** The nick asked for on this connection, and the server's answers to it so far. */
export interface Claim {
  readonly nick: string;
  /** Answers still to come: one per command (`/identify`, `/nick`). */
  readonly left: number;
  /** The nick the server last named us (the welcome's guest nick at first). */
  readonly as?: string;
  /** The server's errors answering the commands, said once the last answer is in. */
  readonly errors: readonly string[];
}

export function initialClientState(policy: ClientPolicy): ClientState {
  return {
    phase: 'connecting',
    everConnected: false,
    attempt: 0,
    tagged: false,
    wasTagged: false,
    capAsked: false,
    named: false,
    peer: 'unknown',
    outbox: EMPTY_OUTBOX,
    nextId: 1,
    lastSeq: 0,
    lastPrivate: 0,
    nick: policy.nick,
    leaving: false,
    ended: false,
    everWelcomed: false,
    dropped: 0,
    unconfirmed: 0,
    lost: 0,
    fruitless: 0,
    inputPaused: false,
    missed: 0,
    historyLeft: 0,
    heard: 0,
    saidWaiting: false,
  };
}

export interface Step {
  readonly state: ClientState;
  readonly effects: readonly ClientEffect[];
}

/**
 * The client's decisions, as a pure step from one state and event to the next state and effects.
 *
 * Connected to a tcpchat server (recognised by its welcome), the client asks for its nick, and
 * typed lines wait until the server has answered (see holding). It asks for tags too: from then
 * on each typed line carries an id and waits in the outbox until the server acknowledges it, and
 * every line from the server carries a sequence number, so nothing is shown twice. When the
 * connection is lost it retries with backoff, reclaims its nick, resumes from the last sequence
 * it saw and resends what was not acknowledged; it is back only once welcomed again. Lines typed
 * while disconnected wait in the bounded outbox, and input pauses while it is nearly full. A server
 * that sends it away (refused at the door, kicked, timed out) is not retried: it exits 1 with the
 * server's reason. Other servers (nc, ncat, the raw framing) get plain lines, at most once.
 */
export function stepClient(state: ClientState, event: ClientEvent, policy: ClientPolicy): Step {
  if (state.phase === 'done') return { state, effects: [] };
  return pressure(decide(state, event, policy), policy);
}

function decide(state: ClientState, event: ClientEvent, policy: ClientPolicy): Step {
  switch (event.kind) {
    case 'start':
      return { state, effects: [{ kind: 'connect', afterMs: 0 }] };
    case 'connected':
      return connected(state, policy);
    case 'connect-failed':
      return connectFailed(state, event.error, policy, event.final);
    case 'received':
      return received(state, event.lines, policy);
    case 'too-long':
      return tooLong(state, event.maxBytes, policy);
    case 'typed':
      return typed(state, event.line, policy);
    case 'input-ended':
      return inputEnded({ ...state, leaving: true }, policy);
    case 'leave': {
      // Connected but the outbox not yet written (that waits for the answer to /cap, for the peer to
      // show what it is, or for the answer to our nick): it is still unsent, so leaving says so, as when disconnected.
      if (state.phase === 'connected' && ((state.tagged && !holding(state)) || state.outbox.items.length === 0))
        return finishSending({ ...state, leaving: true, outbox: EMPTY_OUTBOX });
      const unsent = state.outbox.items.length;
      const left = exit(state, 0, unsent > 0 ? `left with ${lines(unsent)} unsent` : undefined);
      // A tcpchat server that has not yet answered our nick is still told we leave on purpose (see finishSending).
      const told = state.phase === 'connected' && state.peer === 'tcpchat' && !state.ended;
      return told ? { state: left.state, effects: [{ kind: 'send', lines: [QUIT] }, ...left.effects] } : left;
    }
    case 'disconnected':
      return disconnected(state, event.error, policy);
    case 'silent':
      return silent(state, event.periods, policy);
    case 'quiet':
      // The peer stayed silent since the connection opened: a plain one (`nc -l`).
      return takenForPlain(state, policy);
  }
}

function connected(state: ClientState, policy: ClientPolicy): Step {
  // `attempt` counts on until the server takes us back (see `welcomed`): one that accepts and hangs up at once is not back.
  const next: ClientState = {
    ...state,
    phase: 'connected',
    everConnected: true,
    tagged: false,
    capAsked: false,
    named: false,
    claim: undefined,
    peer: waitsForPeer(state, policy) ? 'unknown' : 'plain',
    ended: false,
    farewell: undefined,
    held: undefined,
    missed: 0,
    historyLeft: 0,
    saidWaiting: false,
  };
  const effects: ClientEffect[] = [];
  // A server that never welcomed us (nc, ncat, the raw framing) has nothing more to say than the connection itself.
  if (state.attempt > 0 && !state.everWelcomed) effects.push({ kind: 'status', text: `reconnected to ${policy.where}` });
  const greeting = policy.password ? [`/pass ${policy.password}`] : [];
  // The raw framing cannot carry a conversation about capabilities: say everything at once.
  if (policy.framing === 'raw' && state.nick) greeting.push(`/nick ${state.nick}`);
  if (greeting.length > 0) effects.push({ kind: 'send', lines: greeting });
  const step = release(next, policy);
  return { state: step.state, effects: [...effects, ...step.effects] };
}

/**
 * Whether typed lines on a new connection wait for the peer to show what it is: for the greeting
 * wait (see `ClientPolicy.greetingMs`), and with a secret for a nick, which goes to a tcpchat
 * server only, until the welcome. With the raw framing too: a tcpchat server reads commands (and
 * `//text`) as typed, the original programs only text (see rawTyped).
 */
function waitsForPeer(state: ClientState, policy: ClientPolicy): boolean {
  return Boolean(policy.greetingMs) || (policy.framing === 'line' && policy.identity !== undefined && state.nick !== undefined);
}

/** The unknown peer turned out plain: what waited goes, as it is. */
function takenForPlain(state: ClientState, policy: ClientPolicy): Step {
  if (state.phase !== 'connected' || state.peer !== 'unknown') return { state, effects: [] };
  return release({ ...state, peer: 'plain' }, policy);
}

function flushPlain(state: ClientState, policy: ClientPolicy): Step {
  const { state: reported, effects: drops } = reportDrops(state);
  const effects: ClientEffect[] = [...drops];
  let named = reported;
  if (state.outbox.items.length > 0) {
    const waited = state.outbox.items.map((item) => item.line);
    const { texts, said, quit } =
      policy.framing === 'raw' && state.peer === 'plain' ? asRawText(waited) : { texts: waited, said: [], quit: false };
    effects.push(...said);
    if (texts.length > 0) {
      const plain = sendPlain(reported, texts, policy);
      named = plain.state;
      effects.push(...plain.effects);
    }
    if (quit) {
      const done = quitRaw({ ...named, outbox: EMPTY_OUTBOX }, policy);
      return { state: done.state, effects: [...effects, ...done.effects] };
    }
  }
  const next = finishSending({ ...named, outbox: EMPTY_OUTBOX });
  return { state: next.state, effects: [...effects, ...next.effects] };
}

/**
 * Lines that go out untagged before any welcome. The nick goes first if it has not gone yet on
 * this connection: otherwise `echo hi | tcpchat connect --nick ci`, whose line and end of input
 * come before the welcome (which brings /cap and /nick), would speak under a guest name.
 * Nothing typed, nothing sent: a peer that is not tcpchat (`nc -l`) sees no `/nick` for nothing.
 */
function sendPlain(state: ClientState, typed: readonly string[], policy: ClientPolicy): Step {
  // A registered nick waits for the welcome: its secret goes to a tcpchat server only, never to whatever listens.
  const nickFirst = policy.framing === 'line' && state.nick !== undefined && !state.named && !state.capAsked && !policy.identity;
  return {
    state: nickFirst ? { ...state, named: true, claim: { nick: state.nick!, left: 1, errors: [] } } : state,
    effects: [{ kind: 'send', lines: nickFirst ? [`/nick ${state.nick}`, ...typed] : typed }],
  };
}

/**
 * Whether typed lines wait in the outbox instead of going out: while the peer is unknown; for a
 * server that spoke tags before, until it answers `/cap` again (they go numbered); and on a tcpchat
 * server until it has answered our `/identify` and `/nick`, so that none goes out under the guest nick.
 */
function holding(state: ClientState): boolean {
  return state.peer === 'unknown' || (state.wasTagged && !state.tagged) || (state.peer === 'tcpchat' && state.claim !== undefined);
}

/** Once nothing holds them, the lines in the outbox go (tagged once the server speaks tags); then, leaving, half-close. */
function release(state: ClientState, policy: ClientPolicy): Step {
  if (state.phase !== 'connected' || state.ended || holding(state)) return { state, effects: [] };
  if (!state.tagged) return flushPlain(state, policy);
  const { state: reported, effects: drops } = reportDrops(state);
  const resend = state.outbox.items.map((item) => formatTagged({ id: item.id }, item.line));
  const finish = finishSending(reported);
  return {
    state: finish.state,
    effects: [...drops, ...(resend.length > 0 ? [{ kind: 'send' as const, lines: resend }] : []), ...finish.effects],
  };
}

/**
 * When leaving and nothing waits to be sent on this connection, half-close it. A tcpchat server is
 * told `/quit` first: to it a bare close looks like a lost link, and it keeps `/msg` lines for a
 * client that is likely coming back.
 */
function finishSending(state: ClientState): Step {
  if (!state.leaving || state.ended || state.phase !== 'connected') return { state, effects: [] };
  // The outbox goes once /cap is answered (or the peer turns out to be plain), and once our nick is
  // answered: the half-close after it.
  const waiting = state.outbox.items.length > 0 && (!state.tagged || holding(state));
  if (waiting || (state.wasTagged && !state.tagged)) return { state, effects: [] };
  const next = { ...state, ended: true };
  return { state: next, effects: [...(saidQuit(next) ? [{ kind: 'send' as const, lines: [QUIT] }] : []), { kind: 'end' }] };
}

/** What a client that leaves on purpose says last to a tcpchat server. */
const QUIT = '/quit';

/** Whether this connection's half-close came with our own `/quit` (see finishSending). */
const saidQuit = (state: ClientState): boolean => state.ended && state.peer === 'tcpchat';

function typed(state: ClientState, typedLine: string, policy: ClientPolicy): Step {
  // Our side is closed (Ctrl-C while connected): a write now would fail, or, queued, make us
  // reconnect after the person left.
  if (state.ended) return { state, effects: [] };
  // The raw framing's own commands, for a peer that is not a tcpchat server (which reads them as
  // typed); lines that wait for the peer to show what it is are read so once it has (see flushPlain).
  // Not connected, `/quit` leaves at once, saying what was unsent.
  const plainNow = state.phase === 'connected' && state.peer === 'plain';
  const raw = policy.framing === 'raw' ? rawTyped(typedLine) : undefined;
  if (raw?.kind === 'quit' && (plainNow || state.phase !== 'connected')) return quitRaw(state, policy);
  if (raw?.kind === 'unavailable' && plainNow) return { state, effects: [{ kind: 'status', text: unavailableInRaw(raw.command) }] };
  const line = raw?.kind === 'text' && plainNow ? raw.text : typedLine;
  const leaving = state.leaving || /^\/quit(\s|$)/i.test(line);
  const base = { ...state, leaving };
  const held = holding(state);
  // Nothing to wait for (a plain peer, the raw framing): lines go at once; a tcpchat server numbers them once /cap is answered.
  if (state.phase === 'connected' && !held && !state.capAsked && !state.tagged) return sendPlain(base, [line], policy);
  const item: OutboxItem = { id: `${policy.session}.${state.nextId}`, line };
  const { outbox, dropped } = enqueue(state.outbox, item, policy.interactive ? policy.outbox : NEVER_FULL);
  const live = state.phase === 'connected' && state.tagged && !held;
  // On a live tagged connection every line in the outbox has been written: evicted, it is not
  // dropped but unconfirmed, and lost only if the connection dies before the next ack.
  const next: ClientState = {
    ...base,
    outbox,
    nextId: state.nextId + 1,
    dropped: state.dropped + (live ? 0 : dropped.length),
    unconfirmed: state.unconfirmed + (live ? dropped.length : 0),
  };
  const send: ClientEffect[] = live ? [{ kind: 'send', lines: [formatTagged({ id: item.id }, line)] }] : [];
  // The burst of drops is over once a line fits: it is reported then, once, with its count.
  if (dropped.length > 0) return { state: next, effects: send };
  const report = reportDrops(next);
  return { state: report.state, effects: [...report.effects, ...send] };
}

/** One warning for the lines dropped since the last one. */
function reportDrops(state: ClientState): Step {
  if (state.dropped === 0) return { state, effects: [] };
  return {
    state: { ...state, dropped: 0, lost: state.lost + state.dropped },
    effects: [{ kind: 'status', text: `outbox full: dropped the oldest ${lines(state.dropped)}` }],
  };
}

/** Typed lines that waited, as the raw framing sends them to a peer that is not tcpchat (see rawTyped), up to a `/quit`. */
function asRawText(typedLines: readonly string[]): { texts: string[]; said: ClientEffect[]; quit: boolean } {
  const texts: string[] = [];
  const said: ClientEffect[] = [];
  for (const typedLine of typedLines) {
    const raw = rawTyped(typedLine);
    if (raw.kind === 'quit') return { texts, said, quit: true };
    if (raw.kind === 'text') texts.push(raw.text);
    else said.push({ kind: 'status', text: unavailableInRaw(raw.command) });
  }
  return { texts, said, quit: false };
}

/** `/quit` with the raw framing: the server cannot be asked to close, so the client ends its side and exits. */
function quitRaw(state: ClientState, policy: ClientPolicy): Step {
  if (state.phase !== 'connected') return stepClient(state, { kind: 'leave' }, policy); // says what was left unsent
  const done = exit(state, 0);
  return { state: done.state, effects: [{ kind: 'end' }, ...done.effects] };
}

function received(state: ClientState, raw: readonly string[], policy: ClientPolicy): Step {
  const step = receivedLines(state, raw, policy);
  const proof = !awaitsAnswer(state) || step.answered;
  return proof ? { state: { ...step.state, heard: step.state.heard + 1 }, effects: step.effects } : step;
}

/**
 * Whether this connection waits for the tcpchat server to answer what it sent: `/cap`, the nick,
 * or written lines (each acknowledged). Until it does, other lines coming in prove nothing of
 * our side of the link (see `silent`).
 */
function awaitsAnswer(state: ClientState): boolean {
  if (state.phase !== 'connected' || state.peer !== 'tcpchat') return false;
  if ((state.capAsked && !state.tagged) || state.claim !== undefined) return true;
  return state.tagged && state.outbox.items.length > 0;
}

function receivedLines(state: ClientState, raw: readonly string[], policy: ClientPolicy): Step & { answered: boolean } {
  let next = state;
  let answered = false;
  const effects: ClientEffect[] = [];
  const shown: DisplayLine[] = [];
  const flushShown = (): void => {
    if (shown.length > 0) effects.push({ kind: 'display', lines: shown.splice(0) });
  };
  if (next.attempt > 0 && !next.everWelcomed) next = { ...next, attempt: 0 };
  let spoke = false;
  for (const line of raw) {
    // capAsked: on the first connection the answer to /cap is the first tagged line, so it must be parsed too.
    const { tags, text } = next.tagged || next.wasTagged || next.capAsked ? parseTagged(line) : { tags: {}, text: line };
    if (tags.cap !== undefined) {
      flushShown();
      const step = capabilityGranted(next, tags, policy);
      answered = true;
      next = { ...step.state, missed: Number(tags.missed) || 0 };
      effects.push(...step.effects);
      next = releaseHeld(next, shown);
      continue;
    }
    const ack = parseAck(tags);
    if (ack !== undefined) {
      // Acks come in order: one for a line still held confirms the evicted (older) ones too; one for an evicted line does not.
      const outbox = acknowledge(next.outbox, ack);
      if (outbox !== next.outbox) next = { ...next, outbox, unconfirmed: 0, fruitless: 0 };
      answered = true;
      continue;
    }
    if (isPing(tags) || tags.pong !== undefined) {
      if (isPing(tags) && !next.ended) effects.push({ kind: 'send', lines: [PONG] });
      answered ||= tags.pong !== undefined;
      continue;
    }
    if (tags.seq !== undefined) {
      const seq = Number(tags.seq);
      // A live line at or below the last seen came twice; replayed ones (/history, resume) were asked for.
      if (seq <= next.lastSeq && tags.replay === undefined) continue;
      if (seq > next.lastSeq) next = { ...next, lastSeq: seq };
    }
    if (tags.pm !== undefined) {
      const pm = Number(tags.pm);
      // A replayed private line shown already is not shown again (it still counts as one of those missed).
      if (tags.replay !== undefined && pm <= next.lastPrivate) {
        next = releaseHeld({ ...next, missed: Math.max(0, next.missed - 1) }, shown);
        continue;
      }
      next = { ...next, lastPrivate: pm };
    }
    const clean = sanitize(text);
    const parsed = parseServerLine(clean);
    if (policy.password !== undefined && isPasswordPrompt(parsed)) continue; // answered already
    if (saidQuit(next) && isBye(parsed)) continue; // the answer to a /quit the person did not type
    spoke = true;
    // Sentences to us alone carry no sequence number: a room line that looks like one (`/me` of a nick `you`) is only shown.
    const toUs = tags.seq === undefined;
    const welcome = toUs ? parseWelcome(clean) : undefined;
    const renamed = toUs ? parseRenamed(clean) : undefined;
    if (renamed !== undefined && !isGuestNick(renamed)) next = { ...next, nick: renamed };
    const history = toUs ? historyLine(next, clean) : { state: next, replayed: false, marker: false };
    next = history.state;
    // Resuming, the room's last lines that come with the welcome are what the replay brings: shown once, from it.
    if (next.held !== undefined && !next.tagged && (history.replayed || history.marker)) continue;
    // The server's last word to us alone, like any sentence to us, carries no sequence number.
    next = { ...next, farewell: toUs ? farewellSentence(parsed, next, policy) : undefined };
    if (welcome) {
      flushShown();
      const back = welcomed(next, policy);
      next = back.state.claim ? { ...back.state, claim: { ...back.state.claim, as: welcome.nick } } : back.state;
      effects.push(...back.effects);
    }
    // Its effects (the held lines going out) follow the answer, when it shows.
    const answer = toUs ? answerClaim(next, renamed, parsed, policy) : undefined;
    answered ||= answer !== undefined;
    if (answer) next = answer.step.state;
    if (answer && !answer.shown) {
      flushShown();
      effects.push(...answer.step.effects);
      continue;
    }
    const moved = toUs ? followRoom(next, welcome, clean) : undefined;
    const holdingLive = next.held !== undefined && !next.tagged;
    if (moved) {
      // Resuming, where the server puts us shows at once, after what was held from the room before:
      // the replay that follows is then read as this room's.
      if (holdingLive) shown.push(...next.held!);
      if (moved.effects.length > 0) flushShown();
      next = holdingLive ? { ...moved.state, held: [] } : moved.state;
      effects.push(...moved.effects);
    }
    const display: DisplayLine = {
      ...parsed,
      ...(tags.time ? { time: tags.time } : {}),
      ...(tags.replay !== undefined || history.replayed ? { replayed: true } : {}),
    };
    const heldBack = holdingLive && !moved;
    if (heldBack) next = { ...next, held: [...next.held!, display] };
    else shown.push(display);
    if (answer && answer.step.effects.length > 0) {
      flushShown();
      effects.push(...answer.step.effects);
    }
    if (heldBack) continue;
    if (tags.replay !== undefined && next.missed > 0) next = { ...next, missed: next.missed - 1 };
    next = releaseHeld(next, shown);
    // Not after our half-close (`echo hi | tcpchat connect` ends before the welcome): no more writes then.
    if (welcome && policy.framing === 'line' && !next.ended) {
      flushShown();
      const naming = namingCommands(next, policy);
      effects.push({ kind: 'send', lines: [capCommand(next, policy), ...naming] });
      const claim = naming.length > 0 ? { nick: next.nick!, left: naming.length, as: welcome.nick, errors: [] } : next.claim;
      next = { ...next, capAsked: true, claim, held: next.epoch === undefined ? undefined : [] };
    } else if (welcome && policy.framing === 'raw') {
      // No /cap in the raw framing: what waited for the peer to show goes now, as typed.
      flushShown();
      const released = release(next, policy);
      next = released.state;
      effects.push(...released.effects);
    }
  }
  flushShown();
  // The peer's first words brought no welcome: a plain peer, which gets what waited.
  if (spoke) {
    const plain = takenForPlain(next, policy);
    return { state: plain.state, effects: [...effects, ...plain.effects], answered };
  }
  return { state: next, effects, answered };
}

/**
 * A line from the server too long to show: said on our side (never taken for the server's words,
 * a refusal least of all), and a word from the peer all the same: not its welcome, nor its farewell.
 */
function tooLong(state: ClientState, maxBytes: number, policy: ClientPolicy): Step {
  const said: ClientEffect = { kind: 'status', text: `a line from the server was too long (over ${maxBytes} bytes) and was dropped` };
  const step = takenForPlain({ ...state, farewell: undefined }, policy);
  return { state: step.state, effects: [said, ...step.effects] };
}

const isPasswordPrompt = (line: ServerLine): boolean => line.kind === 'notice' && line.text === PASSWORD_PROMPT;

/**
 * The room the server put us in: the welcome names it (none: a server without rooms), and
 * `you are now in #dev` moves us. Resuming, the welcome puts us in the first room: the room we
 * were in is asked back with /cap (see greetTcpchat), also if the connection is lost again first.
 */
function followRoom(state: ClientState, welcome: Welcome | undefined, line: string): Step | undefined {
  const moved = welcome ?? parseInRoom(line);
  if (moved === undefined) return undefined;
  let { resumeRoom } = state;
  if (welcome) resumeRoom = state.epoch !== undefined && welcome.room !== undefined ? (state.resumeRoom ?? state.room) : undefined;
  const { room } = moved;
  return {
    state: { ...state, room, resumeRoom },
    effects: room === state.room ? [] : [{ kind: 'room', ...(room === undefined ? {} : { room }) }],
  };
}

/**
 * A `/history` answer to a connection without tags comes between two markers: the lines between
 * them show as replayed, as a tagged replay does. Counted, so a lost end marker marks no more.
 */
function historyLine(state: ClientState, line: string): { state: ClientState; replayed: boolean; marker: boolean } {
  const marker = parseHistoryMarker(line);
  if (marker) return { state: { ...state, historyLeft: marker.kind === 'start' ? marker.count : 0 }, replayed: false, marker: true };
  if (state.historyLeft === 0) return { state, replayed: false, marker: false };
  return { state: { ...state, historyLeft: state.historyLeft - 1 }, replayed: true, marker: false };
}

/** Once the replay is over, the live lines held meanwhile follow it. */
function releaseHeld(state: ClientState, shown: DisplayLine[]): ClientState {
  if (state.held === undefined || !state.tagged || state.missed > 0) return state;
  shown.push(...state.held);
  return { ...state, held: undefined };
}

/** The server took us (back): only now are we reconnected, and only now does the count of retries start again. */
function welcomed(state: ClientState, policy: ClientPolicy): Step {
  // Input over with lines unacknowledged, only an ack is progress (see `fruitless`).
  const fruitless = state.leaving && state.outbox.items.length > 0 ? state.fruitless + 1 : 0;
  const next: ClientState = { ...state, peer: 'tcpchat', everWelcomed: true, attempt: 0, fruitless };
  return { state: next, effects: state.attempt > 0 ? [{ kind: 'status', text: `reconnected to ${policy.where}` }] : [] };
}

/** The sentence to leave with if `line` is the server's last word before the close. */
function farewellSentence(line: ServerLine, state: ClientState, policy: ClientPolicy): string | undefined {
  const farewell = parseFarewell(line, state.peer === 'tcpchat');
  if (farewell === undefined) return undefined;
  return farewell.refused ? `${policy.where} refused us: ${farewell.reason}` : farewell.reason;
}

/** A tcpchat server welcomed us: ask for tags, resuming where we were. */
function capCommand(state: ClientState, policy: ClientPolicy): string {
  const room = state.resumeRoom === undefined ? '' : ` room=${state.resumeRoom}`;
  const privates = state.privatesRun === undefined ? '' : ` privates=${state.privatesRun}:${state.lastPrivate}`;
  const resume = state.epoch === undefined ? '' : ` resume=${state.epoch}:${state.lastSeq}${privates}${room}`;
  return `/cap tcpchat session=${policy.session}${resume}`;
}

/** And for our nick (unless asked already), identified first when it is registered. */
function namingCommands(state: ClientState, policy: ClientPolicy): string[] {
  if (!state.nick || state.named) return [];
  return [...(policy.identity ? [`/identify ${state.nick} ${policy.identity}`] : []), `/nick ${state.nick}`];
}

function capabilityGranted(state: ClientState, tags: Tags, policy: ClientPolicy): Step {
  const epoch = tags.epoch ?? '';
  // Sequence numbers from another server run mean nothing: count from where this one is.
  const lastSeq = epoch === state.epoch ? state.lastSeq : Number(tags.seq) || 0;
  // Nor do private numbers from another server process: it numbers its own.
  const privatesRun = tags.privates;
  const lastPrivate = privatesRun === state.privatesRun ? state.lastPrivate : 0;
  return release({ ...state, tagged: true, wasTagged: true, epoch, lastSeq, privatesRun, lastPrivate, resumeRoom: undefined }, policy);
}

/**
 * An answer to this connection's `/identify` or `/nick` (a rename, a `you are`, or an error).
 * After the last one the held lines go: under the nick, or, refused, under the one the server
 * gave, said in one line with the server's reasons. A `you are ada` after `/identify` took ada
 * says nothing new and is not shown; errors show only in that line.
 */
function answerClaim(
  state: ClientState,
  renamed: string | undefined,
  line: ServerLine,
  policy: ClientPolicy,
): { step: Step; shown: boolean } | undefined {
  const { claim } = state;
  if (claim === undefined || state.peer !== 'tcpchat' || state.farewell !== undefined) return undefined; // sent away: the exit says why
  if (renamed === undefined && line.kind !== 'error') return undefined;
  const had = claim.as !== undefined && nickKey(claim.as) === nickKey(claim.nick);
  const next: Claim = {
    ...claim,
    left: claim.left - 1,
    as: renamed ?? claim.as,
    errors: line.kind === 'error' ? [...claim.errors, line.text] : claim.errors,
  };
  const shown = renamed !== undefined && !had;
  if (next.left > 0) return { step: { state: { ...state, claim: next }, effects: [] }, shown };
  const said = claimOutcome(next);
  const released = release({ ...state, claim: undefined }, policy);
  return { step: { state: released.state, effects: [...said, ...released.effects] }, shown };
}

function claimOutcome({ nick, as, errors }: Claim): ClientEffect[] {
  const reasons = errors.join('; ');
  if (as !== undefined && nickKey(as) === nickKey(nick))
    return errors.length === 0 ? [] : [{ kind: 'status', text: `you are ${as}; the server also said: ${reasons}` }];
  const why = errors.length === 0 ? '' : ` (${reasons})`;
  return [{ kind: 'status', text: `the server refused the nick ${nick}${why}; you are ${as ?? 'a guest'}` }];
}

/**
 * The server has said nothing for a while, or nothing that answers what we sent (see `heard`). A
 * tcpchat server (one that spoke tags, or one that owes an answer) is pinged after each silent
 * heartbeat and its link taken for dead after `MISSED_ANSWERS` unanswered pings, also when a
 * reconnect to it has not been welcomed yet, or its answer to `/cap` does not come. Other peers may
 * well be silent: left alone.
 */
function silent(state: ClientState, periods: number, policy: ClientPolicy): Step {
  // No welcome within a heartbeat, and no greeting wait to tell: not a tcpchat server (see waitsForPeer).
  if (state.peer === 'unknown' && !policy.greetingMs) return takenForPlain(state, policy);
  // Input over and sent, a quiet plain peer (`nc -l`, or a link that died) may still answer: we wait for it, and say so once.
  if (state.phase === 'connected' && state.peer === 'plain' && state.ended && !state.saidWaiting)
    return {
      state: { ...state, saidWaiting: true },
      effects: [{ kind: 'status', text: `all input sent; waiting for ${policy.where} to close the connection (Ctrl-C leaves)` }],
    };
  if (state.phase !== 'connected' || !(state.wasTagged || awaitsAnswer(state))) return { state, effects: [] };
  if (periods > MISSED_ANSWERS) return { state, effects: [{ kind: 'drop' }] };
  return { state, effects: state.tagged && !state.ended ? [{ kind: 'send', lines: [PING] }] : [] };
}

function disconnected(state: ClientState, error: unknown, policy: ClientPolicy): Step {
  // Sent away, or a server we cannot talk to: coming back would only be refused again.
  if (state.farewell !== undefined) return exit(state, 1, withUnsent(state, state.farewell));
  if (error instanceof ServerSpeaksTlsError) return exit(state, 1, withUnsent(state, `cannot talk to ${policy.where}: ${error.message}`));
  if (state.unconfirmed > 0) state = { ...state, dropped: state.dropped + state.unconfirmed, unconfirmed: 0 };
  const reason =
    error === undefined || closedByPeer(error) ? 'the server closed the connection' : `connection lost: ${describeConnectionError(error)}`;
  // Leaving, a close is the end only once every line is acknowledged (or went plain): otherwise
  // reconnect and resend. Without tags the outbox holds only lines held for the welcome or the nick's answer.
  if (state.leaving && state.outbox.items.length === 0) return exit(state, 0);
  return retry({ ...state, tagged: false }, reason, policy);
}

/**
 * A write refused as a broken pipe: the server had closed the connection (its end arrived, unread,
 * before we wrote: a client woken from a stop writes its ping first), and our write met its reset.
 */
const closedByPeer = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === 'EPIPE';

function connectFailed(state: ClientState, error: unknown, policy: ClientPolicy, final?: string): Step {
  if (final !== undefined) return exit(state, 1, withUnsent(state, final));
  const reason = describeConnectionError(error);
  if (!state.everConnected) return exit(state, 1, `cannot connect to ${policy.where}: ${reason}`);
  return retry(state, `cannot reach ${policy.where}: ${reason}`, policy);
}

function retry(state: ClientState, reason: string, policy: ClientPolicy): Step {
  const tried = Math.max(state.attempt, state.fruitless);
  if (tried >= policy.retries) {
    const tries = tried === 0 ? '' : ` (gave up after ${tried} ${tried === 1 ? 'retry' : 'retries'})`;
    return exit(state, 1, withUnsent(state, `${reason}${tries}`));
  }
  const afterMs = backoffDelay(state.attempt, policy.backoff, policy.random);
  return {
    state: { ...state, phase: 'waiting', attempt: state.attempt + 1 },
    effects: [
      { kind: 'status', text: `${reason}; reconnecting in ${(afterMs / 1000).toFixed(1)} s` },
      { kind: 'connect', afterMs },
    ],
  };
}

/**
 * End of input. Connected (or not yet connected at all): send what is left, then half-close.
 * While reconnecting: with nothing queued there is nothing to wait for; a person (Ctrl-D) leaves
 * at once, told what could not be sent; a pipe waits to deliver what it gave, within `--retry`.
 */
function inputEnded(state: ClientState, policy: ClientPolicy): Step {
  const reconnecting = state.phase !== 'connected' && state.attempt > 0;
  // A peer not known yet: the end waits for it to show, so a tcpchat server's welcome still gets
  // /cap and the nick, whose answers come before its close (`tcpchat connect --nick ci </dev/null`).
  if (!reconnecting) return state.peer === 'unknown' ? { state, effects: [] } : finishSending(state);
  const unsent = state.outbox.items.length;
  if (unsent === 0) return exit(state, 0, `input ended while reconnecting to ${policy.where}; nothing was unsent`);
  if (!policy.interactive) return { state, effects: [] };
  return exit(state, 1, `input ended while reconnecting to ${policy.where}; ${lines(unsent)} unsent`);
}

/** Leaving with lines still waiting says so: they are never lost silently. */
function withUnsent(state: ClientState, message: string): string {
  return state.outbox.items.length > 0 ? `${message}; ${lines(state.outbox.items.length)} unsent` : message;
}

/** The end: lines dropped from the full outbox at any time make it a failure, said in its last sentence. */
function exit(state: ClientState, code: 0 | 1, message?: string): Step {
  const { state: reported, effects: drops } = reportDrops(state);
  const { lost } = reported;
  const said =
    lost > 0 ? [message, `${lines(lost)} ${lost === 1 ? 'was' : 'were'} dropped from the full outbox`].filter(Boolean).join('; ') : message;
  const end: ClientEffect = { kind: 'exit', code: lost > 0 ? 1 : code, ...(said ? { message: said } : {}) };
  return { state: { ...reported, phase: 'done' }, effects: [...drops, end] };
}

/**
 * Reading input pauses while the outbox is half full and goes on once it is down to a quarter,
 * so a flood from a pipe or a paste waits for the server's acks (or for the reconnect) instead of
 * pushing the oldest lines out. Half, because what was read before the pause still comes: a pipe's
 * 64 KiB read of long lines is more than the last quarter of the outbox's 256 KiB.
 */
function pressure(step: Step, policy: ClientPolicy): Step {
  const { state } = step;
  if (state.phase === 'done') return step;
  const paused = outboxFilled(state.outbox, policy.outbox) >= (state.inputPaused ? 0.25 : 0.5);
  if (paused === state.inputPaused) return step;
  return { state: { ...state, inputPaused: paused }, effects: [...step.effects, { kind: 'pause-input', paused }] };
}

const lines = (count: number): string => `${count} ${count === 1 ? 'line' : 'lines'}`;
