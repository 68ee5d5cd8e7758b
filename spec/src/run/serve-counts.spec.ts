import { describe, expect, it } from '@jest/globals';
import { ServeCounts } from '../../../src/run/serve-counts.js';

describe('ServeCounts', () => {
  it('counts a batch of lines once per recipient, and a pause of reading, from the outputs', () => {
    const counts = new ServeCounts(false);
    counts.output({ kind: 'write', to: [1, 2, 3], bytes: new Uint8Array(30), lines: 4 });
    counts.output({ kind: 'reading', id: 1, paused: true });
    counts.output({ kind: 'reading', id: 1, paused: false });
    expect([counts.deliveries, counts.rateLimitPauses]).toEqual([12, 1]);
  });

  it('counts lines in, members and refusals by reason from what the console records', () => {
    const counts = new ServeCounts(false);
    counts.entries([
      { type: 'join', id: 1, from: 'ada', address: 'a' },
      { type: 'join', id: 2, from: 'bob', address: 'b' },
      { type: 'messages', id: 1, from: 'ada', texts: ['one', 'two'], lines: ['<ada> one', '<ada> two'] },
      { type: 'action', id: 1, from: 'ada', text: 'waves' },
      { type: 'private', id: 2, from: 'bob', to: 'ada', text: 'psst' },
      { type: 'leave', id: 2, from: 'bob', reason: 'connection closed' },
      { type: 'refused', id: 3, address: 'c', reason: 'access denied' },
      { type: 'refused', id: 4, address: 'c', reason: 'access denied' },
      { type: 'refused', id: 5, address: 'd', reason: 'server full' },
    ]);
    expect({ linesIn: counts.linesIn, members: counts.members }).toEqual({ linesIn: 4, members: 1 });
    expect([...counts.refusals]).toEqual([
      ['access denied', 2],
      ['server full', 1],
    ]);
  });

  it('is healthy once listening, and in a cluster only while joined', () => {
    const alone = new ServeCounts(false);
    expect(alone.healthy).toBe(false);
    alone.listening = true;
    expect(alone.healthy).toBe(true);

    const node = new ServeCounts(true);
    node.listening = true;
    expect(node.healthy).toBe(false);
    node.clusterUp = true;
    expect(node.healthy).toBe(true);
    node.clusterUp = false;
    expect(node.healthy).toBe(false);
  });
});
