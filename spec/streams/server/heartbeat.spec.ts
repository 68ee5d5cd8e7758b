import { describe, expect, it } from '@jest/globals';
import { createHeartbeat } from '../../../streams/server/heartbeat.js';

describe('createHeartbeat', () => {
  it('pings a connection after each interval of silence and finds it dead after two unanswered pings', () => {
    const heartbeat = createHeartbeat(10);
    heartbeat.heard(1, 0);
    expect(heartbeat.check(9)).toEqual({ ping: [], dead: [] });
    expect(heartbeat.check(10)).toEqual({ ping: [1], dead: [] });
    expect(heartbeat.check(15)).toEqual({ ping: [], dead: [] }); // pinged once per interval, not per check
    expect(heartbeat.check(20)).toEqual({ ping: [1], dead: [] });
    expect(heartbeat.check(30)).toEqual({ ping: [], dead: [1] });
    expect(heartbeat.check(40)).toEqual({ ping: [], dead: [] }); // told once
  });

  it('starts counting again whenever the connection is heard', () => {
    const heartbeat = createHeartbeat(10);
    heartbeat.heard(1, 0);
    heartbeat.heard(2, 0);
    expect(heartbeat.check(20)).toEqual({ ping: [1, 2], dead: [] });
    heartbeat.heard(2, 25);
    expect(heartbeat.check(30)).toEqual({ ping: [], dead: [1] });
    expect(heartbeat.check(35)).toEqual({ ping: [2], dead: [] });
  });

  it('watches only the connections it has heard, until they are forgotten', () => {
    const heartbeat = createHeartbeat(10);
    heartbeat.heard(1, 0);
    heartbeat.forget(1);
    expect(heartbeat.check(100)).toEqual({ ping: [], dead: [] });
  });
});
