import { afterEach, describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { cleanUp, trackSocket } from '../helpers/leftovers.js';
import { MiB, ms } from '../helpers/probe.js';
import { startServer } from '../helpers/server.js';
import { within } from '../helpers/within.js';

afterEach(cleanUp);

/**
 * A bare client that only keeps what it receives (a flood is megabytes: parsing it as it comes
 * would make the test the slow reader), notes how late each chunk's last timed line is, and can
 * wait for a text. Its lines are checked afterwards.
 */
class Recorder {
  readonly chunks: Buffer[] = [];
  readonly delays: number[] = [];
  bytes = 0;
  readonly ended: Promise<void>;
  private window = '';
  private readonly waits = new Set<() => void>();

  private constructor(
    readonly socket: Socket,
    readonly name: string,
  ) {
    socket.on('error', () => {});
    this.ended = new Promise((resolve) => socket.once('end', () => resolve()));
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.bytes += chunk.length;
      const text = chunk.toString('latin1');
      this.window = this.window.slice(-256) + text;
      const timed = TIMED.exec(text.slice(text.lastIndexOf('\n', text.length - 2) + 1));
      if (timed) this.delays.push(performance.now() - Number(timed[1]));
      for (const check of [...this.waits]) check();
    });
  }

  static async connect(port: number, name: string): Promise<Recorder> {
    const socket = trackSocket(connect({ host: '127.0.0.1', port }));
    const recorder = new Recorder(socket, name);
    await recorder.waitForText('/help lists commands\n');
    return recorder;
  }

  /** Resolves once `text` arrives (in a chunk, or across the start of one); ask before it comes. */
  waitForText(text: string, ms = 10_000): Promise<void> {
    return within(
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (!this.window.includes(text)) return;
          this.waits.delete(check);
          resolve();
        };
        this.waits.add(check);
        check();
      }),
      () => `${JSON.stringify(text)} on ${this.name} (${this.bytes} bytes so far, ending ${JSON.stringify(this.window.slice(-120))})`,
      ms,
    );
  }

  /** Resolves once `total` bytes in all have arrived. */
  untilBytes(total: number, ms = 10_000): Promise<void> {
    return within(
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (this.bytes < total) return;
          this.waits.delete(check);
          resolve();
        };
        this.waits.add(check);
        check();
      }),
      () => `${total} bytes on ${this.name} (it has ${this.bytes})`,
      ms,
    );
  }

  lines(): string[] {
    const text = Buffer.concat(this.chunks).toString('utf8');
    return text.split('\n').slice(0, text.endsWith('\n') ? -1 : undefined);
  }
}

const TIMED = / t (\d+\.\d) /;
const MESSAGE = /^<([^>]+)> m (\d+) /;

/** Each sender's numbered lines, in the order they came; other lines apart. */
function sortOut(lines: readonly string[]): { bySender: Map<string, number[]>; others: string[] } {
  const bySender = new Map<string, number[]>();
  const others: string[] = [];
  for (const line of lines) {
    const match = MESSAGE.exec(line);
    if (!match) others.push(line);
    else if (bySender.has(match[1])) bySender.get(match[1])!.push(Number(match[2]));
    else bySender.set(match[1], [Number(match[2])]);
  }
  return { bySender, others };
}

/** 0, 1, ... n - 1. */
const upTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * How far a reader that keeps up may fall behind the senders: less than the send queue holds
 * beyond what the kernel buffers take, so it is never mistaken for a slow reader however busy
 * the machine (and this test process, which does all the reading) is.
 */
const LAG = MiB;

/**
 * Writes numbered, timed lines in chunks as fast as the server reads them and the readers that
 * keep up read them, while `keepGoing` says so (bounded). `relayed` counts what the server relays
 * of each sender's lines, with the `<nick> ` prefix.
 */
