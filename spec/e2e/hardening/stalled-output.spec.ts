import { afterEach, describe, expect, it } from '@jest/globals';
import { joined } from '../helpers/client.js';
import { cleanUp } from '../helpers/leftovers.js';
import { memoryMiB, MiB } from '../helpers/probe.js';
import { startServer } from '../helpers/server.js';

afterEach(cleanUp);

describe("the server's own output", () => {
  it('stalled: the record is dropped and counted instead of growing memory; the chat goes on; the count is told once it reads again', async () => {
    const server = await startServer(['--relay', '--rate', '0', '--json']);
    const pid = server.child.pid!;
    const ada = await joined(server.port, 'ada');
    const bob = await joined(server.port, 'bob');
    server.child.stdout!.pause(); // nobody reads the server's output from here on
    const before = memoryMiB(pid);

    // 96 MiB of chat: as JSON records, more than 100 MiB would queue in the server. Passing the chat
    // on leaves some garbage behind anyway (~45 MiB here, however long it goes on), so the bound is the chat's own size.
    const line = 'x'.repeat(1000);
    const batch = `${line}\n`.repeat(256);
    const batches = 384;
    // In steps that bob keeps up with, so that only the server's own output is stalled.
    for (let i = 0; i < batches; i++) {
      ada.send(`${batch}step ${i}\n`);
      await bob.lines.waitFor(`<ada> step ${i}`);
    }
    const grown = memoryMiB(pid) - before;
    console.log(`server RSS grew ${grown.toFixed(1)} MiB while ${((batches * batch.length) / MiB).toFixed(0)} MiB of chat went unrecorded`);
    expect(bob.lines.all.filter((received) => received === `<ada> ${line}`)).toHaveLength(batches * 256);
    expect(grown).toBeLessThan((batches * batch.length) / MiB);

    server.child.stdout!.resume();
    const told = await server.stderr.waitFor(/^tcpchat: \d+ console lines were dropped while nobody read the output$/, 10_000);
    expect(Number(/(\d+)/.exec(told)![1])).toBeGreaterThan(1000);
  });
});
