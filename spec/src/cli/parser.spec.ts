import { describe, expect, it } from '@jest/globals';
import { buildParser } from '../../../src/cli/parser.js';
import type { ConnectConfig } from '../../../src/run/connect.js';
import type { ServeConfig } from '../../../src/run/serve.js';

class UsageError extends Error {}

/** Runs the real parser with runners that only record the config they were handed. */
async function parse(...args: string[]): Promise<{ serve?: ServeConfig; connect?: ConnectConfig }> {
  const got: { serve?: ServeConfig; connect?: ConnectConfig } = {};
  const parser = buildParser(
    args,
    {
      serve: async (config) => void (got.serve = config),
      connect: async (config) => void (got.connect = config),
    },
    '1.2.3',
    (message) => {
      throw new UsageError(message);
    },
  );
  await parser.parseAsync();
  return got;
}

describe('tcpchat serve options', () => {
  it('defaults to console mode on port 2023 on every interface', async () => {
    const { serve } = await parse('serve');
    expect(serve).toMatchObject({ host: undefined, port: 2023, relay: false, name: 'server', json: false, framing: 'line' });
    expect(serve?.limits.maxLineBytes).toBe(8192);
  });

  it('takes host, port, relay, name, json, framing and max-line', async () => {
    const { serve } = await parse('serve', '--host', '::1', '-p', '0', '--relay', '--name', 'hub', '--json', '--framing', 'raw', '--max-line', '100');
    expect(serve).toMatchObject({ host: '::1', port: 0, relay: true, name: 'hub', json: true, framing: 'raw' });
    expect(serve?.limits.maxLineBytes).toBe(100);
  });

  it('gives the password 10 s and shutdown 5 s unless told otherwise, in whole seconds', async () => {
    expect((await parse('serve')).serve).toMatchObject({ passwordTimeoutMs: 10_000, shutdownDeadlineMs: 5000 });
    const { serve } = await parse('serve', '--password-timeout', '1', '--shutdown-deadline', '0');
    expect(serve).toMatchObject({ passwordTimeoutMs: 1000, shutdownDeadlineMs: 0 });
  });

  it.each([
    [['serve', '--port', '70000'], /port/],
    [['serve', '--password-timeout', '0'], /--password-timeout must be a whole number, at least 1/],
    [['serve', '--shutdown-deadline', '1.5'], /--shutdown-deadline must be a whole number, at least 0/],
    [['serve', '--framing', 'json'], /framing/i],
    [['serve', '--name', 'two words'], /--name/],
    [['serve', '--max-line', '0'], /--max-line/],
    [['serve', '--bogus'], /bogus/i],
    [['talk'], /talk/i],
    [[], /tcpchat serve, or tcpchat connect/],
  ])('refuses %j with one sentence', async (args, message) => {
    await expect(parse(...args)).rejects.toThrow(message);
  });
});

describe('--heartbeat (serve and connect)', () => {
  it('is 30 s by default, in seconds, and 0 turns it off', async () => {
    expect((await parse('serve')).serve?.heartbeatMs).toBe(30_000);
    expect((await parse('connect')).connect?.heartbeatMs).toBe(30_000);
    expect((await parse('serve', '--heartbeat', '0')).serve?.heartbeatMs).toBe(0);
    expect((await parse('connect', '--heartbeat', '1.5')).connect?.heartbeatMs).toBe(1500);
  });

  it('refuses a negative number with one sentence', async () => {
    await expect(parse('connect', '--heartbeat', '-1')).rejects.toThrow(/--heartbeat must be a number of seconds, 0 or more/);
  });
});

describe('tcpchat connect options', () => {
  it('goes to 127.0.0.1:2023 by default', async () => {
    const { connect } = await parse('connect');
    expect(connect).toMatchObject({ host: '127.0.0.1', port: 2023, json: false, framing: 'line' });
    expect(connect?.nick).toBeUndefined();
  });

  it('reads HOST:PORT, [IPV6]:PORT and --port', async () => {
    expect((await parse('connect', 'example.org:4000')).connect).toMatchObject({ host: 'example.org', port: 4000 });
    expect((await parse('connect', '[::1]:4001')).connect).toMatchObject({ host: '::1', port: 4001 });
    expect((await parse('connect', '::1', '--port', '4002')).connect).toMatchObject({ host: '::1', port: 4002 });
  });

  it('takes --nick, --json, --framing raw and accepts --no-retry', async () => {
    const { connect } = await parse('connect', '-n', 'ada', '--json', '--framing', 'raw', '--no-retry');
    expect(connect).toMatchObject({ nick: 'ada', json: true, framing: 'raw' });
  });

  it.each([
    [['connect', 'host:1', '--port', '2'], /two ports/],
    [['connect', 'host:99999'], /port/],
    [['connect', '--nick', 'a b'], /--nick/],
    [['connect', 'a', 'b'], /argument/i],
  ])('refuses %j with one sentence', async (args, message) => {
    await expect(parse(...args)).rejects.toThrow(message);
  });
});

