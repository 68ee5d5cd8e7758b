import { describe, expect, it } from '@jest/globals';
import { parseTagged } from '../../../streams/protocol/tags.js';
import type { Effect, RouterEvent } from '../../../streams/server/events.js';
import type { ConnId, ServerModel } from '../../../streams/server/model.js';
import { PRIVATE_LINES_KEPT, PRIVATE_SESSIONS_KEPT, PRIVATE_TEXT_KEPT } from '../../../streams/server/private-lines.js';
import { routerOn, type Router } from '../../../streams/server/router.js';
import { testModel } from './model-fixture.js';

// Private lines to tcpchat's own client: numbered per session, kept a while, replayed on resume.

const EPOCH = 'run-1'; // testModel's epoch, which names the private numbering too
const TIME = '1970-01-01T00:00:00.000Z';

const open = (id: ConnId): RouterEvent => ({ kind: 'open', id, ip: `10.0.0.${id}`, port: 4000 });
const lines = (id: ConnId, ...batch: string[]): RouterEvent => ({ kind: 'lines', id, lines: batch });
const inbox = (effects: readonly Effect[], id: ConnId): string[] =>
  effects.flatMap((effect) => (effect.kind === 'send' && effect.to.includes(id) ? effect.lines : []));
const privates = (received: readonly string[]) =>
  received
    .map(parseTagged)
    .filter((line) => line.tags.pm !== undefined)
    .map(({ tags, text }) => ({ pm: Number(tags.pm), text, replay: tags.replay !== undefined }));
/** What it is told of private lines, and of a restart. */
const notices = (received: readonly string[]) =>
  received
    .map(parseTagged)
    .filter((line) => /^\* .*(private|restarted)/.test(line.text))
    .map((line) => line.text);

/**
 * bb (connection 1, session `bb`, tagged) and a plain sender (connection 2). `resume(id, privates)`
 * is bb back on a new connection, its old one not closed yet (a dead link), with `privates=` as given;
 * `msg` a private line to bb's connection of the time.
 */
function scene(model: ServerModel = testModel()) {
  const r: Router = routerOn(model);
  r(open(1));
  r(lines(1, '/cap tcpchat session=bb', '/nick bb'));
  r(open(2));
  let bb = 1;
  const msg = (text: string) => inbox(r(lines(2, `/msg bb ${text}`)), bb);
  const resume = (point?: string) => {
    const id = (bb += 1000);
    r(open(id));
    const field = point === undefined ? '' : ` privates=${point}`;
    const effects = r(lines(id, `/cap tcpchat session=bb resume=${EPOCH}:${model.sequence.lastSeq}${field}`, '/nick bb'));
    const received = inbox(effects, id);
    return { received, answer: received.map(parseTagged).find((line) => line.tags.cap !== undefined)!.tags };
  };
  return { r, model, msg, resume };
}

describe('private lines to a tagged client', () => {
  it('carry their own number per session, and the answer to /cap names the run that numbers them', () => {
    const { r, msg } = scene();
    expect(msg('one')).toEqual([`@pm=1;time=${TIME} *guest-2* one`]);
    expect(msg('two')).toEqual([`@pm=2;time=${TIME} *guest-2* two`]);
    r(open(9));
    expect(inbox(r(lines(9, '/cap tcpchat session=other')), 9)[0]).toContain(`;privates=${EPOCH}`);
  });

  it('are kept only from the first private line to a tagged session: idle and plain connections cost nothing', () => {
    const model = testModel();
    const r = routerOn(model);
    r(open(1));
    r(lines(1, '/cap tcpchat session=idle'));
    r(open(2));
    r(open(3));
    expect(inbox(r(lines(3, '/msg guest-2 to a plain one')), 2)).toEqual(['*guest-3* to a plain one']);
    expect(model.privates.sessions.size).toBe(0);
    r(lines(3, '/msg guest-1 now'));
    expect([...model.privates.sessions.keys()]).toEqual(['idle']);
  });
});

