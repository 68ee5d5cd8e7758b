import { describe, expect, it } from '@jest/globals';
import { DEFAULT_ADMISSION_LIMITS, type AdmissionLimits } from '../../../streams/server/admission.js';
import { answerDoor, openDoor, rekey } from '../../../streams/server/door.js';
import { forget, type ServerModel } from '../../../streams/server/model.js';
import { testModel } from './model-fixture.js';

const door = (options: { password?: string; admission?: AdmissionLimits } = {}) => {
  const model = testModel(options);
  let now = 0;
  return {
    model,
    open: (id: number, ip: string) => openDoor(model, id, { ip, port: 4000 }, now),
    answer: (id: number, line: string) => answerDoor(model, model.conns.get(id)!, line, now),
    at: (time: number) => (now = time),
  };
};
const phase = (model: ServerModel, id: number) => model.conns.get(id)?.phase;

describe('the door', () => {
  it('lets everyone in when there is no password', () => {
    const { model, open } = door();
    expect(open(1, '10.0.0.1')).toMatchObject({ kind: 'join', conn: { id: 1 } });
    expect(phase(model, 1)).toBe('joining');
  });

  it('holds a connection at the door until the right /pass', () => {
    const { model, open, answer } = door({ password: 'hunter2 and more' });
    expect(open(1, '10.0.0.1')).toEqual({ kind: 'wait-for-password' });
    expect(phase(model, 1)).toBe('door');
    expect(answer(1, '/PASS hunter2 and more')).toMatchObject({ kind: 'join' });
    expect(phase(model, 1)).toBe('joining');
  });

  it('asks for the new password after a rekey, and never starts asking on a server without one', () => {
    const { model, open, answer } = door({ password: 'old' });
    open(1, '10.0.0.1');
    rekey(model, 'new');
    expect(answer(1, '/pass old')).toEqual({ kind: 'refuse', reason: 'authentication failed' });
    open(2, '10.0.0.1');
    expect(answer(2, '/pass new')).toMatchObject({ kind: 'join' });

    const without = door();
    rekey(without.model, 'new');
    expect(without.open(1, '10.0.0.1')).toMatchObject({ kind: 'join' });
  });

  it.each(['/pass hunter3', '/pass', 'hunter2', '/nick ada', '//pass hunter2', ''])('refuses %j as the first line', (line) => {
    const { open, answer } = door({ password: 'hunter2' });
    open(1, '10.0.0.1');
    expect(answer(1, line)).toEqual({ kind: 'refuse', reason: 'authentication failed' });
  });

  it('locks out an address after repeated failures, then lets it try again later', () => {
    const { model, open, answer, at } = door({
      password: 'pw',
      admission: { ...DEFAULT_ADMISSION_LIMITS, maxAuthFailures: 3, lockoutMs: 60_000 },
    });
    for (let id = 1; id <= 3; id++) {
      expect(open(id, '10.0.0.9').kind).toBe('wait-for-password');
      answer(id, '/pass nope');
      forget(model, id);
    }
    expect(open(4, '10.0.0.9')).toEqual({ kind: 'refuse', reason: 'too many failed passwords; try again later' });
    expect(open(5, '10.0.0.10').kind).toBe('wait-for-password');
    at(60_001);
    expect(open(6, '10.0.0.9').kind).toBe('wait-for-password');
  });

  it('frees a place when a connection closes, and only one it counted', () => {
    const { model, open } = door({ admission: { ...DEFAULT_ADMISSION_LIMITS, maxClients: 1 } });
    expect(open(1, '10.0.0.1').kind).toBe('join');
    expect(open(2, '10.0.0.2')).toEqual({ kind: 'refuse', reason: 'server full' });
    forget(model, 2); // a refused connection was never counted
    expect(open(3, '10.0.0.3').kind).toBe('refuse');
    forget(model, 1);
    expect(open(4, '10.0.0.4').kind).toBe('join');
  });
});
