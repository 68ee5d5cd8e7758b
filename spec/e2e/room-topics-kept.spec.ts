import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEPT_TOPICS } from '../../streams/server/topic-lock.js';
import { ask, joined } from './helpers/client.js';
import { cleanUp } from './helpers/leftovers.js';
import { waitForExit } from './helpers/processes.js';
import { startServer } from './helpers/server.js';

let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'tcpchat-room-topics-'))));
afterEach(async () => {
  await cleanUp();
  rmSync(dir, { recursive: true, force: true });
});

describe('serve --data: topics of rooms nobody is in', () => {
  it(`keeps the latest ${KEPT_TOPICS}, so one client making rooms by the thousand cannot grow the server; the rest are forgotten, on disk too`, async () => {
    const first = await startServer(['--data', dir, '--rate', '0']);
    const maker = await joined(first.port, 'maker');
    const rooms = KEPT_TOPICS + 5;
    maker.send(Array.from({ length: rooms }, (_, i) => `/join #t${i}\n/topic topic ${i}\n`).join(''));
    await maker.lines.waitFor(`* maker set the topic: topic ${rooms - 1}`, 20_000);
    await ask(maker, '/join #lobby', /^\* you are now in #lobby/); // every #tN is empty now
    await ask(maker, '/join #t0', '* you are now in #t0 (1 here); no topic');
    await ask(maker, '/join #t5', '* you are now in #t5 (1 here); topic: topic 5');
    first.child.kill('SIGTERM');
    expect((await waitForExit(first)).code).toBe(0);

    const second = await startServer(['--data', dir, '--rate', '0']);
    const back = await joined(second.port, 'back');
    await ask(back, '/join #t1', '* you are now in #t1 (1 here); no topic');
    await ask(back, `/join #t${rooms - 1}`, `* you are now in #t${rooms - 1} (1 here); topic: topic ${rooms - 1}`);
  });
});