describe('tcpchat serve TLS and access options', () => {
  it('has neither TLS nor access rules by default', async () => {
    const { serve } = await parse('serve');
    expect(serve?.tls).toBeUndefined();
    expect(serve?.access).toEqual({ allow: [], deny: [] });
  });

  it('takes --tls-cert and --tls-key as files, with the 10 s handshake limit', async () => {
    const { serve } = await parse('serve', '--tls-cert', 'server.crt', '--tls-key', 'server.key');
    expect(serve?.tls).toEqual({ certFile: 'server.crt', keyFile: 'server.key', handshakeTimeoutMs: 10_000 });
  });

  it('collects repeated (and comma-separated) --allow and --deny, IPv4 and IPv6', async () => {
    const { serve } = await parse('serve', '--allow', '10.0.0.0/8', '--allow', '::1,fd00::/8', '--deny', '10.1.0.0/16');
    expect(serve?.access).toEqual({ allow: ['10.0.0.0/8', '::1', 'fd00::/8'], deny: ['10.1.0.0/16'] });
  });

  it.each([
    [['serve', '--tls-cert', 'server.crt'], /^--tls-cert and --tls-key go together/],
    [['serve', '--tls-key', 'server.key'], /^--tls-cert and --tls-key go together/],
    [['serve', '--allow', '10.0.0.0/33'], /^--allow 10\.0\.0\.0\/33 is not an address or a CIDR block/],
    [['serve', '--deny', 'example.org'], /^--deny example\.org is not an address or a CIDR block/],
    [['serve', '--deny', '10.0.0.1,'], /^--deny "" is not an address/],
  ])('refuses %j with one sentence', async (args, message) => {
    await expect(parse(...args)).rejects.toThrow(message);
  });
});

describe('tcpchat connect TLS options', () => {
  it('speaks plain TCP unless --tls is given', async () => {
    expect((await parse('connect')).connect?.tls).toBeUndefined();
  });

  it('takes --tls alone (CAs, then pinning), with --ca FILE, or with --insecure', async () => {
    expect((await parse('connect', '--tls')).connect?.tls).toEqual({ caFile: undefined, insecure: false });
    expect((await parse('connect', '--tls', '--ca', 'ca.pem')).connect?.tls).toEqual({ caFile: 'ca.pem', insecure: false });
    expect((await parse('connect', '--tls', '--insecure')).connect?.tls).toEqual({ caFile: undefined, insecure: true });
  });

  it.each([
    [['connect', '--ca', 'ca.pem'], /^--ca needs --tls$/],
    [['connect', '--insecure'], /^--insecure needs --tls$/],
    [['connect', '--tls', '--ca', 'ca.pem', '--insecure'], /^--ca and --insecure contradict each other/],
  ])('refuses %j with one sentence', async (args, message) => {
    await expect(parse(...args)).rejects.toThrow(message);
  });
});

describe('tcpchat serve cluster options', () => {
  it('is a lone server unless --cluster is given', async () => {
    expect((await parse('serve')).serve?.cluster).toBeUndefined();
  });

  it('takes a redis:// or rediss:// URL, a cluster name, a node name and a presence TTL in seconds', async () => {
    const { serve } = await parse('serve', '--cluster', 'rediss://:pw@10.0.0.5:6380', '--cluster-name', 'team', '--node', 'east', '--presence-ttl', '5');
    expect(serve?.cluster).toEqual({ url: 'rediss://:pw@10.0.0.5:6380', name: 'team', node: 'east', presenceTtlMs: 5000 });
  });

  it('names the cluster main and the node HOSTNAME:PORT, with a 15 s TTL, by default', async () => {
    const { serve } = await parse('serve', '--port', '4000', '--cluster', 'redis://127.0.0.1:6379');
    expect(serve?.cluster).toMatchObject({ name: 'main', presenceTtlMs: 15_000 });
    expect(serve?.cluster?.node).toMatch(/^.+:4000$/);
  });

  it.each([
    [['--cluster', 'localhost:6379'], /--cluster: localhost:6379 is not a redis:\/\/ or rediss:\/\/ URL/],
    [['--cluster', 'not a url'], /--cluster: not a url is not a URL/],
    [['--cluster', 'redis://'], /names no host/],
    [['--cluster', 'redis://h:1', '--presence-ttl', '0'], /--presence-ttl must be at least 1 second/],
    [['--cluster', 'redis://h:1', '--cluster-name', 'a{b}'], /--cluster-name must be a word/],
  ])('refuses %j in one sentence', async (args, message) => {
    await expect(parse('serve', ...args)).rejects.toThrow(message);
  });
});
