import { afterEach, describe, expect, it } from '@jest/globals';
import { rawClient } from './helpers/client.js';
import { cleanUp } from './helpers/leftovers.js';
import { startServer } from './helpers/server.js';
import { WELCOME } from './helpers/sentences.js';

afterEach(cleanUp);

const REACHABLE = /^tcpchat: reachable at (.+)$/;

/** The addresses `serve --host HOST` says it can be reached at. */
async function reachable(host: string): Promise<{ port: number; where: string[] }> {
  const server = await startServer([], { host });
  const [, list] = REACHABLE.exec(await server.stderr.waitFor(REACHABLE))!;
  return { port: server.port, where: list.split(', ') };
}

describe('serve on every address says where it can be reached', () => {
  it('with --host :: (both families) it lists IPv6 addresses too, bracketed, and [::1] lets a client in', async () => {
    const { port, where } = await reachable('::');
    expect(where.slice(0, 2)).toEqual([`127.0.0.1:${port}`, `[::1]:${port}`]);
    for (const address of where) expect(address).toMatch(new RegExp(`^(\\d+\\.\\d+\\.\\d+\\.\\d+|\\[[0-9a-f:]+\\]):${port}$`));
    expect(where.join(' ')).not.toMatch(/\[fe80:/i); // link-local needs the client's own zone
    const client = await rawClient(port, 'over ::1', '::1');
    await client.lines.waitFor(WELCOME);
  });

  it('with --host 0.0.0.0 it lists IPv4 addresses alone', async () => {
    const { port, where } = await reachable('0.0.0.0');
    expect(where[0]).toBe(`127.0.0.1:${port}`);
    for (const address of where) expect(address).toMatch(new RegExp(`^\\d+\\.\\d+\\.\\d+\\.\\d+:${port}$`));
  });
});
