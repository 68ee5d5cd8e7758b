import { describe, expect, it } from '@jest/globals';
import { DEFAULT_ADMISSION_LIMITS } from '../../../streams/server/admission.js';
import type { Effect, RouterEvent } from '../../../streams/server/events.js';
import type { ConnId } from '../../../streams/server/model.js';
import { LISTING_LINE_BYTES, nameListing } from '../../../streams/server/name-listing.js';
import { createRouter } from '../../../streams/server/router.js';

const bytes = (line: string): number => new TextEncoder().encode(line).length;

describe('nameListing', () => {
  it('keeps a short list on one line, as it always was', () => {
    expect(nameListing('online (3): ', ['server', 'ada', 'bob'])).toEqual(['online (3): server, ada, bob']);
  });

  it('goes on over lines that each start the same way and stay within the bound, every name once and in order', () => {
    const names = Array.from({ length: 40 }, (_, n) => `nick-${n}`);
    const lines = nameListing('online (40): ', names, 100);
    expect(lines.length).toBeGreaterThan(4);
    for (const line of lines) {
      expect(line.startsWith('online (40): ')).toBe(true);
      expect(bytes(line)).toBeLessThanOrEqual(100);
    }
    expect(lines.flatMap((line) => line.slice('online (40): '.length).split(', '))).toEqual(names);
  });

  it('counts bytes, not characters: names of several-byte characters split sooner', () => {
    const lines = nameListing(
      'who: ',
      Array.from({ length: 20 }, () => 'ééééé'),
      60,
    );
    for (const line of lines) expect(bytes(line)).toBeLessThanOrEqual(60);
    expect(lines.length).toBe(5);
  });
});

describe('/who in a big room', () => {
  const open = (id: ConnId): RouterEvent => ({ kind: 'open', id, ip: `10.${id >> 16}.${(id >> 8) & 255}.${id & 255}`, port: 4000 });
  const inbox = (effects: readonly Effect[], id: ConnId): string[] =>
    effects.flatMap((effect) => (effect.kind === 'send' && effect.to.includes(id) ? effect.lines : []));

  it.each(['room', 'console-only'] as const)('answers 2,000 members (%s) in lines of at most 4 KiB, every member once', (mode) => {
    const route = createRouter({ name: 'server', mode, admission: DEFAULT_ADMISSION_LIMITS, now: () => 0, epoch: 'e' });
    for (let id = 1; id <= 2000; id++) route(open(id));
    const answer = inbox(route({ kind: 'lines', id: 1, lines: ['/who'] }), 1);
    const head = mode === 'room' ? '* online in #lobby (2001): ' : '* online (2001): ';
    expect(answer.length).toBeGreaterThan(5);
    for (const line of answer) {
      expect(line.startsWith(head)).toBe(true);
      expect(bytes(line)).toBeLessThanOrEqual(LISTING_LINE_BYTES + 2);
    }
    const names = answer.flatMap((line) => line.slice(head.length).split(', '));
    expect(names).toEqual(['server', ...Array.from({ length: 2000 }, (_, n) => `guest-${n + 1}`)]);
  });
});
