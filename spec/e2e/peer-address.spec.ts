import { afterEach, describe, expect, it } from '@jest/globals';
import { joined } from './helpers/client.js';
import { cleanUp } from './helpers/leftovers.js';
import { startServer } from './helpers/server.js';

afterEach(cleanUp);

describe('an IPv4 peer of a server listening on every interface (dual stack)', () => {
  it('is shown as 127.0.0.1:PORT, never [::ffff:127.0.0.1]:PORT: in the record, in --json and in /who', async () => {
    const plain = await startServer([], { host: '::' });
    const json = await startServer(['--json'], { host: '::' });
    const ada = await joined(plain.port, 'ada');
    await joined(json.port, 'bob');
    const adaPort = ada.socket.localPort;

    await plain.stdout.waitFor(`* guest-1 joined from 127.0.0.1:${adaPort}`);
    plain.write('/who\n');
    await plain.stdout.waitFor(`* ada (127.0.0.1:${adaPort})`);

    const join = JSON.parse(await json.stdout.waitFor(/"type":"join"/)) as { address: string };
    expect(join.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(plain.stdout.raw + json.stdout.raw).not.toContain('::ffff:');
  });
});
