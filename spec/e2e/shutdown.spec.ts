import { afterEach, describe, expect, it } from '@jest/globals';
import { joined } from './helpers/client.js';
import { cleanUp } from './helpers/leftovers.js';
import { run, tcpchat, waitForExit } from './helpers/processes.js';
import { startServer } from './helpers/server.js';
import { WELCOME } from './helpers/sentences.js';

afterEach(cleanUp);

const NOTICE = '* server is going down (got SIGTERM)';

describe('stopping the server', () => {
  it('on SIGTERM tells every client, ends each connection, and exits 0', async () => {
    const server = await startServer(['--relay']);
    const ada = await joined(server.port, 'ada');
    const bob = await joined(server.port, 'bob');
    const cat = await joined(server.port, 'cat');
    const viaCli = tcpchat(['connect', `127.0.0.1:${server.port}`, '--nick', 'dee', '--no-retry'], { name: 'tcpchat dee' });
    await viaCli.stdout.waitFor('* you are now dee');

    server.child.kill('SIGTERM');

    for (const client of [ada, bob, cat]) {
      await client.ended; // EOF, not a reset
      expect(client.lines.all.at(-1)).toBe(NOTICE);
    }
    await viaCli.stdout.waitFor(NOTICE);
    // Told the server is going down and not to retry, it says the server closed and exits 1.
    expect(await waitForExit(viaCli)).toEqual({ code: 1, signal: null });
    // Well before the 5 s flush deadline: every client closed in turn.
    expect(await waitForExit(server, 4000)).toEqual({ code: 0, signal: null });
    expect(await server.stdout.end()).toContain('* shutting down (got SIGTERM); told 4 clients');
  });

  it.each(['ignore', 'closed pipe'] as const)('keeps serving when its stdin is at EOF (%s)', async (stdin) => {
    const server = await startServer([], { stdin: stdin === 'ignore' ? 'ignore' : 'pipe' });
    if (stdin === 'closed pipe') {
      const early = await joined(server.port, 'early');
      server.write('last console line\n');
      server.endInput();
      await early.lines.waitFor('<server> last console line'); // stdin has been read up to its end
    }
    const ada = await joined(server.port, 'ada');
    ada.send('anyone there?\n');
    await server.stdout.waitFor('<ada> anyone there?');
    expect(server.child.exitCode).toBeNull();
    expect(server.stderr.all).toEqual([
      `tcpchat: listening on 127.0.0.1:${server.port}`,
      'tcpchat: history is kept in memory only: nothing outlives this server (serve --data DIR keeps it)',
    ]);
  });
});

describe('stopping the server while an interactive peer keeps its side open', () => {
  it('closes a connection once its output has drained and exits 0 without waiting for the peer or the deadline', async () => {
    const server = await startServer(['--relay', '--shutdown-deadline', '30']);
    // nc with its stdin open, as a person at a terminal: it never hangs up by itself.
    const nc = run('nc', ['127.0.0.1', String(server.port)], { name: 'nc' });
    await nc.stdout.waitFor(WELCOME);
    nc.write('hello from nc\n');
    await server.stdout.waitFor('<guest-1> hello from nc');

    server.child.kill('SIGTERM');

    await nc.stdout.waitFor(NOTICE);
    // Not after the 30 s deadline, nor after the 5 s a closed connection waits for its peer.
    expect(await waitForExit(server, 3000)).toEqual({ code: 0, signal: null });
    expect(await server.stdout.end()).toContain('* shutting down (got SIGTERM); told 1 client');
    expect(nc.stdout.all).not.toContainEqual(expect.stringMatching(/^!/)); // told why, not cut off
  });
});
