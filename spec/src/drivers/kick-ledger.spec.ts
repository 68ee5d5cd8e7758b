import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { KickLedger } from '../../../src/drivers/kick-ledger.js';

describe('KickLedger', () => {
  let handedBack: string[];
  const ledger = () => new KickLedger<string>('node-a', 1000, (request) => handedBack.push(request));
  beforeEach(() => {
    handedBack = [];
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('gives each kick an id of its own, unique to this node', () => {
    const kicks = ledger();
    expect([kicks.send('bob'), kicks.send('carl')]).toEqual(['node-a:1', 'node-a:2']);
  });

  it('matches an answer in time to its kick, once', () => {
    const kicks = ledger();
    const id = kicks.send('bob');
    expect(kicks.answered(id)).toEqual({ request: 'bob' });
    expect(kicks.answered(id)).toBeUndefined();
    jest.advanceTimersByTime(1000);
    expect(handedBack).toEqual([]);
  });

  it('hands back a kick not answered in time, and tells a late answer as late', () => {
    const kicks = ledger();
    const id = kicks.send('bob');
    jest.advanceTimersByTime(999);
    expect(handedBack).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(handedBack).toEqual(['bob']);
    expect(kicks.unansweredIds()).toEqual([id]);
    expect(kicks.answered(id)).toEqual({ request: 'bob', late: true });
    expect(kicks.unansweredIds()).toEqual([]);
  });

  it('never hands back by its timer a kick whose sending failed, but keeps it for a late answer', () => {
    const kicks = ledger();
    const id = kicks.send('bob');
    kicks.failed(id);
    jest.advanceTimersByTime(1000);
    expect(handedBack).toEqual([]);
    expect(kicks.answered(id)).toEqual({ request: 'bob', late: true });
  });

  it('keeps the last 60 kicks handed back, not more', () => {
    const kicks = ledger();
    const ids = Array.from({ length: 61 }, (_, n) => kicks.send(`member-${n}`));
    jest.advanceTimersByTime(1000);
    expect(handedBack).toHaveLength(61);
    expect(kicks.unansweredIds()).toEqual(ids.slice(1));
    expect(kicks.answered(ids[0])).toBeUndefined();
  });

  it('leaves no timer behind once closed', () => {
    const kicks = ledger();
    kicks.send('bob');
    kicks.close();
    expect(jest.getTimerCount()).toBe(0);
    expect(handedBack).toEqual([]);
  });
});
