import { afterEach, describe, expect, it } from '@jest/globals';
import { joined } from './helpers/client.js';
import { cleanUp } from './helpers/leftovers.js';
import { startServer } from './helpers/server.js';

afterEach(cleanUp);

describe('serve in console mode', () => {
  it("shows what a client says on the server's stdout, and only there", async () => {
    const server = await startServer();
    const ada = await joined(server.port, 'ada');
    const bob = await joined(server.port, 'bob');
    ada.send('hello server\n');
    await server.stdout.waitFor('<ada> hello server');
    server.write('marker\n');
    await bob.lines.waitFor('<server> marker');
    expect(bob.lines.all.filter((line) => line.includes('hello server'))).toEqual([]);
  });

  it("sends a line typed on the server's stdin to every client as <server> text", async () => {
    const server = await startServer();
    const ada = await joined(server.port, 'ada');
    const bob = await joined(server.port, 'bob');
    server.write('hi all, 大家好\n');
    await Promise.all([ada.lines.waitFor('<server> hi all, 大家好'), bob.lines.waitFor('<server> hi all, 大家好')]);
  });

  it('sends /msg NAME text from the console to exactly that client', async () => {
    const server = await startServer();
    const ada = await joined(server.port, 'ada');
    const bob = await joined(server.port, 'bob');
    const cat = await joined(server.port, 'cat');
    server.write('/msg bob psst, only you\n');
    await bob.lines.waitFor('*server* psst, only you');
    server.write('after the secret\n'); // arrives after the private line would have
    await Promise.all([ada.lines.waitFor('<server> after the secret'), cat.lines.waitFor('<server> after the secret')]);
    for (const other of [ada, cat]) expect(other.lines.all.filter((line) => line.includes('psst'))).toEqual([]);

    server.write('/msg nobody hello?\n');
    await server.stdout.waitFor('! no such nick: nobody');
  });

  it('answers an over-long line (9000 bytes) with an error and keeps the connection working', async () => {
    const server = await startServer();
    const ada = await joined(server.port, 'ada');
    ada.send(`${'x'.repeat(9000)}\n`);
    await ada.lines.waitFor('! line too long (max 8192 bytes)');
    ada.send('short one\n');
    await server.stdout.waitFor('<ada> short one');
    server.write('still there?\n');
    await ada.lines.waitFor('<server> still there?');
    expect(server.stdout.all.some((line) => line.includes('xxxxxxxx'))).toBe(false);
    expect(ada.socket.destroyed).toBe(false);
  });
});