describe('resuming with privates=RUN:N', () => {
  it('replays the private lines after N, once, in order, marked replay, counted in missed, then live ones go on', () => {
    const { msg, resume } = scene();
    msg('private one');
    msg('private two'); // written into the dying link
    msg('private three');
    const { received, answer } = resume(`${EPOCH}:1`);
    expect(privates(received)).toEqual([
      { pm: 2, text: '*guest-2* private two', replay: true },
      { pm: 3, text: '*guest-2* private three', replay: true },
    ]);
    expect(answer.missed).toBe('2');
    expect(notices(received)).toEqual([]);
    expect(privates(msg('private four'))).toEqual([{ pm: 4, text: '*guest-2* private four', replay: false }]);
  });

  it('replays nothing when it showed the last one', () => {
    const { msg, resume } = scene();
    msg('one');
    const { received, answer } = resume(`${EPOCH}:1`);
    expect(privates(received)).toEqual([]);
    expect(answer.missed).toBe('0');
  });

  it('without the field (an older client) replays no private line', () => {
    const { msg, resume } = scene();
    msg('one');
    expect(privates(resume().received)).toEqual([]);
  });

  it('tells in one line, first, how many are no longer kept when more came than are kept', () => {
    const { msg, resume } = scene();
    for (let i = 1; i <= PRIVATE_LINES_KEPT + 3; i++) msg(`line ${i}`);
    const { received } = resume(`${EPOCH}:0`);
    const replayed = privates(received);
    expect(replayed).toHaveLength(PRIVATE_LINES_KEPT);
    expect(replayed[0]).toEqual({ pm: 4, text: '*guest-2* line 4', replay: true });
    const told = received.findIndex((line) => line.includes('private lines to you'));
    expect(received[told]).toBe(
      `@time=${TIME} * 3 private lines to you while you were away can no longer be replayed (more came than are kept for you)`,
    );
    expect(told).toBeLessThan(received.findIndex((line) => line.startsWith('@pm=')));
  });

  it('counts only those after N as gone', () => {
    const { msg, resume } = scene();
    for (let i = 1; i <= PRIVATE_LINES_KEPT + 3; i++) msg(`line ${i}`);
    expect(notices(resume(`${EPOCH}:2`).received)).toEqual([
      '* 1 private line to you while you were away can no longer be replayed (more came than are kept for you)',
    ]);
  });

  it('keeps at most so much text per session, but always the last line', () => {
    const { msg, resume, model } = scene();
    const long = 'x'.repeat(PRIVATE_TEXT_KEPT / 2);
    msg(long);
    msg(long);
    msg('short');
    expect(privates(resume(`${EPOCH}:0`).received).map((line) => line.pm)).toEqual([2, 3]);
    msg('y'.repeat(PRIVATE_TEXT_KEPT * 2));
    expect(model.privates.sessions.get('bb')!.kept.map((line) => line.pm)).toEqual([4]);
  });

  it('forgets the sessions written to longest ago past the bound, and says their lines may be gone', () => {
    const { r, msg, resume, model } = scene();
    msg('one');
    for (let i = 0; i < PRIVATE_SESSIONS_KEPT; i++) {
      r(open(100_000 + i));
      r(lines(100_000 + i, `/cap tcpchat session=s${i}`, `/nick n${i}`));
      r(lines(2, `/msg n${i} hi`));
    }
    expect(model.privates.sessions.size).toBe(PRIVATE_SESSIONS_KEPT);
    expect(model.privates.sessions.has('bb')).toBe(false);
    msg('after'); // a new record for bb, numbered after every number given so far
    const { received } = resume(`${EPOCH}:1`);
    expect(notices(received)).toEqual([
      '* private lines to you while you were away, if any, cannot be replayed here: too many others were sent private lines since',
    ]);
    expect(privates(received)).toEqual([{ pm: PRIVATE_SESSIONS_KEPT + 2, text: '*guest-2* after', replay: true }]);
  });

  it("from another process's numbering (a restart with --data, another node) says they cannot be replayed here", () => {
    const { msg, resume } = scene();
    msg('one');
    const { received } = resume('an-older-process:7');
    expect(privates(received)).toEqual([]);
    expect(notices(received)).toEqual([
      '* private lines to you while you were away, if any, cannot be replayed here: they are kept only by the server that had you then',
    ]);
  });

  it('after a restart that lost the history says only that the server restarted', () => {
    const { r, msg } = scene();
    msg('one');
    r(open(5));
    const received = inbox(r(lines(5, `/cap tcpchat session=bb resume=older:3 privates=older:1`)), 5);
    expect(privates(received)).toEqual([]);
    expect(notices(received)).toEqual([
      '* the server has restarted since; what was said before is gone, and a line sent as it went down may show twice',
    ]);
  });

  it('of a connection that asked for tags without a session go to no one who names a session: none can take it over', () => {
    const model = testModel();
    const r: Router = routerOn(model);
    r(open(1));
    r(lines(1, '/nick vic', '/cap tcpchat'));
    r(open(2));
    r(lines(2, '/msg vic secret'));
    r(open(3));
    for (const guess of ['connection-1', 'connection', 'connection 1', '1', 'vic']) {
      const effects = r(lines(3, `/cap tcpchat session=${guess} resume=${EPOCH}:0 privates=${EPOCH}:0`));
      expect(inbox(effects, 3).filter((line) => line.includes('secret'))).toEqual([]);
      expect(effects.filter((effect) => effect.kind === 'close')).toEqual([]);
    }
    // Still vic's, tagged but not numbered: nothing is kept for a session none can come back to.
    expect(inbox(r(lines(2, '/msg vic still there?')), 1)).toEqual([`@time=${TIME} *guest-2* still there?`]);
    expect(model.privates.sessions.size).toBe(0);
  });

  it("to a nick whose client lost its link a moment ago are kept for its return, and the sender is told so, not 'no such nick'", () => {
    let now = 0;
    const { r, resume } = scene(testModel({ now: () => now }));
    expect(inbox(r(lines(2, '/msg bb one')), 1)).toHaveLength(1);
    r({ kind: 'closed', id: 1, reason: 'connection reset' });
    expect(inbox(r(lines(2, '/msg bb two while away')), 2)).toEqual([
      '* bb lost its connection a moment ago; your private line is kept for when it is back',
    ]);
    const { received } = resume(`${EPOCH}:1`);
    expect(privates(received)).toEqual([{ pm: 2, text: '*guest-2* two while away', replay: true }]);
    r({ kind: 'closed', id: 1001, reason: 'connection reset' });
    now += 10 * 60_000 + 1; // long gone: no longer taken to be coming back
    expect(inbox(r(lines(2, '/msg bb three')), 2)).toEqual(['! no such nick: bb']);
  });

  it('to a nick whose holder quit are refused as before: it is not coming back', () => {
    const { r } = scene();
    r(lines(1, '/quit'));
    r({ kind: 'closed', id: 1, reason: 'connection closed' });
    expect(inbox(r(lines(2, '/msg bb hello?')), 2)).toEqual(['! no such nick: bb']);
  });

  it('to the nick a client left are no longer kept for it once it is back, under that nick or another', () => {
    const { r } = scene();
    r({ kind: 'closed', id: 1, reason: 'connection reset' });
    r(open(3));
    r(lines(3, '/nick bb')); // someone else took bb meanwhile
    r(open(4));
    r(lines(4, '/cap tcpchat session=bb', '/nick bb')); // bb is back, as a guest
    r(lines(3, '/quit'));
    r({ kind: 'closed', id: 3, reason: 'connection closed' });
    const effects = r(lines(2, '/msg bb anyone?'));
    expect(inbox(effects, 2)).toEqual(['! no such nick: bb']);
  });

  it('to a nick whose client came back and then quit are refused: it is not coming back again', () => {
    const { r, resume } = scene();
    r({ kind: 'closed', id: 1, reason: 'connection reset' });
    resume(`${EPOCH}:0`);
    r(lines(1001, '/quit'));
    r({ kind: 'closed', id: 1001, reason: 'connection closed' });
    expect(inbox(r(lines(2, '/msg bb hi')), 2)).toEqual(['! no such nick: bb']);
  });

  it('to a nick two clients held in turn, both lost and both back, go to neither once its holder quits', () => {
    const { r } = scene();
    r({ kind: 'closed', id: 1, reason: 'connection reset' }); // bb away
    r(open(3));
    r(lines(3, '/cap tcpchat session=cc', '/nick bb')); // cc takes bb, then loses its link too
    r({ kind: 'closed', id: 3, reason: 'connection reset' });
    r(open(4));
    r(lines(4, '/cap tcpchat session=bb', '/nick bb')); // bb back first, as bb
    r(open(5));
    r(lines(5, '/cap tcpchat session=cc', '/nick bb')); // cc back, as a guest
    r(lines(4, '/quit'));
    r({ kind: 'closed', id: 4, reason: 'connection closed' });
    const effects = r(lines(2, '/msg bb after the quit'));
    expect(inbox(effects, 2)).toEqual(['! no such nick: bb']);
    expect(inbox(effects, 5)).toEqual([]);
  });
});
