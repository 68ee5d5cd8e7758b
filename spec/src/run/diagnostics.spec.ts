import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { diagnostics, LOG_LEVELS, stampsWanted } from '../../../src/run/diagnostics.js';

function sink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { stream, lines };
}

describe('diagnostics', () => {
  it.each(LOG_LEVELS.map((level, index) => [level, LOG_LEVELS.slice(0, index + 1)] as const))('at %s shows %j', (level, shown) => {
    const { stream, lines } = sink();
    const tell = diagnostics(stream, level);
    for (const each of LOG_LEVELS) tell[each](`a ${each} line`);
    expect(lines).toEqual(shown.map((each) => `tcpchat: a ${each} line\n`));
  });

  it('shows info by default', () => {
    const { stream, lines } = sink();
    diagnostics(stream).info('listening on 127.0.0.1:2023');
    diagnostics(stream).debug('hidden');
    expect(lines).toEqual(['tcpchat: listening on 127.0.0.1:2023\n']);
  });
});

describe('stampsWanted', () => {
  it('times console lines in a pipe or a file, not on a terminal, unless told', () => {
    expect([stampsWanted(undefined, {}), stampsWanted(undefined, { isTTY: true })]).toEqual([true, false]);
    expect([stampsWanted(false, {}), stampsWanted(true, { isTTY: true })]).toEqual([false, true]);
  });
});
