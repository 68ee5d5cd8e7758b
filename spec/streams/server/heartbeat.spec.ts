import { describe, expect, it } from '@jest/globals';
import { checkHeartbeats, heard, type Heartbeat } from '../../../streams/server/heartbeat.js';

const watch = (...ids: number[]): Heartbeat[] => ids.map((id) => ({ id, heardAt: undefined, pinged: 0 }));

describe('checkHeartbeats', () => {
  it('pings a connection after each interval of silence and finds it dead after two unanswered pings', () => {
    const conns = watch(1);
    heard(conns[0], 0);
    expect(checkHeartbeats(conns, 10, 9)).toEqual({ ping: [], dead: [] });
    expect(checkHeartbeats(conns, 10, 10)).toEqual({ ping: [1], dead: [] });
    expect(checkHeartbeats(conns, 10, 15)).toEqual({ ping: [], dead: [] }); // pinged once per interval, not per check
    expect(checkHeartbeats(conns, 10, 20)).toEqual({ ping: [1], dead: [] });
    expect(checkHeartbeats(conns, 10, 30)).toEqual({ ping: [], dead: [1] });
    expect(checkHeartbeats(conns, 10, 40)).toEqual({ ping: [], dead: [] }); // told once
  });

  it('starts counting again whenever the connection is heard', () => {
    const conns = watch(1, 2);
    heard(conns[0], 0);
    heard(conns[1], 0);
    expect(checkHeartbeats(conns, 10, 20)).toEqual({ ping: [1, 2], dead: [] });
    heard(conns[1], 25);
    expect(checkHeartbeats(conns, 10, 30)).toEqual({ ping: [], dead: [1] });
    expect(checkHeartbeats(conns, 10, 35)).toEqual({ ping: [2], dead: [] });
  });

  it('watches only the connections it has heard', () => {
    const conns = watch(1, 2);
    heard(conns[1], 0);
    expect(checkHeartbeats(conns, 10, 10)).toEqual({ ping: [2], dead: [] });
  });
});
