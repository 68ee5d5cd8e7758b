import { afterEach, describe, expect, it } from '@jest/globals';
import { cleanUp } from './helpers/leftovers.js';
import { run, tcpchat, waitForExit, type Running } from './helpers/processes.js';

afterEach(cleanUp);

/**
 * A peer that is no tcpchat server, in python3: it says the lines given (`\n` ends each) on
 * accepting, reads until our end, then says the lines given after it and closes, as a server
 * that answers everything its peer sent does.
 */
const PEER = `
import socket, sys
first, last = (arg.encode().replace(b'\\\\n', b'\\n') for arg in sys.argv[1:3])
server = socket.socket()
server.bind(('127.0.0.1', 0))
server.listen(1)
print(server.getsockname()[1], flush=True)
conn, _ = server.accept()
conn.sendall(first)
while conn.recv(65536):
    pass
conn.sendall(last)
conn.close()
`;

async function plainPeer(first: string, last = ''): Promise<{ peer: Running; port: number }> {
  const peer = run('python3', ['-c', PEER, first, last], { name: 'python3 peer' });
  const port = Number(await peer.stdout.waitFor(/^\d+$/));
  return { peer, port };
}

describe('tcpchat connect to a peer that is no tcpchat server', () => {
  it('says a line too long to show was dropped, in one line on stderr, reads on, and takes one just before the close for no refusal', async () => {
    const long = `${'x'.repeat(70 * 1024)}\\n`;
    const { peer, port } = await plainPeer(`${long}after the long one\\n`, long);
    const client = tcpchat(['connect', `127.0.0.1:${port}`], { name: 'client' });
    await client.stdout.waitFor('after the long one');
    client.endInput();
    expect(await waitForExit(client)).toEqual({ code: 0, signal: null });
    expect(await client.stdout.end()).toEqual(['after the long one']);
    expect(await client.stderr.end()).toEqual(
      Array(2).fill('tcpchat: a line from the server was too long (over 16384 bytes) and was dropped'),
    );
    expect((await waitForExit(peer)).code).toBe(0);
  });

  it('with its input at an end from the start (</dev/null), shows what the peer says after our end, then exits 0, as nc -N does', async () => {
    const said = 'hello\\nanswered after your end\\n';
    const viaTcpchat = await plainPeer('', said);
    const client = tcpchat(['connect', `127.0.0.1:${viaTcpchat.port}`], { name: 'connect </dev/null', stdin: 'ignore' });
    expect(await waitForExit(client)).toEqual({ code: 0, signal: null });

    const viaNc = await plainPeer('', said);
    const nc = run('nc', ['-N', '127.0.0.1', String(viaNc.port)], { name: 'nc -N </dev/null', stdin: 'ignore' });
    expect(await waitForExit(nc)).toEqual({ code: 0, signal: null });

    const expected = ['hello', 'answered after your end'];
    expect(await nc.stdout.end()).toEqual(expected);
    expect(await client.stdout.end()).toEqual(expected);
    expect(await client.stderr.end()).toEqual([]);
  });

  it('with its input all sent to a peer that says nothing and keeps the link open, says once, a heartbeat later, what it waits for; exits 0 at the close', async () => {
    const peer = run('python3', ['-c', SILENT_PEER], { name: 'silent peer' });
    const port = Number(await peer.stdout.waitFor(/^\d+$/));
    const client = tcpchat(['connect', `127.0.0.1:${port}`, '--heartbeat', '1'], { name: 'client' });
    client.write('hi\n');
    client.endInput();
    await peer.stdout.waitFor('heard: hi');
    await client.stderr.waitFor(`tcpchat: all input sent; waiting for 127.0.0.1:${port} to close the connection (Ctrl-C leaves)`, 4000);
    peer.endInput();
    expect(await waitForExit(client)).toEqual({ code: 0, signal: null });
    expect(await client.stderr.end()).toHaveLength(1);
  });
});

/** A peer that never says a word: it prints what it hears until our end, and closes at the end of its own input. */
const SILENT_PEER = `
import socket, sys
server = socket.socket()
server.bind(('127.0.0.1', 0))
server.listen(1)
print(server.getsockname()[1], flush=True)
conn, _ = server.accept()
heard = b''
while chunk := conn.recv(65536):
    heard += chunk
print('heard: ' + heard.decode().strip(), flush=True)
sys.stdin.read()
conn.close()
`;
