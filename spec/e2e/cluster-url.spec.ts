import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { joined } from './helpers/client.js';
import { cleanUp } from './helpers/leftovers.js';
import { startRedis } from './helpers/redis.js';
import { startServer, type Server } from './helpers/server.js';
import { makeCertificates, type TestCertificates } from '../helpers/certificates.js';

afterEach(cleanUp);

let certificates: TestCertificates;
beforeAll(() => {
  certificates = makeCertificates();
});
afterAll(() => certificates.remove());

/** `tcpchat serve --relay --cluster URL` as node `name`. */
function node(name: string, url: string, env?: NodeJS.ProcessEnv): Promise<Server> {
  return startServer(['--relay', '--cluster', url, '--node', name], { name: `node ${name}`, env });
}

const joinedCluster = (name: string): RegExp => new RegExp(`^\\* joined the cluster as node ${name}: `);

describe('serve --cluster URL: what the URL carries', () => {
  it('gives Redis the password in the URL; a wrong one is told on stderr once, and the node still serves its own people', async () => {
    const redis = await startRedis({ password: 'open sesame' });
    expect(redis.url).toMatch(/^redis:\/\/:open%20sesame@127\.0\.0\.1:\d+$/);
    const [a, b] = await Promise.all([node('a', redis.url), node('b', redis.url)]);
    await Promise.all([a.stdout.waitFor(joinedCluster('a')), b.stdout.waitFor(joinedCluster('b'))]);
    const ada = await joined(a.port, 'ada');
    const bob = await joined(b.port, 'bob');
    ada.send('through the password\n');
    await bob.lines.waitFor('<ada> through the password');

    const wrong = await node('wrong', redis.url.replace('open%20sesame', 'guess'));
    const told = await wrong.stderr.waitFor(/^tcpchat: cluster: /);
    expect(told).toMatch(/WRONGPASS|invalid username-password/i);
    const one = await joined(wrong.port, 'one');
    const two = await joined(wrong.port, 'two');
    one.send('alone here\n');
    await two.lines.waitFor('<one> alone here');
    expect(wrong.stderr.all.filter((line) => line.startsWith('tcpchat: cluster: '))).toHaveLength(1);
    expect(wrong.stdout.all.some((line) => joinedCluster('wrong').test(line))).toBe(false);
    expect(bob.lines.all).not.toContain('<one> alone here');
  });

  it('speaks TLS to Redis with rediss://, trusting the CA Node is given', async () => {
    const redis = await startRedis({ tls: certificates.signed });
    expect(redis.url).toMatch(/^rediss:\/\//);
    const env = { NODE_EXTRA_CA_CERTS: certificates.ca };
    const [a, b] = await Promise.all([node('a', redis.url, env), node('b', redis.url, env)]);
    await Promise.all([a.stdout.waitFor(joinedCluster('a')), b.stdout.waitFor(joinedCluster('b'))]);
    const ada = await joined(a.port, 'ada');
    const bob = await joined(b.port, 'bob');
    bob.send('over tls\n');
    await ada.lines.waitFor('<bob> over tls');

    // Without the CA the certificate is refused, and said so.
    const untrusting = await node('untrusting', redis.url);
    expect(await untrusting.stderr.waitFor(/^tcpchat: cluster: /)).toMatch(/certificate/i);
  });
});
