import { describe, expect, it } from '@jest/globals';
import { checkHeartbeats, heard, type Heartbeat } from '../../../streams/server/heartbeat.js';

const conns = (...ids: number[]): Heartbeat[] => ids.map((id) => ({ id, heardAt: undefined, pinged: 0 }));

describe('checkHeartbeats', () => {
  it('pings a connection after each interval of silence and finds it dead after two unanswered pings', () => {
    const [one] = conns(1);
    const watched = new Set<Heartbeat>();
    heard(watched, one, 0);
    expect(checkHeartbeats(watched, 10, 9)).toEqual({ ping: [], dead: [] });
    expect(checkHeartbeats(watched, 10, 10)).toEqual({ ping: [1], dead: [] });
    expect(checkHeartbeats(watched, 10, 15)).toEqual({ ping: [], dead: [] }); // pinged once per interval, not per check
    expect(checkHeartbeats(watched, 10, 20)).toEqual({ ping: [1], dead: [] });
    expect(checkHeartbeats(watched, 10, 30)).toEqual({ ping: [], dead: [1] });
    expect(checkHeartbeats(watched, 10, 40)).toEqual({ ping: [], dead: [] }); // told once
    expect(watched.size).toBe(0); // a dead link is no longer watched
  });

  it('starts counting again whenever the connection is heard', () => {
    const [one, two] = conns(1, 2);
    const watched = new Set<Heartbeat>();
    heard(watched, one, 0);
    heard(watched, two, 0);
    expect(checkHeartbeats(watched, 10, 20)).toEqual({ ping: [1, 2], dead: [] });
    heard(watched, two, 25);
    expect(checkHeartbeats(watched, 10, 30)).toEqual({ ping: [], dead: [1] });
    expect(checkHeartbeats(watched, 10, 35)).toEqual({ ping: [2], dead: [] });
  });

  it('watches only the connections it has heard, and each once', () => {
    const [, two] = conns(1, 2);
    const watched = new Set<Heartbeat>();
    heard(watched, two, 0);
    heard(watched, two, 1);
    expect([...watched]).toEqual([two]);
    expect(checkHeartbeats(watched, 10, 11)).toEqual({ ping: [2], dead: [] });
  });
});
