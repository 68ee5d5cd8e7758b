import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom, lastValueFrom, ReplaySubject, Subject, toArray } from 'rxjs';
import { formatAddress, peerOf, socketData } from '../../../src/drivers/socket-data.js';
import { event, Leftovers, readToEnd, socketPair, within } from './helpers/loopback.js';

const leftovers = new Leftovers();
afterEach(() => leftovers.cleanUp());

const text = (chunks: readonly Uint8Array[]): string => Buffer.concat(chunks).toString('utf8');

describe('socketData', () => {
  it("emits the peer's bytes", async () => {
    const { ours, peer } = await socketPair(leftovers);
    const first = within(firstValueFrom(socketData(ours)), 'the first chunk');
    peer.write('héllo');
    expect(Buffer.from(await first).toString('utf8')).toBe('héllo');
  });

  it('completes when the peer ends its side, after every byte', async () => {
    const { ours, peer } = await socketPair(leftovers);
    const all = within(lastValueFrom(socketData(ours).pipe(toArray())), 'completion');
    peer.write('one\n');
    peer.end('two\n');
    expect(text(await all)).toBe('one\ntwo\n');
  });

  it('completes at once for a socket that is already destroyed', async () => {
    const { ours } = await socketPair(leftovers);
    ours.destroy();
    expect(await within(lastValueFrom(socketData(ours).pipe(toArray())), 'completion')).toEqual([]);
  });

  it('errors when the peer resets the connection, after the bytes that came before', async () => {
    const { ours, peer } = await socketPair(leftovers);
    const received = new ReplaySubject<Uint8Array>();
    socketData(ours).subscribe(received);
    const first = within(firstValueFrom(received), 'the first chunk');
    peer.write('before the reset\n');
    expect(Buffer.from(await first).toString()).toBe('before the reset\n');

    peer.resetAndDestroy();

    await expect(within(lastValueFrom(received), 'the reset')).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('destroys the socket when unsubscribed before the end, and the peer sees the close', async () => {
    const { ours, peer } = await socketPair(leftovers);
    const peerEnded = readToEnd(peer);
    const received = new Subject<Uint8Array>();
    const subscription = socketData(ours).subscribe(received);
    const first = within(firstValueFrom(received), 'the first chunk');
    peer.write('x');
    await first;

    subscription.unsubscribe();

    expect(ours.destroyed).toBe(true);
    await peerEnded;
  });

  it('does not destroy the socket when the peer ends, so queued output still reaches it', async () => {
    const { ours, peer } = await socketPair(leftovers);
    peer.allowHalfOpen = true; // the peer ends its side but keeps reading
    const queued = Buffer.alloc(4 * 1024 * 1024, 'q'); // more than the kernel buffers take at once
    ours.write(queued);
    const done = within(lastValueFrom(socketData(ours), { defaultValue: undefined }), 'completion');
    peer.end();
    await done;

    expect(ours.destroyed).toBe(false);
    const all = await readToEnd(peer);
    expect(all.length).toBe(queued.length);
    expect(all.equals(queued)).toBe(true);
  });

  it('gives every subscription the bytes when several read at once, and completes them all', async () => {
    const { ours, peer } = await socketPair(leftovers);
    const data = socketData(ours);
    const first = within(lastValueFrom(data.pipe(toArray())), 'the first to complete');
    const second = within(lastValueFrom(data.pipe(toArray())), 'the second to complete');
    peer.write('one\n');
    peer.end('two\n');
    expect(text(await first)).toBe('one\ntwo\n');
    expect(text(await second)).toBe('one\ntwo\n');
  });

  it('listens once per event however many read, and stops listening when the last has gone (but for a no-op error listener)', async () => {
    const { ours, peer } = await socketPair(leftovers);
    const events = ['data', 'end', 'error', 'close'] as const;
    const counts = (): number[] => events.map((name) => ours.listenerCount(name));
    const [data, end, error, close] = counts(); // Node's own
    const data$ = socketData(ours);
    const first = within(lastValueFrom(data$, { defaultValue: undefined }), 'the first to complete');
    const second = within(lastValueFrom(data$, { defaultValue: undefined }), 'the second to complete');
    expect(counts()).toEqual([data + 1, end + 1, error + 1, close + 1]);
    peer.end();
    await Promise.all([first, second]);
    expect(counts()).toEqual([data, end, error + 1, close]);
  });

  it('destroys the socket when one of several subscriptions leaves before the end, and the others complete', async () => {
    const { ours } = await socketPair(leftovers);
    const data = socketData(ours);
    const first = data.subscribe();
    const second = within(lastValueFrom(data.pipe(toArray())), 'the second to complete');
    first.unsubscribe();
    expect(ours.destroyed).toBe(true);
    expect(await second).toEqual([]);
  });

  it('keeps a late error harmless after an early unsubscribe', async () => {
    const { ours } = await socketPair(leftovers);
    socketData(ours).subscribe().unsubscribe();
    const closed = event(ours, 'close');
    expect(() => ours.emit('error', new Error('late'))).not.toThrow();
    await closed;
  });

  it('keeps a late error harmless after it completed', async () => {
    const { ours, peer } = await socketPair(leftovers);
    const done = within(lastValueFrom(socketData(ours), { defaultValue: undefined }), 'completion');
    peer.end();
    await done;
    const closed = event(ours, 'close');
    ours.destroy(new Error('late failure')); // emits 'error' with nobody subscribed any more
    await closed;
    expect(ours.listenerCount('error')).toBeGreaterThan(0);
  });

  it('keeps a late error harmless after it errored', async () => {
    const { ours, peer } = await socketPair(leftovers);
    const failed = within(lastValueFrom(socketData(ours)), 'the reset');
    peer.resetAndDestroy();
    await expect(failed).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(() => ours.emit('error', new Error('late'))).not.toThrow();
  });
});

describe('formatAddress', () => {
  it('brackets an IPv6 host', () => {
    expect(formatAddress('127.0.0.1', 2023)).toBe('127.0.0.1:2023');
    expect(formatAddress('::1', 2023)).toBe('[::1]:2023');
    expect(formatAddress(undefined, undefined)).toBe('unknown:0');
  });
});

describe('peerOf', () => {
  it("tells the peer's IP and port without leaving them cached on the socket, as remoteAddress would", async () => {
    const { ours, peer } = await socketPair(leftovers);
    expect(peerOf(ours)).toEqual({ ip: '127.0.0.1', port: peer.localPort });
    expect(Object.keys(ours)).not.toContain('_peername'); // Node's cache: an object per connection
    expect([ours.remoteAddress, ours.remotePort]).toEqual(['127.0.0.1', peer.localPort]);
  });

  it('asks the socket once its handle is gone, and says unknown when no one knows', async () => {
    const { ours } = await socketPair(leftovers);
    ours.destroy();
    await event(ours, 'close');
    expect(peerOf(ours)).toEqual({ ip: '', port: 0 });
  });
});
