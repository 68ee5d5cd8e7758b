import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { peekFirstChunk } from '../../../src/drivers/first-chunk.js';
import { socketData } from '../../../src/drivers/socket-data.js';
import { Leftovers, socketPair, within } from './helpers/loopback.js';

const leftovers = new Leftovers();
afterEach(() => leftovers.cleanUp());

const text = (chunks: readonly Uint8Array[]): string => Buffer.concat(chunks).toString('utf8');

describe('peekFirstChunk', () => {
  it('emits the first bytes and leaves them, and all after them, to whoever reads the socket next', async () => {
    const { ours, peer } = await socketPair(leftovers);
    const peeked = within(firstValueFrom(peekFirstChunk(ours, 2000)), 'the first chunk');
    peer.write('hello\n');
    expect(Buffer.from((await peeked)!).toString()).toBe('hello\n');

    const all = within(lastValueFrom(socketData(ours).pipe(toArray())), 'the whole input');
    peer.end('more\n');
    expect(text(await all)).toBe('hello\nmore\n');
  });

  it('emits undefined when nothing comes within the grace, and loses nothing sent later', async () => {
    const { ours, peer } = await socketPair(leftovers);
    expect(await within(firstValueFrom(peekFirstChunk(ours, 20)), 'the grace to end')).toBeUndefined();
    peer.end('late\n');
    expect(text(await within(lastValueFrom(socketData(ours).pipe(toArray())), 'the whole input'))).toBe('late\n');
  });

  it('emits undefined at once when the peer ends without a byte', async () => {
    const { ours, peer } = await socketPair(leftovers);
    const peeked = within(firstValueFrom(peekFirstChunk(ours, 2000)), 'the end');
    peer.end();
    expect(await peeked).toBeUndefined();
  });
});
