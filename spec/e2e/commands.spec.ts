import { afterEach, describe, expect, it } from '@jest/globals';
import { joined, rawClient } from './helpers/client.js';
import { chatter } from './helpers/chatter.js';
import { cleanUp } from './helpers/leftovers.js';
import { run, tcpchat } from './helpers/processes.js';
import { startServer } from './helpers/server.js';

afterEach(cleanUp);

describe('what a client is told about its commands', () => {
  it('/kick from an nc client that is no operator: only operators may kick, and nobody is kicked', async () => {
    const server = await startServer(['--relay']);
    const bob = await joined(server.port, 'bob');
    const ada = run('nc', ['-N', '127.0.0.1', String(server.port)], { name: 'nc ada' });
    await ada.stdout.waitFor(/^\* welcome to /);
    ada.write('/kick bob spam\n');
    await ada.stdout.waitFor('! only operators may /kick');
    ada.write('still friends\n');
    await bob.lines.waitFor(/^<guest-\d+> still friends$/);
    expect(bob.socket.destroyed).toBe(false);
  });

  it('/msg tells its sender to whom it went, and tcpchat connect shows it (plain and --json)', async () => {
    const server = await startServer(['--relay']);
    const bob = await joined(server.port, 'bob');
    const ada = tcpchat(['connect', `127.0.0.1:${server.port}`, '--nick', 'ada'], { name: 'ada' });
    await ada.stdout.waitFor('* you are now ada');
    ada.write('/msg BOB psst\n');
    await bob.lines.waitFor('*ada* psst');
    await ada.stdout.waitFor('*-> bob* psst');

    const cat = tcpchat(['connect', `127.0.0.1:${server.port}`, '--nick', 'cat', '--json'], { name: 'cat' });
    await cat.stdout.waitFor((line) => line.includes('you are now cat'));
    cat.write('/msg server hello desk\n');
    const sent = await cat.stdout.waitFor((line) => line.includes('hello desk'));
    expect(JSON.parse(sent)).toMatchObject({ type: 'sent', to: 'server', text: 'hello desk' });
    await server.stdout.waitFor('*cat* hello desk');
  });

  it('tcpchat connect does not show the password prompt it answers itself; nc does', async () => {
    const env = { TCPCHAT_PASSWORD: 'open sesame' };
    const server = await startServer([], { env });
    const ada = tcpchat(['connect', `127.0.0.1:${server.port}`, '--nick', 'ada'], { name: 'ada', env });
    await ada.stdout.waitFor('* you are now ada');
    const nc = run('nc', ['-N', '127.0.0.1', String(server.port)], { name: 'nc' });
    await nc.stdout.waitFor('* this server needs a password: send /pass SECRET');
    expect(ada.stdout.all.filter((line) => line.includes('password'))).toEqual([]);
  });
});

describe('/who in a big room', () => {
  it('reaches tcpchat connect whole: 800 members come in lines below its --max-line, none dropped', async () => {
    const server = await startServer();
    const ada = await chatter(server.port, 'ada');
    const others = await Promise.all(Array.from({ length: 799 }, (_, n) => rawClient(server.port, `member ${n}`)));
    await Promise.all(others.map((other) => other.lines.waitFor(/^\* welcome to /)));
    ada.write('/who\n');
    await ada.stdout.waitFor(/^\* online in #lobby \(801\): .*\bguest-800\b/);
    const answer = ada.stdout.all.filter((line) => line.startsWith('* online in #lobby (801): '));
    const names = answer.flatMap((line) => line.slice('* online in #lobby (801): '.length).split(', '));
    expect(names).toEqual(['server', 'ada', ...Array.from({ length: 799 }, (_, n) => `guest-${n + 2}`)]);
    expect(answer.length).toBeGreaterThan(1);
    expect(ada.stderr.all.join('\n')).not.toContain('too long');
  }, 30_000);
});
