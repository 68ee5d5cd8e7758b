import { afterEach, describe, expect, it } from '@jest/globals';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import {
  SendQueueExceededError,
  serverConnection,
  type ServerConnection,
  type ServerConnectionOptions,
} from '../../../src/drivers/server-connection.js';
import { peekFirstChunk } from '../../../src/drivers/first-chunk.js';
import { SharedIps } from '../../../src/drivers/shared-ips.js';
import { socketData } from '../../../src/drivers/socket-data.js';
import { TurnWrites } from '../../../src/drivers/turn-writes.js';
import { encodeLines } from '../../../streams/framing/encode.js';
import { refusalsFor } from '../../../streams/framing/telnet-refusal.js';
import { formatError } from '../../../streams/protocol/server-line.js';
import type { Socket } from 'node:net';
import { event, Leftovers, readToEnd, readUntil, socketPair, within } from './helpers/loopback.js';

const leftovers = new Leftovers();
afterEach(() => leftovers.cleanUp());

const MiB = 1024 * 1024;
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
/** The options serve gives every connection, but for the telnet answers. */
const BASE = { sendQueueBytes: MiB, lingerMs: 2000, farewell: (reason: string) => encodeLines([formatError(reason)]) };

/** The end of this turn of the event loop, when the server's turn flushes what it gathered. */
const endOfTurn = (): Promise<void> => new Promise((ended) => setImmediate(ended));

const EVENTS = ['data', 'end', 'error', 'close'] as const;
/** How many listeners a socket has on each event a reader listens to. */
const listeners = (socket: Socket): number[] => EVENTS.map((name) => socket.listenerCount(name));

/** An accepted socket and its peer; the socket half-open, as the listening server makes it. */
const acceptedPair = () => socketPair(leftovers, true);

/** An accepted connection as the server makes it, with its data stream read as the server does. */
async function accepted(options: ServerConnectionOptions = BASE) {
  const { ours, peer } = await acceptedPair();
  const connection = serverConnection(7, ours, options);
  const ended = within(lastValueFrom(connection.data$, { defaultValue: undefined }), 'the end of data$', 5000);
  ended.catch(() => {}); // a test that expects the failure awaits it itself
  return { connection, peer, ended };
}

