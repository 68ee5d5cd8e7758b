import { afterEach, describe, expect, it } from '@jest/globals';
import { PacedWriter } from '../../../src/drivers/paced-writes.js';
import { Leftovers, socketPair, within } from './helpers/loopback.js';

const leftovers = new Leftovers();
afterEach(() => leftovers.cleanUp());

describe('PacedWriter', () => {
  it('writes each message on its own, the gap apart, so the peer reads each as one; tells when all are out', async () => {
    const { ours, peer } = await socketPair(leftovers);
    const reads: { text: string; at: number }[] = [];
    const all = new Promise<void>((resolve) =>
      peer.on('data', (chunk: Buffer) => {
        reads.push({ text: chunk.toString(), at: performance.now() });
        if (reads.length === 3) resolve();
      }),
    );
    let drained = 0;
    const writer = new PacedWriter(ours, 40, () => drained++);

    // From the first write: a read's time can only be later than its write, never earlier.
    const start = performance.now();
    expect(writer.write(Buffer.from('one'))).toBe(true);
    expect(writer.write(Buffer.from('two'))).toBe(false);
    expect(writer.write(Buffer.from('three'))).toBe(false);
    expect(writer.queuedBytes).toBe(8);
    const ended = new Promise<void>((resolve) => writer.afterQueue(resolve));
    await within(all, 'three reads');
    await within(ended, 'the queue to empty');

    expect(reads.map((read) => read.text)).toEqual(['one', 'two', 'three']);
    expect(reads[2].at - start).toBeGreaterThanOrEqual(75); // two gaps of 40 ms (timers keep ms, not finer)
    expect(writer.queuedBytes).toBe(0);
    expect(drained).toBe(1);
  });

  it('calls afterQueue at once when nothing waits, and flush writes what waits at once', async () => {
    const { ours, peer } = await socketPair(leftovers);
    const writer = new PacedWriter(ours, 10_000);
    let called = false;
    writer.afterQueue(() => (called = true));
    expect(called).toBe(true);

    writer.write(Buffer.from('a'));
    writer.write(Buffer.from('b'));
    const both = new Promise<string>((resolve) => {
      let text = '';
      peer.on('data', (chunk: Buffer) => (text += chunk.toString()) === 'ab' && resolve(text));
    });
    writer.flush();
    expect(await within(both, 'both messages')).toBe('ab');
    expect(writer.queuedBytes).toBe(0);
  });
});
