import { describe, expect, it } from '@jest/globals';
import { formatDismissal, formatKicked, formatRefusal, parseFarewell } from '../../../streams/protocol/farewell.js';
import { parseServerLine } from '../../../streams/protocol/server-line.js';

const read = (line: string, welcomed: boolean): ReturnType<typeof parseFarewell> => parseFarewell(parseServerLine(line), welcomed);

describe('farewell sentences', () => {
  it('reads back what the server says as it sends a connection away', () => {
    expect(read(formatRefusal('server full'), false)).toEqual({ refused: true, reason: 'server full' });
    expect(read(formatKicked('kicked by server: spam'), true)).toEqual({ refused: false, reason: 'you were kicked by server: spam' });
    expect(read(formatDismissal('idle for 5 seconds'), true)).toEqual({ refused: false, reason: 'disconnected: idle for 5 seconds' });
  });

  it('takes an error after the welcome, and any other line, for what it is', () => {
    expect(read(formatRefusal('nick bob is taken'), true)).toBeUndefined();
    for (const line of ['* server is going down (SIGTERM)', '* bye', '<you> were kicked', '*you* were kicked', 'you were kicked']) {
      expect(read(line, true)).toBeUndefined();
    }
  });
});