describe('serverConnection', () => {
  it("carries the id, the peer's address and its bytes", async () => {
    const { ours, peer } = await acceptedPair();
    const connection = serverConnection(3, ours, BASE);
    expect(connection.id).toBe(3);
    expect(connection.address).toBe(`127.0.0.1:${peer.localPort}`);
    expect(connection.ip).toBe('127.0.0.1');
    const all = within(lastValueFrom(connection.data$), 'the data');
    peer.end('hi');
    expect(Buffer.from(await all).toString()).toBe('hi');
  });

  it("takes the peer's IP through the server's shared IPs, when it has them", async () => {
    const ips = new SharedIps();
    const [one, two] = await Promise.all([acceptedPair(), acceptedPair()]);
    const connections = [serverConnection(1, one.ours, { ...BASE, ips }), serverConnection(2, two.ours, { ...BASE, ips })];
    expect(connections.map((connection) => connection.ip)).toEqual(['127.0.0.1', '127.0.0.1']);
    expect(ips.remembered).toBe(1);
  });

  it("keeps the peer's address and port after the socket has closed", async () => {
    const { ours, peer } = await acceptedPair();
    const connection = serverConnection(3, ours, BASE);
    const port = peer.localPort;
    peer.resetAndDestroy();
    await event(ours, 'close');
    expect(connection.port).toBe(port);
    expect(connection.ip).toBe('127.0.0.1');
    expect(connection.address).toBe(`127.0.0.1:${port}`);
    expect(connection.fingerprint).toBeUndefined(); // a plain socket
  });

  it('adds one listener to each socket event it hears, however it is read, and no more', async () => {
    const { ours, peer } = await acceptedPair();
    const [data, end, error, close] = listeners(ours); // Node's own
    const connection = serverConnection(1, ours, { ...BASE, telnet: refusalsFor });
    expect(listeners(ours)).toEqual([data, end, error + 1, close + 1]); // its bytes flow only once read
    const all = within(lastValueFrom(connection.data$.pipe(toArray())), 'the data');
    // Node's own 'end' listener, idle on a half-open socket, has made way for its own.
    expect(listeners(ours)).toEqual([data + 1, end, error + 1, close + 1]);
    expect(ours.listeners('end').map((listener) => listener.name)).toEqual(['onEnd']);
    const answered = event(peer, 'data');
    peer.write(Uint8Array.of(0xff, 0xfd, 0x01)); // IAC DO ECHO: answered on the way
    await answered;
    connection.reading(false);
    connection.reading(true);
    expect(listeners(ours)).toEqual([data + 1, end, error + 1, close + 1]);
    peer.end();
    await all;
  });

  it('answers telnet requests and hands on every byte after a peek at the first ones (a plain port)', async () => {
    const { ours, peer } = await acceptedPair();
    const connection = serverConnection(1, ours, { ...BASE, telnet: refusalsFor });
    const request = Uint8Array.of(0xff, 0xfd, 0x01); // IAC DO ECHO
    const peeked = within(firstValueFrom(peekFirstChunk(ours, 2000)), 'the first chunk');
    const heard: Buffer[] = [];
    peer.on('data', (chunk: Buffer) => heard.push(chunk));
    peer.write(request);
    expect([...(await peeked)!]).toEqual([...request]);
    expect(heard).toEqual([]); // a peek answers nothing

    const all = within(lastValueFrom(connection.data$.pipe(toArray())), 'the data');
    const answer = event<[Buffer]>(peer, 'data');
    expect([...(await answer)[0]]).toEqual([0xff, 0xfc, 0x01]); // IAC WONT ECHO, once
    peer.end('hi');
    expect([...Buffer.concat(await all)]).toEqual([...request, ...Buffer.from('hi')]);
    expect(Buffer.concat(heard)).toEqual(Buffer.from([0xff, 0xfc, 0x01]));
  });

  it('ends its data at once when the peer ended before it was read (seen by a peek), and can still answer it', async () => {
    const { ours, peer } = await acceptedPair();
    const all = readToEnd(peer);
    const peeked = within(firstValueFrom(peekFirstChunk(ours, 2000)), 'the first chunk');
    peer.end(); // connects and ends its side at once
    expect(await peeked).toBeUndefined();
    const connection = serverConnection(4, ours, BASE);
    const data = within(lastValueFrom(connection.data$.pipe(toArray())), 'the end of data$');
    expect(await data).toEqual([]);
    connection.write(encode('* welcome\n'));
    connection.close();
    expect((await all).toString()).toBe('* welcome\n');
  });

  it("shares its socket with another reader: both get the bytes, and the other's leaving ends neither the connection nor its close", async () => {
    const { ours, peer } = await acceptedPair();
    const closed: number[] = [];
    const connection = serverConnection(2, ours, { ...BASE, closed: (which) => closed.push(which.id) });
    const mine = within(lastValueFrom(connection.data$.pipe(toArray())), 'the data');
    const other = within(lastValueFrom(socketData(ours).pipe(toArray())), "the other reader's data");
    peer.write('one\n');
    const [data, end, error, close] = listeners(ours);
    const leaving = socketData(ours).subscribe();
    expect(listeners(ours)).toEqual([data, end, error, close]); // readers of one socket share its listeners
    peer.end('two\n');
    expect(Buffer.concat(await mine).toString()).toBe('one\ntwo\n');
    expect(Buffer.concat(await other).toString()).toBe('one\ntwo\n');
    leaving.unsubscribe(); // after the end: nothing to destroy
    await event(ours, 'close');
    expect(closed).toEqual([2]);
  });

  it('a connection held from the start stays held once its data is read, and then loses nothing', async () => {
    const { ours, peer } = await acceptedPair();
    const connection = serverConnection(1, ours, BASE);
    connection.hold(true); // the server was congested when it arrived
    const all = within(lastValueFrom(connection.data$.pipe(toArray())), 'the data');
    expect(ours.isPaused()).toBe(true);
    peer.end('waited');
    connection.hold(false);
    expect(ours.isPaused()).toBe(false);
    expect(Buffer.concat(await all).toString()).toBe('waited');
  });

  it('answers telnet requests as the answerer it is given says, and without one answers nothing', async () => {
    const request = Uint8Array.of(0xff, 0xfd, 0x01); // IAC DO ECHO
    const answered = await acceptedPair();
    const connection = serverConnection(1, answered.ours, { ...BASE, telnet: refusalsFor });
    connection.data$.subscribe();
    const answer = event<[Buffer]>(answered.peer, 'data');
    answered.peer.write(request);
    expect([...(await answer)[0]]).toEqual([0xff, 0xfc, 0x01]); // IAC WONT ECHO

    const silent = await acceptedPair();
    const quiet = serverConnection(2, silent.ours, BASE);
    const all = within(lastValueFrom(quiet.data$), 'the data');
    let heard = 0;
    silent.peer.on('data', (chunk: Buffer) => (heard += chunk.length));
    silent.peer.end(request);
    expect([...(await all)]).toEqual([...request]);
    expect(heard).toBe(0);
  });

  it('with a message gap (raw framing), writes each message on its own and closes only after the last', async () => {
    const { ours, peer } = await acceptedPair();
    const connection = serverConnection(4, ours, { ...BASE, messageGapMs: 20 });
    const reads: string[] = [];
    peer.on('data', (chunk: Buffer) => reads.push(chunk.toString()));
    const ended = event(peer, 'end');
    connection.write(encode('one'));
    connection.write(encode('two'));
    connection.write(encode('three'));
    connection.close();
    await ended;
    expect(reads).toEqual(['one', 'two', 'three']);
    peer.end();
  });

  it('keeps a stray socket error harmless before, while and after data$ is read, with one listener at a time', async () => {
    const { ours, peer } = await acceptedPair();
    const connection = serverConnection(3, ours, BASE);
    expect(ours.listenerCount('error')).toBe(1);
    expect(() => ours.emit('error', new Error('before reading'))).not.toThrow();
    const failed = within(
      lastValueFrom(connection.data$).catch((error: Error) => error.message),
      'the failure',
    );
    expect(ours.listenerCount('error')).toBe(1);
    ours.emit('error', new Error('while reading'));
    expect(await failed).toBe('while reading');
    expect(ours.listenerCount('error')).toBeGreaterThan(0);
    expect(() => ours.emit('error', new Error('after reading'))).not.toThrow();
    peer.destroy();
  });

  it('reading(false) pauses reading and reading(true) resumes it, losing nothing', async () => {
    const { ours, peer } = await acceptedPair();
    const connection = serverConnection(1, ours, BASE);
    const all = within(lastValueFrom(connection.data$.pipe(toArray())), 'the data');
    connection.reading(false);
    expect(ours.isPaused()).toBe(true);
    const sent = Buffer.alloc(4 * MiB, 'p'); // more than the buffers hold: the peer has to wait
    peer.end(sent);
    expect(peer.writableLength).toBeGreaterThan(0);

    connection.reading(true);
    expect(ours.isPaused()).toBe(false);
    const received = Buffer.concat(await all);
    expect(received.length).toBe(sent.length);
  });

  it('hold(true) pauses reading whatever the rate says, and reading resumes only when neither holds it', async () => {
    const { ours, peer } = await acceptedPair();
    const connection = serverConnection(1, ours, BASE);
    const all = within(lastValueFrom(connection.data$.pipe(toArray())), 'the data');
    connection.hold(true);
    connection.reading(true); // the rate allows it, the server does not
    expect(ours.isPaused()).toBe(true);
    connection.reading(false);
    connection.hold(false); // the server allows it, the rate does not
    expect(ours.isPaused()).toBe(true);
    connection.reading(true);
    expect(ours.isPaused()).toBe(false);
    peer.end('all of it');
    expect(Buffer.concat(await all).toString()).toBe('all of it');
  });

  it('write delivers the bytes to the peer', async () => {
    const { connection, peer } = await accepted();
    connection.write(encode('<ada> hello\n'));
    connection.write(encode('<bob> 你好\n'));
    expect(await readUntil(peer, '你好\n')).toBe('<ada> hello\n<bob> 你好\n');
  });

  it("with the server's turn, gathers a turn's writes and gives the socket one write after it, in order", async () => {
    const turn = new TurnWrites<ServerConnection>();
    const { connection, peer } = await accepted({ ...BASE, turn });
    const received = readUntil(peer, 'three\n');
    connection.write(encode('one\n'));
    connection.write(encode('two\n'));
    connection.write(encode('three\n'));
    expect(connection.socket.writableLength + connection.socket.bytesWritten).toBe(0); // nothing handed over yet
    await endOfTurn();
    expect(connection.socket.bytesWritten).toBe('one\ntwo\nthree\n'.length);
    expect(await received).toBe('one\ntwo\nthree\n');
  });

  it('sends each write at once without a turn', async () => {
    const { connection, peer } = await accepted();
    const received = readUntil(peer, 'two\n');
    connection.write(encode('one\n'));
    expect(connection.socket.bytesWritten).toBe(4);
    connection.write(encode('two\n'));
    expect(await received).toBe('one\ntwo\n');
  });

  it('a close after writes in the same turn still comes after them: the peer gets every byte, then EOF', async () => {
    const turn = new TurnWrites<ServerConnection>();
    const { connection, peer } = await accepted({ ...BASE, turn });
    const all = readToEnd(peer, 5000);
    connection.write(encode('<ada> hi\n'));
    connection.write(encode('! kicked\n'));
    connection.close();
    expect((await all).toString()).toBe('<ada> hi\n! kicked\n');
  });

  it('a peer that ends its side still gets what is written after its end, however late, then our EOF once it is closed', async () => {
    const turn = new TurnWrites<ServerConnection>();
    const { ours, peer } = await acceptedPair();
    peer.allowHalfOpen = true; // it ends its side and keeps reading
    const connection = serverConnection(7, ours, { ...BASE, turn });
    let read = '';
    const answered = new Promise<void>((answer) =>
      connection.data$.subscribe({
        next: (chunk) => (read += Buffer.from(chunk).toString()),
        // The answer to its last line comes later (a secret checked, a cluster's reply), after turns have passed.
        complete: () =>
          setTimeout(() => {
            connection.write(encode(`answer to ${read}`));
            connection.close();
            answer();
          }, 50),
      }),
    );
    const all = readToEnd(peer, 5000);
    connection.write(encode('gathered this turn\n'));
    peer.end('last line\n');
    await answered;
    expect((await all).toString()).toBe('gathered this turn\nanswer to last line\n');
    await event(ours, 'close');
  });

  it('destroys a half-open socket lingerMs after its peer ended when it is never closed', async () => {
    const { connection, peer, ended } = await accepted({ ...BASE, lingerMs: 50 });
    peer.end('bye\n');
    await ended;
    expect(connection.socket.destroyed).toBe(false); // half-open: ours waits for the core
    await event(connection.socket, 'close');
    expect(connection.socket.writableEnded).toBe(false); // destroyed by the linger, never ended by anyone
  });

  it('destroys a half-open socket whose peer never reads what it is answered once the linger after our end is over', async () => {
    const { connection, peer, ended } = await accepted({ ...BASE, sendQueueBytes: 64 * MiB, lingerMs: 100 });
    peer.pause(); // never reads
    peer.end('/history\n');
    await ended;
    const chunk = Buffer.alloc(64 * 1024, 'h');
    // More than the kernel buffers hold: our side cannot finish.
    for (let i = 0; i < 1024 && connection.socket.writableLength === 0; i++) connection.write(chunk);
    connection.close();
    await event(connection.socket, 'close');
    expect(connection.socket.writableFinished).toBe(false);
  });

  it('a peer that leaves mid-turn is skipped at the turn end; the others get theirs', async () => {
    const turn = new TurnWrites<ServerConnection>();
    const gone = await accepted({ ...BASE, turn });
    const stays = await accepted({ ...BASE, turn });
    const received = readUntil(stays.peer, 'two\n');
    for (const { connection } of [gone, stays]) connection.write(encode('one\n'));
    gone.connection.socket.destroy(); // it reset, say, while this turn's lines were gathered
    for (const { connection } of [gone, stays]) connection.write(encode('two\n'));
    await endOfTurn();
    expect(await received).toBe('one\ntwo\n');
    expect(gone.connection.socket.bytesWritten).toBe(0);
  });

  it("cuts off a reader that falls behind when a turn's bytes reach it; the others get the same turn's bytes", async () => {
    const turn = new TurnWrites<ServerConnection>();
    const limit = 64 * 1024;
    const slow = await accepted({ ...BASE, sendQueueBytes: limit, lingerMs: 100, turn });
    const fast = await accepted({ ...BASE, turn });
    slow.peer.pause(); // never reads: the kernel buffers fill, then our queue grows
    const received = readUntil(fast.peer, 'after\n');
    fast.connection.write(encode('before\n'));
    const chunk = Buffer.alloc(limit, 'q');
    for (let i = 0; i < 1024 && !slow.connection.socket.writableEnded; i++) slow.connection.write(chunk);
    fast.connection.write(encode('after\n'));

    expect(slow.connection.socket.writableEnded).toBe(true); // cut within the turn, when what it gathered was sent
    await expect(slow.ended).rejects.toBeInstanceOf(SendQueueExceededError);
    expect(await received).toBe('before\nafter\n');
  });

  it('does not count bytes gathered in the turn against the send queue: a reading peer is never cut off by a burst', async () => {
    const { connection, peer, ended } = await accepted({ ...BASE, turn: new TurnWrites<ServerConnection>() });
    const chunk = Buffer.alloc(64 * 1024, 'b');
    const all = readToEnd(peer, 5000);
    for (let i = 0; i < 24; i++) connection.write(chunk); // 1.5 MiB in one turn, over the 1 MiB queue
    await endOfTurn();
    connection.close();
    expect((await all).length).toBe(24 * chunk.length);
    await expect(ended).resolves.toBeUndefined();
  });

  it('close ends our side after the queued output: the peer gets every byte, then EOF', async () => {
    const { connection, peer, ended } = await accepted({ ...BASE, sendQueueBytes: 64 * MiB, lingerMs: 2000 });
    const queued = Buffer.alloc(4 * MiB - 1, 'z'); // far more than the kernel takes at once
    connection.write(queued);
    connection.write(encode('\nlast line\n'));
    connection.close();
    connection.close(); // a second close changes nothing

    const all = await readToEnd(peer, 5000);
    expect(all.length).toBe(queued.length + '\nlast line\n'.length);
    expect(all.subarray(-11).toString()).toBe('\nlast line\n');
    await ended; // the peer closed in turn (it does not allow half-open), so data$ completes
    await event(connection.socket, 'close');
  });

  it('after close reads on to see the peer close, but stops reading a peer that keeps sending until the linger ends', async () => {
    const { connection, peer, ended } = await accepted({ ...BASE, sendQueueBytes: MiB, lingerMs: 300 });
    connection.reading(false); // paused by the rate limit, say: closing reads again
    connection.write(encode('! go away\n'));
    connection.close();
    connection.reading(true); // and the core no longer decides
    const received = readUntil(peer, 'go away\n');
    const peerEnded = event(peer, 'end');
    peer.write(Buffer.alloc(16 * MiB, 'f')); // a flood after our end

    expect(await received).toBe('! go away\n'); // the peer, busy writing, still gets why and EOF
    await peerEnded;
    expect(peer.writableLength).toBeGreaterThan(0); // most of it cannot leave the peer
    await event(connection.socket, 'close', 1000); // at the linger
    expect(connection.socket.bytesRead).toBeLessThan(256 * 1024); // 64 KiB after the close, plus what one read takes
    await ended;
  });

  it('says once when its socket has closed, whoever closed it', async () => {
    const { ours, peer } = await acceptedPair();
    const closed: number[] = [];
    const connection = serverConnection(5, ours, { ...BASE, closed: (which) => closed.push(which.id) });
    const ended = within(lastValueFrom(connection.data$, { defaultValue: undefined }), 'the end of data$');
    peer.end();
    await ended;
    connection.close(); // as the core does once it has answered what the peer sent
    await event(ours, 'close');
    expect(closed).toEqual([5]);
  });

  it('says once when its socket has closed after the server let it go, or before its data was ever read', async () => {
    const closed: number[] = [];
    const options = { ...BASE, closed: (which: ServerConnection) => closed.push(which.id) };
    const letGo = await acceptedPair();
    serverConnection(1, letGo.ours, options).data$.subscribe().unsubscribe(); // destroys the socket
    await event(letGo.ours, 'close');
    const unread = await acceptedPair();
    serverConnection(2, unread.ours, options);
    unread.peer.resetAndDestroy();
    await event(unread.ours, 'close');
    expect(closed).toEqual([1, 2]);
  });

  it('write after close is ignored instead of failing', async () => {
    const { connection, peer } = await accepted();
    connection.close();
    expect(() => connection.write(encode('too late\n'))).not.toThrow();
    expect((await readToEnd(peer)).toString()).toBe('');
  });

  it('destroys a peer that never closes once the linger time is over', async () => {
    const { connection, peer, ended } = await accepted({ ...BASE, sendQueueBytes: MiB, lingerMs: 50 });
    peer.allowHalfOpen = true; // it gets our EOF but keeps its side open
    const peerSawEnd = readToEnd(peer);
    connection.close();
    await peerSawEnd;
    await event(connection.socket, 'close');
    expect(connection.socket.destroyed).toBe(true);
    await ended;
  });

  it('cuts off a peer that does not read before its queue passes sendQueueBytes, with a last line saying why; others are unaffected', async () => {
    const limit = 256 * 1024;
    const slow = await accepted({ ...BASE, sendQueueBytes: limit, lingerMs: 2000 });
    const fast = await accepted({ ...BASE, sendQueueBytes: limit, lingerMs: 2000 });
    slow.peer.pause(); // never reads: the kernel buffers fill, then our queue grows
    let fastReceived = 0;
    fast.peer.on('data', (chunk: Buffer) => (fastReceived += chunk.length));
    const fastCaughtUp = (total: number) =>
      within(
        new Promise<void>((resolve) => {
          const check = (): void => {
            if (fastReceived < total) return;
            fast.peer.off('data', check);
            resolve();
          };
          fast.peer.on('data', check);
          check();
        }),
        `the fast reader to get ${total} bytes`,
      );

    // The same bytes to both, as a relay does; the fast reader reads between the writes.
    const chunk = Buffer.alloc(limit, 'm');
    let written = 0;
    let slowGot = 0; // chunks the slow peer was given before the cut
    for (let i = 0; i < 256 && !slow.connection.socket.writableEnded; i++) {
      slow.connection.write(chunk);
      if (!slow.connection.socket.writableEnded) slowGot += 1;
      fast.connection.write(chunk);
      written += chunk.length;
      await fastCaughtUp(written);
    }

    expect(slow.connection.socket.writableEnded).toBe(true);
    expect(slow.connection.socket.destroyed).toBe(false); // it may still read what it was sent
    const failure = await slow.ended.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SendQueueExceededError);
    expect(failure).toMatchObject({
      code: 'SEND_QUEUE_EXCEEDED',
      limitBytes: limit,
      message: `send queue exceeded (over ${limit} bytes unread)`,
    });
    slow.connection.write(chunk); // no more chat for it
    slow.connection.reading(false); // nor does the core pause it any more

    fast.connection.write(encode('after the cut\n'));
    expect(await readUntil(fast.peer, 'after the cut\n')).toBe('after the cut\n');
    expect(fastReceived).toBe(written + 'after the cut\n'.length);
    expect(fast.connection.socket.destroyed).toBe(false);

    // When it reads at last: what was queued before the cut, whole, then why, then EOF.
    const farewell = `! send queue exceeded (over ${limit} bytes unread)\n`;
    slow.peer.resume();
    const all = await readToEnd(slow.peer, 5000);
    expect(all.length).toBe(slowGot * limit + farewell.length);
    expect(all.subarray(0, slowGot * limit).every((byte) => byte === 0x6d)).toBe(true);
    expect(all.subarray(slowGot * limit).toString()).toBe(farewell);
    await event(slow.connection.socket, 'close'); // closed by the peer in turn, long before the linger
  });

  it('gives a cut-off peer longer than an ordinary linger to read what was queued, whole, and then why', async () => {
    const slow = await accepted({ ...BASE, sendQueueBytes: MiB, lingerMs: 200 });
    slow.peer.pause();
    const chunk = Buffer.alloc(64 * 1024, 's');
    let given = 0;
    for (let i = 0; i < 1024 && !slow.connection.socket.writableEnded; i++) {
      slow.connection.write(chunk);
      if (!slow.connection.socket.writableEnded) given += chunk.length;
    }
    await expect(slow.ended).rejects.toBeInstanceOf(SendQueueExceededError);
    await new Promise((resolve) => setTimeout(resolve, 400)); // it reads nothing for two lingers, then all
    slow.peer.resume();
    const all = await readToEnd(slow.peer, 5000);
    const farewell = `! send queue exceeded (over ${MiB} bytes unread)\n`;
    expect(all.length).toBe(given + farewell.length);
    expect(all.subarray(given).toString()).toBe(farewell);
  });

  it('destroys a cut-off peer that still does not read once the linger time is over', async () => {
    const limit = 64 * 1024;
    const slow = await accepted({ ...BASE, sendQueueBytes: limit, lingerMs: 100 });
    slow.peer.pause();
    const chunk = Buffer.alloc(limit, 'q');
    for (let i = 0; i < 1024 && !slow.connection.socket.writableEnded; i++) slow.connection.write(chunk);
    expect(slow.connection.socket.writableEnded).toBe(true);
    await expect(slow.ended).rejects.toBeInstanceOf(SendQueueExceededError);
    await event(slow.connection.socket, 'close');
    expect(slow.connection.socket.destroyed).toBe(true);
  });
});
