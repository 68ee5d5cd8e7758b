import { afterEach, describe, expect, it } from '@jest/globals';
import { chatter, mark } from './helpers/chatter.js';
import { joined, type Client } from './helpers/client.js';
import { closeFaultProxies, FaultProxy } from './helpers/fault-proxy.js';
import { cleanUp } from './helpers/leftovers.js';
import { startServer } from './helpers/server.js';

afterEach(async () => {
  await closeFaultProxies();
  await cleanUp();
});

const numbered = (count: number): string[] => Array.from({ length: count }, (_, i) => `a ${i + 1}`);

/** `client` says a numbered line every `everyMs` until stopped (at most `count`). */
function talking(client: Client, everyMs: number, count: number): () => void {
  let said = 0;
  const timer = setInterval(() => {
    said += 1;
    client.send(`room line ${said}\n`);
    if (said >= count) clearInterval(timer);
  }, everyMs);
  return () => clearInterval(timer);
}

describe('a link dead one way only (the client is not heard, the room still reaches it)', () => {
  it('is noticed by the client within three heartbeats of no answer, however busy the room; once healed, every piped line reaches the room once, in order', async () => {
    const server = await startServer(['--rate', '0', '--heartbeat', '1']);
    const proxy = await FaultProxy.start(server.port);
    const observer = await joined(server.port, 'obs');
    const bob = await joined(server.port, 'bob');
    const ada = await chatter(proxy.port, 'ada', ['--heartbeat', '1']);
    const stopBob = talking(bob, 100, 300);
    const lines = numbered(60);
    let written = 0;
    const writer = setInterval(() => {
      ada.write(`${lines[written]}\n`);
      written += 1;
      if (written === lines.length) clearInterval(writer);
    }, 50);

    try {
      await observer.lines.waitFor('<ada> a 5');
      proxy.stallUpstream();
      // The first connection goes (the server's pings or ada's own go unanswered); the next one is
      // welcomed, since the room reaches ada, but its /cap and nick are never heard.
      await ada.stderr.waitFor(/reconnecting in/, 6000);
      const from = mark(ada.stderr);
      await ada.stderr.waitFor('tcpchat: reconnected to 127.0.0.1:' + proxy.port, 6000, from);
      const back = performance.now();
      const lost = await ada.stderr.waitFor(/^tcpchat: connection lost/, 6000, mark(ada.stderr));
      const noticed = performance.now() - back;
      console.log(`one-way dead link, --heartbeat 1, the room busy: a reconnect not heard was given up on after ${Math.round(noticed)} ms`);
      expect(lost).toMatch(/^tcpchat: connection lost: no answer from the server; reconnecting in \d+\.\d s$/);
      expect(noticed).toBeLessThan(4500);

      proxy.heal();
      await observer.lines.waitFor('<ada> a 60', 15_000);
    } finally {
      stopBob();
      clearInterval(writer);
    }
    expect(observer.lines.all.filter((line) => line.startsWith('<ada> '))).toEqual(lines.map((line) => `<ada> ${line}`));
  }, 40_000);
});
