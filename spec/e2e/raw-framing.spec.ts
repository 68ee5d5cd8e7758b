import { afterEach, describe, expect, it } from '@jest/globals';
import { cleanUp } from './helpers/leftovers.js';
import { run, tcpchat, waitForExit } from './helpers/processes.js';
import { startServer } from './helpers/server.js';

afterEach(cleanUp);

const hex = (text: string): string => Buffer.from(text, 'utf8').toString('hex');

/**
 * A client in the original programs' style: sends text with no newline in one send(), then
 * treats what each recv() returns as messages until the expected reply has come.
 * argv: port, text to send (hex), reply to wait for (hex). Prints one JSON line.
 */
const PYTHON_CLIENT = `
import json, socket, sys
port, said, awaited = int(sys.argv[1]), bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3])
conn = socket.create_connection(("127.0.0.1", port), timeout=5)
conn.sendall(said)
received = b""
while awaited not in received:
    chunk = conn.recv(1024)
    if not chunk:
        break
    received += chunk
conn.close()
print(json.dumps({"received": received.decode("utf-8")}), flush=True)
`;

/**
 * A server in the original programs' style: accepts one client, recv()s chunks until the
 * expected text has come, checks that the first chunk decodes on its own (no character split),
 * sends a reply with no newline, then waits for the client to close.
 * argv: text to expect (hex), reply (hex). Prints the port, then one JSON line.
 */
const PYTHON_SERVER = `
import json, socket, sys
expected, reply = bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2])
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(("127.0.0.1", 0))
listener.listen(1)
listener.settimeout(5)
print(listener.getsockname()[1], flush=True)
conn, _ = listener.accept()
conn.settimeout(5)
chunks = []
while len(b"".join(chunks)) < len(expected):
    chunk = conn.recv(1024)
    if not chunk:
        break
    chunks.append(chunk)
first = chunks[0].decode("utf-8") if chunks else ""
print(json.dumps({"first": first, "all": b"".join(chunks).decode("utf-8", "replace")}), flush=True)
conn.sendall(reply)
while conn.recv(1024):
    pass
conn.close()
`;

describe("--framing raw, with peers in the original programs' style", () => {
  it("serve --framing raw: a Python client sends text without a newline and gets the console's reply without one", async () => {
    const server = await startServer(['--framing', 'raw']);
    const said = '你好，服务器！';
    const reply = '收到了, thanks';
    const python = run('python3', ['-c', PYTHON_CLIENT, String(server.port), hex(said), hex(`<server> ${reply}`)], {
      name: 'python client',
    });

    await server.stdout.waitFor(`<guest-1> ${said}`);
    server.write(`${reply}\n`);

    const { received } = JSON.parse(await python.stdout.waitFor(/^\{/)) as { received: string };
    expect(received.endsWith(`<server> ${reply}`)).toBe(true);
    expect(received.startsWith('* welcome to server, you are guest-1')).toBe(true);
    expect(received).not.toContain('\n');
    expect(await waitForExit(python)).toEqual({ code: 0, signal: null });
    await server.stdout.waitFor('* guest-1 left (connection closed)');
  });

  it('connect --framing raw: a Python server gets a multibyte text whole, and its reply is printed', async () => {
    const said = '我们用中文聊天吧 🙂';
    const reply = '收到：好的';
    const python = run('python3', ['-c', PYTHON_SERVER, hex(said), hex(reply)], { name: 'python server' });
    const port = Number(await python.stdout.waitFor(/^\d+$/));

    const client = tcpchat(['connect', `127.0.0.1:${port}`, '--framing', 'raw'], { name: 'client' });
    client.write(`${said}\n`);

    const report = JSON.parse(await python.stdout.waitFor(/^\{/)) as { first: string; all: string };
    expect(report).toEqual({ first: said, all: said }); // one chunk, no newline, nothing split
    await client.stdout.waitFor(reply);

    client.endInput(); // half-close: the Python server sees the end and closes
    expect(await waitForExit(client)).toEqual({ code: 0, signal: null });
    expect(await waitForExit(python)).toEqual({ code: 0, signal: null });
    expect(await client.stdout.end()).toEqual([reply]);
  });

  it('connect --framing raw to such a server: //text goes as /text, a command is not sent but said to be unavailable', async () => {
    const python = run('python3', ['-c', PYTHON_SERVER, hex('/slash text'), hex('ok')], { name: 'python server' });
    const port = Number(await python.stdout.waitFor(/^\d+$/));

    const client = tcpchat(['connect', `127.0.0.1:${port}`, '--framing', 'raw'], { name: 'client' });
    client.write('/who\n//slash text\n');

    expect(JSON.parse(await python.stdout.waitFor(/^\{/))).toEqual({ first: '/slash text', all: '/slash text' });
    await client.stdout.waitFor('ok');
    client.endInput();
    expect(await waitForExit(client)).toEqual({ code: 0, signal: null });
    expect(client.stderr.all).toEqual([
      'tcpchat: /who is not available in raw mode: the server reads only text (//text sends /text, /quit leaves)',
    ]);
  });
});

describe('--framing raw at both ends, tcpchat to tcpchat', () => {
  it('the client sends lines as typed once welcomed: //text reaches the room as /text, /who is answered', async () => {
    const server = await startServer(['--framing', 'raw']);
    const client = tcpchat(['connect', `127.0.0.1:${server.port}`, '--framing', 'raw', '--nick', 'rr'], { name: 'client' });
    client.write('//slash text\n/who\n');
    client.endInput();

    await server.stdout.waitFor('<rr> /slash text');
    await client.stdout.waitFor('* online in #lobby (2): server, rr');
    expect(await waitForExit(client)).toEqual({ code: 0, signal: null });
    expect(client.stderr.all).toEqual([]);
    await server.stdout.waitFor('* rr left (quit)');
  });
});
