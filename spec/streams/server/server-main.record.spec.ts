import { describe, expect, it } from '@jest/globals';
import { NEVER, Subject } from 'rxjs';
import { DEFAULT_ADMISSION_LIMITS } from '../../../streams/server/admission.js';
import { serverMain, type ConnectionSource, type ServerOptions, type ServerOutput } from '../../../streams/server/server-main.js';

const ROOM: ServerOptions = {
  name: 'server',
  mode: 'room',
  framing: 'line',
  limits: { maxLineBytes: 64, hardLimitBytes: 256 },
  rate: { linesPerSecond: 0, burst: 0 },
  idleTimeoutMs: 0,
  passwordTimeoutMs: 10_000,
  admission: DEFAULT_ADMISSION_LIMITS,
};

/** A server fed by hand: connections open and send when the test says; every output is kept. */
function server(options: ServerOptions = ROOM) {
  const connection$ = new Subject<ConnectionSource>();
  const outputs: ServerOutput[] = [];
  const subscription = serverMain({ connection$, console$: NEVER, shutdown$: NEVER }, options).subscribe((batch) => outputs.push(...batch));
  const open = (id: number): Subject<Uint8Array> => {
    const data$ = new Subject<Uint8Array>();
    connection$.next({ id, address: `10.0.0.${id}:4000`, ip: `10.0.0.${id}`, data$ });
    return data$;
  };
  return { outputs, open, stop: () => subscription.unsubscribe() };
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('serverMain: the record of what the room was sent', () => {
  it('carries the very bytes the plain members were sent, even with a tagged member in the room', () => {
    const { outputs, open, stop } = server();
    const speaker = open(1);
    open(2);
    open(3).next(bytes('/cap tcpchat session=s\n'));
    outputs.length = 0;

    speaker.next(bytes('hello there\n'));

    const writes = outputs.filter((output) => output.kind === 'write');
    const toPlain = writes.find((write) => write.to.includes(2));
    const log = outputs.find((output) => output.kind === 'log');
    expect(writes).toHaveLength(2); // the plain member's and the tagged member's batches differ
    expect(new TextDecoder().decode(toPlain?.bytes)).toBe('<guest-1> hello there\n');
    expect(log?.bytes).toBe(toPlain?.bytes);
    stop();
  });

  it('carries no bytes when nobody else heard the lines: the record encodes them itself', () => {
    const { outputs, open, stop } = server();
    const alone = open(1);
    outputs.length = 0;

    alone.next(bytes('anyone?\n'));

    expect(outputs.filter((output) => output.kind === 'write')).toEqual([]);
    const log = outputs.find((output) => output.kind === 'log');
    expect(log?.entries).toMatchObject([{ type: 'messages', lines: ['<guest-1> anyone?'] }]);
    expect(log?.bytes).toBeUndefined();
    stop();
  });
});
