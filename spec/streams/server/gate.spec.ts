import { describe, expect, it } from '@jest/globals';
import { parseAccess } from '../../../streams/limits/access.js';
import { DEFAULT_ADMISSION_LIMITS } from '../../../streams/server/admission.js';
import { createGate, type GateOptions } from '../../../streams/server/gate.js';

const gate = (options: Partial<GateOptions> = {}) => {
  let now = 0;
  const door = createGate({ admission: DEFAULT_ADMISSION_LIMITS, now: () => now, ...options });
  return { door, at: (time: number) => (now = time) };
};

describe('createGate', () => {
  it('lets everyone in when there is no password', () => {
    const { door } = gate();
    expect(door.open(1, '10.0.0.1')).toEqual({ kind: 'join' });
    expect(door.waiting(1)).toBe(false);
  });

  it('holds a connection at the door until the right /pass', () => {
    const { door } = gate({ password: 'hunter2 and more' });
    expect(door.open(1, '10.0.0.1')).toEqual({ kind: 'wait-for-password' });
    expect(door.waiting(1)).toBe(true);
    expect(door.answer(1, '/PASS hunter2 and more')).toEqual({ kind: 'join' });
    expect(door.waiting(1)).toBe(false);
  });

  it('asks for the new password after a rekey, and never starts asking on a server without one', () => {
    const { door } = gate({ password: 'old' });
    door.open(1, '10.0.0.1');
    door.rekey('new');
    expect(door.answer(1, '/pass old')).toEqual({ kind: 'refuse', reason: 'authentication failed' });
    door.open(2, '10.0.0.1');
    expect(door.answer(2, '/pass new')).toEqual({ kind: 'join' });

    const open = gate().door;
    open.rekey('new');
    expect(open.open(1, '10.0.0.1')).toEqual({ kind: 'join' });
  });

  it.each(['/pass hunter3', '/pass', 'hunter2', '/nick ada', '//pass hunter2', ''])('refuses %j as the first line', (line) => {
    const { door } = gate({ password: 'hunter2' });
    door.open(1, '10.0.0.1');
    expect(door.answer(1, line)).toEqual({ kind: 'refuse', reason: 'authentication failed' });
    expect(door.waiting(1)).toBe(false);
  });

  it('locks out an address after repeated failures, then lets it try again later', () => {
    const { door, at } = gate({ password: 'pw', admission: { ...DEFAULT_ADMISSION_LIMITS, maxAuthFailures: 3, lockoutMs: 60_000 } });
    for (let id = 1; id <= 3; id++) {
      expect(door.open(id, '10.0.0.9').kind).toBe('wait-for-password');
      door.answer(id, '/pass nope');
      door.closed(id);
    }
    expect(door.open(4, '10.0.0.9')).toEqual({ kind: 'refuse', reason: 'too many failed passwords; try again later' });
    expect(door.open(5, '10.0.0.10').kind).toBe('wait-for-password');
    at(60_001);
    expect(door.open(6, '10.0.0.9').kind).toBe('wait-for-password');
  });

  it('refuses a connection still at the door when its time is up, and only then', () => {
    const { door } = gate({ password: 'pw' });
    door.open(1, '10.0.0.1');
    door.open(2, '10.0.0.2');
    door.answer(2, '/pass pw');
    expect(door.expire(1)).toEqual({ kind: 'refuse', reason: 'authentication timed out' });
    expect(door.expire(2)).toBeUndefined();
    expect(door.expire(1)).toBeUndefined();
  });

  it('frees a place when a connection closes', () => {
    const { door } = gate({ admission: { ...DEFAULT_ADMISSION_LIMITS, maxClients: 1 } });
    expect(door.open(1, '10.0.0.1').kind).toBe('join');
    expect(door.open(2, '10.0.0.2')).toEqual({ kind: 'refuse', reason: 'server full' });
    door.closed(2); // a refused connection was never counted
    expect(door.open(3, '10.0.0.3').kind).toBe('refuse');
    door.closed(1);
    expect(door.open(4, '10.0.0.4').kind).toBe('join');
  });

  it('refuses an address the access list keeps out, before it takes a place among the caps', () => {
    const { door } = gate({ access: parseAccess({ allow: ['10.0.0.0/8'], deny: ['10.0.0.66'] }), admission: { ...DEFAULT_ADMISSION_LIMITS, maxClients: 1 } });
    expect(door.open(1, '192.0.2.1')).toEqual({ kind: 'refuse', reason: 'access denied' });
    expect(door.open(2, '10.0.0.66')).toEqual({ kind: 'refuse', reason: 'access denied' });
    expect(door.open(3, '::ffff:10.0.0.3')).toEqual({ kind: 'join' });
  });

  it('holds a reloaded access list for connections from then on, leaving those in alone', () => {
    const { door } = gate({ access: parseAccess({ allow: [], deny: ['10.0.0.2'] }), password: 'pw' });
    expect(door.open(1, '10.0.0.1').kind).toBe('wait-for-password');
    door.reaccess(parseAccess({ allow: [], deny: ['10.0.0.1'] }));
    expect(door.answer(1, '/pass pw')).toEqual({ kind: 'join' });
    expect(door.open(2, '10.0.0.1')).toEqual({ kind: 'refuse', reason: 'access denied' });
    expect(door.open(3, '10.0.0.2').kind).toBe('wait-for-password');
  });
});