async function flood(
  socket: Socket,
  nick: string,
  keepGoing: (sent: number) => boolean,
  maxLines: number,
  relayed: Map<string, number>,
  keepingUp: () => Promise<unknown>,
): Promise<number> {
  const chunkLines = 500;
  const padding = 'x'.repeat(60);
  let sent = 0;
  while (sent < maxLines && keepGoing(sent)) {
    await keepingUp();
    const now = performance.now().toFixed(1);
    const lines: string[] = [];
    for (let i = 0; i < chunkLines; i++) lines.push(`m ${sent + i} t ${now} from ${nick} ${padding}`);
    const text = lines.join('\n') + '\n';
    relayed.set(nick, (relayed.get(nick) ?? 0) + Buffer.byteLength(text) + chunkLines * `<${nick}> `.length);
    sent += chunkLines;
    if (!socket.write(text)) await within(new Promise((resolve) => socket.once('drain', resolve)), `${nick}'s socket to drain`);
  }
  socket.write(`done ${nick}\n`);
  return sent;
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

describe('a client that does not read', () => {
  it('is cut off alone at the send-queue limit, told why last; the others, who keep up, get every line in order', async () => {
    const server = await startServer(['--relay', '--rate', '0']);
    const slow = await Recorder.connect(server.port, 'slow');
    slow.socket.pause(); // from now on it reads nothing
    const sa = await Recorder.connect(server.port, 'sa');
    const sb = await Recorder.connect(server.port, 'sb');
    const readers = [
      await Recorder.connect(server.port, 'reader 1'),
      await Recorder.connect(server.port, 'reader 2'),
      await Recorder.connect(server.port, 'reader 3'),
    ];
    const nickOf = new Map([sa, sb].map((client, i) => [client, `guest-${i + 2}`]));

    // Both senders go at full speed until the cut, and 5,000 lines past it (at most 150,000 each).
    const nicks = [...nickOf.values()];
    const heardOf = (client: Recorder): string[] => nicks.filter((nick) => nick !== nickOf.get(client));
    const done = [sa, sb, ...readers].map((client) =>
      Promise.all(heardOf(client).map((nick) => client.waitForText(`<${nick}> done ${nick}\n`, 12_000))),
    );
    done.forEach((wait) => wait.catch(() => {}));
    // The others hear of the cut in its place among the lines; the first sender is watched for it.
    const dropLine = `* guest-1 left (send queue exceeded (over ${MiB} bytes unread))`;
    let droppedAt: number | undefined;
    const dropped = sa.waitForText(`\n${dropLine}\n`, 15_000).then(() => void (droppedAt = performance.now()));
    dropped.catch(() => {});
    const started = performance.now();
    const sentAtDrop: (number | undefined)[] = [];
    const relayed = new Map<string, number>();
    const keepingUp = (): Promise<unknown> =>
      Promise.all(
        [sa, sb, ...readers].map((client) => {
          const due = heardOf(client).reduce((sum, nick) => sum + (relayed.get(nick) ?? 0), 0);
          return client.untilBytes(due - LAG);
        }),
      );
    const sending = [sa, sb].map((client, i) =>
      flood(
        client.socket,
        nickOf.get(client)!,
        (sent) => droppedAt === undefined || sent < (sentAtDrop[i] ??= sent) + 5000,
        150_000,
        relayed,
        keepingUp,
      ),
    );
    await dropped;
    const dropMs = droppedAt! - started;
    // It reads at last, before the linger is over: a prefix of the chat in order, then why it was cut, then EOF.
    slow.socket.resume();
    const slowEnded = within(slow.ended, 'EOF on the slow reader');
    const [sentA, sentB] = await Promise.all(sending);
    const sent = new Map([
      [nicks[0], sentA],
      [nicks[1], sentB],
    ]);

    // Everyone else gets every line of both senders (a sender does not hear itself), in order.
    await Promise.all(done);
    for (const client of [sa, sb, ...readers]) {
      const { bySender, others } = sortOut(client.lines());
      for (const nick of heardOf(client))
        expect({ client: client.name, nick, got: bySender.get(nick) }).toEqual({ client: client.name, nick, got: upTo(sent.get(nick)!) });
      expect(others).toContain(dropLine); // they are told it left, and why
    }
    const deliveredMs = performance.now() - started;

    const farewell = `! send queue exceeded (over ${MiB} bytes unread)`;
    await slowEnded;
    const { bySender, others } = sortOut(slow.lines());
    expect(others.at(-1)).toBe(farewell);
    for (const nick of nicks) {
      const numbers = bySender.get(nick) ?? [];
      expect(numbers).toEqual(upTo(numbers.length)); // nothing skipped or out of order
      expect(numbers.length).toBeLessThan(sent.get(nick)!); // and no chat after the cut
    }

    const delays = [sa, sb, ...readers].flatMap((client) => client.delays);
    console.log(
      `slow reader: cut ${ms(dropMs)} after the flood began, having been sent ${(slow.bytes / MiB).toFixed(1)} MiB ` +
        `(what the kernel buffers held, plus the 1 MiB queue), then told "${farewell}"; ` +
        `the 5 others got all ${sentA + sentB} lines (${(readers[0].bytes / MiB).toFixed(1)} MiB each) in order within ${ms(deliveredMs)}, ` +
        `each chunk arriving a median ${ms(median(delays))} and at most ${ms(Math.max(...delays))} after it was sent`,
    );
    await server.stdout.waitFor(dropLine); // the console records it too
    expect(server.child.exitCode).toBeNull();
  });
});
