import { describe, expect, it } from '@jest/globals';
import { parse, withEnv } from './helpers/parse.js';

describe('tcpchat serve options', () => {
  it('defaults to a room, #lobby, on port 2023 on every interface', async () => {
    const { serve } = await parse('serve');
    expect(serve).toMatchObject({
      host: undefined,
      port: 2023,
      mode: 'room',
      firstRoom: '#lobby',
      name: 'server',
      json: false,
      framing: 'line',
    });
    expect(serve?.limits.maxLineBytes).toBe(8192);
  });

  it('takes --operator, repeated', async () => {
    expect((await parse('serve')).serve?.operators).toEqual([]);
    expect((await parse('serve', '--operator', 'ada', '--operator', 'ｂob')).serve?.operators).toEqual(['ada', 'bob']);
    expect((await withEnv({ TCPCHAT_OPERATOR: 'cy' }, () => parse('serve'))).serve?.operators).toEqual(['cy']);
  });

  it('takes host, port, console-only, name, json, framing and max-line', async () => {
    const { serve } = await parse(
      'serve',
      '--host',
      '::1',
      '-p',
      '0',
      '--console-only',
      '--name',
      'hub',
      '--json',
      '--framing',
      'raw',
      '--max-line',
      '100',
    );
    expect(serve).toMatchObject({
      host: '::1',
      port: 0,
      mode: 'console-only',
      firstRoom: '#lobby',
      name: 'hub',
      json: true,
      framing: 'raw',
    });
    expect(serve?.limits.maxLineBytes).toBe(100);
  });

  it('still takes --relay, which is the default room now', async () => {
    expect((await parse('serve', '--relay')).serve).toMatchObject({ mode: 'room', firstRoom: '#lobby' });
    expect((await parse('serve', '--relay', '--room', 'ops_2.b-c')).serve?.firstRoom).toBe('#ops_2.b-c');
    expect((await parse('serve', '--room', '#Dev')).serve?.firstRoom).toBe('#dev');
  });

  it('gives the password 10 s and shutdown 5 s unless told otherwise, idle clients forever', async () => {
    expect((await parse('serve')).serve).toMatchObject({ passwordTimeoutMs: 10_000, shutdownDeadlineMs: 5000, idleTimeoutMs: 0 });
  });

  it('takes every duration with a unit, or bare as seconds', async () => {
    const { serve } = await parse('serve', '--password-timeout', '1', '--shutdown-deadline', '1.5', '--idle-timeout', '5m');
    expect(serve).toMatchObject({ passwordTimeoutMs: 1000, shutdownDeadlineMs: 1500, idleTimeoutMs: 300_000 });
    const units = await parse('serve', '--password-timeout', '2h', '--shutdown-deadline', '500ms', '--idle-timeout', '1h30m');
    expect(units.serve).toMatchObject({ passwordTimeoutMs: 7_200_000, shutdownDeadlineMs: 500, idleTimeoutMs: 5_400_000 });
  });

  it('takes the last of an option given twice', async () => {
    expect((await parse('serve', '--port', '1', '--port', '2', '--idle-timeout', '1s', '--idle-timeout', '2s')).serve).toMatchObject({
      port: 2,
      idleTimeoutMs: 2000,
    });
  });

  it('takes counts and sizes as plain decimal digits', async () => {
    const { serve } = await parse(
      'serve',
      '--rate',
      '0',
      '--burst',
      '5',
      '--max-clients',
      '7',
      '--max-per-address',
      '3',
      '--send-queue',
      '2048',
      '--history',
      '0',
      '--announce-max',
      '4',
    );
    expect(serve).toMatchObject({ rate: { linesPerSecond: 0, burst: 5 }, sendQueueBytes: 2048, historySize: 0, announceMax: 4 });
    expect(serve?.admission).toMatchObject({ maxClients: 7, maxPerAddress: 3, limitLoopback: true });
  });

  it.each([
    [['serve', '--port', '70000'], /^--port must be a whole number from 0 to 65535, not "70000"$/],
    [['serve', '--port', ''], /^--port must be a whole number from 0 to 65535, not ""$/],
    [['serve', '--port'], /^--port needs a value$/],
    [['serve', '--idle-timeout', '--json'], /^--idle-timeout needs a value$/],
    // A bare option that names a thing is never quietly the default: the room, the name, the host...
    [['serve', '--room', '--json'], /^--room needs a value$/],
    [['serve', '--name'], /^--name needs a value$/],
    [['serve', '--host', '--port', '0'], /^--host needs a value$/],
    [['serve', '--allow'], /^--allow needs a value$/],
    [['serve', '--config'], /^--config needs a value$/],
    [['connect', '--nick'], /^--nick needs a value$/],
    [['serve', '--port', '0x50'], /^--port must be .*, not "0x50"$/],
    [['serve', '--port', '1e3'], /^--port must be .*, not "1e3"$/],
    [['serve', '--port', '+80'], /^--port must be .*, not "\+80"$/],
    [['serve', '-p', '-1'], /^--port must be .*, not "-1"$/],
    [['serve', '--port', ' 80'], /^--port must be .*, not " 80"$/],
    [['serve', '--password-timeout', '0'], /^--password-timeout must be at least 1s, not "0"$/],
    [['serve', '--presence-ttl', '999ms'], /^--presence-ttl must be at least 1s, not "999ms"$/],
    [
      ['serve', '--shutdown-deadline', '-1'],
      /^--shutdown-deadline takes a duration such as 30s, 5m, 2h or 500ms \(a bare number is seconds\), not "-1"$/,
    ],
    [['serve', '--idle-timeout', '5 minutes'], /^--idle-timeout takes a duration .*, not "5 minutes"$/],
    [['serve', '--idle-timeout', '25d'], /^--idle-timeout must be at most 24 days, not "25d"$/],
    [['serve', '--rate', ''], /^--rate must be a whole number at least 0, not ""$/],
    [['serve', '--burst', '0x10'], /^--burst must be a whole number at least 1, not "0x10"$/],
    [['serve', '--send-queue', '1000'], /^--send-queue must be a whole number at least 1024, not "1000"$/],
    [['serve', '--framing', 'weird'], /^--framing must be one of "line", "raw", not "weird"$/],
    [['serve', '--name', 'two words'], /--name/],
    [['serve', '--max-line', '0'], /^--max-line must be a whole number from 1 to 65536, not "0"$/],
    [['serve', '--bogus'], /^Unknown argument: bogus$/],
    [['serve', '--relay', '--console-only'], /^--relay and --console-only cannot go together: --relay is the room, the default$/],
    [['serve', '--console-only', '--room', 'dev'], /^--room and --console-only cannot go together: a console-only server has no rooms$/],
    [['serve', '--room', 'x!'], /^--room "x!": a room is # and up to 31 letters, digits, _ - or \.$/],
    [['serve', '--room', '#'], /^--room "#": a room is/],
    [['serve', '--room', 'a'.repeat(32)], /^--room "a{32}": a room is/],
    [['serve', '--operator', 'two words'], /^--operator "two words": a nick is letters, digits and _ - \. \[ \] only$/],
    [['serve', '--operator', 'guest-4'], /^--operator "guest-4": a guest nick is nobody’s to register$/],
    [['talk'], /^talk is not a command; the commands are serve, connect and completion$/],
    [['serv'], /^serv is not a command; did you mean serve\?$/],
    [['conect', 'host'], /^conect is not a command; did you mean connect\?$/],
    [[], /tcpchat serve, or tcpchat connect/],
  ])('refuses %j with one sentence, exit 2', async (args, message) => {
    const failure = parse(...args);
    await expect(failure).rejects.toThrow(message);
    await expect(failure).rejects.toMatchObject({ code: 2 });
  });
});

describe('--color (serve and connect)', () => {
  it('is on by default; --no-color, --color=false and TCPCHAT_COLOR=0 turn it off', async () => {
    expect((await parse('serve')).serve?.colour).toBe(true);
    expect((await parse('connect')).connect?.colour).toBe(true);
    expect((await parse('connect', '--no-color')).connect?.colour).toBe(false);
    expect((await parse('serve', '--no-color')).serve?.colour).toBe(false);
    expect((await parse('connect', '--color=false')).connect?.colour).toBe(false);
    expect((await withEnv({ TCPCHAT_COLOR: '0' }, () => parse('connect'))).connect?.colour).toBe(false);
  });
});

describe('--heartbeat (serve and connect)', () => {
  it('is 30 s by default, a duration (a bare number is seconds), and 0 turns it off', async () => {
    expect((await parse('serve')).serve?.heartbeatMs).toBe(30_000);
    expect((await parse('connect')).connect?.heartbeatMs).toBe(30_000);
    expect((await parse('serve', '--heartbeat', '0')).serve?.heartbeatMs).toBe(0);
    expect((await parse('connect', '--heartbeat', '1.5')).connect?.heartbeatMs).toBe(1500);
    expect((await parse('serve', '--heartbeat', '2m')).serve?.heartbeatMs).toBe(120_000);
  });

  it('refuses a negative number with one sentence', async () => {
    await expect(parse('connect', '--heartbeat', '-1')).rejects.toThrow(
      '--heartbeat takes a duration such as 30s, 5m, 2h or 500ms (a bare number is seconds), not "-1"',
    );
  });
});

describe('tcpchat connect options', () => {
  it('goes to 127.0.0.1:2023 by default', async () => {
    const { connect } = await parse('connect');
    expect(connect).toMatchObject({ host: '127.0.0.1', port: 2023, json: false, framing: 'line' });
    expect(connect?.nick).toBeUndefined();
    expect(connect?.limits.maxLineBytes).toBe(16384); // a server's 8 KiB line, with what it adds around it
  });

  it('reads HOST:PORT, [IPV6]:PORT and --port', async () => {
    expect((await parse('connect', 'example.org:4000')).connect).toMatchObject({ host: 'example.org', port: 4000 });
    expect((await parse('connect', '[::1]:4001')).connect).toMatchObject({ host: '::1', port: 4001 });
    expect((await parse('connect', '::1', '--port', '4002')).connect).toMatchObject({ host: '::1', port: 4002 });
  });

  it('waits 0.5 s before the first reconnect, doubling up to 30 s, unless told otherwise with units', async () => {
    expect((await parse('connect')).connect?.backoff).toEqual({ initialMs: 500, maxMs: 30_000, factor: 2 });
    expect((await parse('connect', '--retry-delay', '2s', '--retry-max-delay', '1m')).connect?.backoff).toEqual({
      initialMs: 2000,
      maxMs: 60_000,
      factor: 2,
    });
    expect((await parse('connect', '--retry-delay', '10ms', '--retry-max-delay', '10ms')).connect?.backoff).toMatchObject({
      initialMs: 10,
      maxMs: 10,
    });
  });

  it('takes --nick, --json, --framing raw and accepts --no-retry', async () => {
    const { connect } = await parse('connect', '-n', 'ada', '--json', '--framing', 'raw', '--no-retry');
    expect(connect).toMatchObject({ nick: 'ada', json: true, framing: 'raw' });
  });

  it.each([
    [['connect', 'host:1', '--port', '2'], /two ports/],
    [['connect', 'host:1', '-p2'], /two ports/],
    [['connect', 'host:99999'], /^a port must be a whole number from 0 to 65535, not "99999"$/],
    [['connect', 'host:0x50'], /^a port must be .*, not "0x50"$/],
    [['connect', '1.2.3.4:5:6'], /^1\.2\.3\.4:5:6 is not HOST:PORT or \[IPV6\]:PORT$/],
    [['connect', '--framing', 'weird'], /^--framing must be one of "line", "raw", not "weird"$/],
    [['connect', '--nick', 'a b'], /--nick/],
    [['connect', '--retry-delay', '10s', '--retry-max-delay', '5s'], /^--retry-max-delay \(5s\) must be at least --retry-delay \(10s\)$/],
    [['connect', '--retry-delay', 'later'], /^--retry-delay takes a duration/],
    [['connect', '--retry-delay', '0'], /^--retry-delay must be at least 10ms, not "0"$/],
    [['connect', 'a', 'b'], /argument/i],
  ])('refuses %j with one sentence', async (args, message) => {
    await expect(parse(...args)).rejects.toThrow(message);
  });
});

describe('connect --retry', () => {
  it('is 10 by default, plain decimal digits, "forever", or 0 with --no-retry (flag, TCPCHAT_RETRY or config key)', async () => {
    expect((await parse('connect')).connect?.retries).toBe(10);
    expect((await parse('connect', '--retry', '3')).connect?.retries).toBe(3);
    expect((await parse('connect', '--retry', 'forever')).connect?.retries).toBe(Number.POSITIVE_INFINITY);
    expect((await parse('connect', '--no-retry')).connect?.retries).toBe(0);
    expect((await withEnv({ TCPCHAT_RETRY: '4' }, () => parse('connect'))).connect?.retries).toBe(4);
    expect((await withEnv({ TCPCHAT_RETRY: '4' }, () => parse('connect', '--retry', '5'))).connect?.retries).toBe(5);
  });

  it.each(['0x3', '1e3', ' 3', '', '-1', '2.5', 'always'])('refuses %j as a flag and as TCPCHAT_RETRY with one sentence', async (value) => {
    const sentence = `--retry must be a whole number or "forever", not ${JSON.stringify(value)}`;
    await expect(parse('connect', '--retry', value)).rejects.toThrow(sentence);
    await expect(withEnv({ TCPCHAT_RETRY: value }, () => parse('connect'))).rejects.toThrow(sentence);
  });

  it('refuses --no-retry with --retry N, either way round', async () => {
    await expect(parse('connect', '--no-retry', '--retry', '3')).rejects.toThrow(/^--no-retry and --retry cannot go together$/);
    await expect(parse('connect', '--retry', '3', '--no-retry')).rejects.toThrow(/^--no-retry and --retry cannot go together$/);
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

  it('takes a client certificate as --cert FILE --key FILE', async () => {
    expect((await parse('connect', '--tls', '--cert', 'me.pem', '--key', 'me.key')).connect?.tls).toEqual({
      caFile: undefined,
      insecure: false,
      certFiles: { certFile: 'me.pem', keyFile: 'me.key' },
    });
  });

  it.each([
    [['connect', '--ca', 'ca.pem'], /^--ca needs --tls$/],
    [['connect', '--insecure'], /^--insecure needs --tls$/],
    [['connect', '--cert', 'me.pem', '--key', 'me.key'], /^--cert needs --tls$/],
    [['connect', '--tls', '--cert', 'me.pem'], /^--cert and --key go together/],
    [['connect', '--tls', '--key', 'me.key'], /^--cert and --key go together/],
    [['connect', '--tls', '--ca', 'ca.pem', '--insecure'], /^--ca and --insecure contradict each other/],
  ])('refuses %j with one sentence', async (args, message) => {
    await expect(parse(...args)).rejects.toThrow(message);
  });
});

describe('tcpchat serve cluster options', () => {
  it('is a lone server unless --cluster is given', async () => {
    expect((await parse('serve')).serve?.cluster).toBeUndefined();
  });

  it('takes a redis:// or rediss:// URL, a cluster name, a node name and a presence TTL in seconds or with a unit', async () => {
    const { serve } = await parse(
      'serve',
      '--cluster',
      'rediss://:pw@10.0.0.5:6380',
      '--cluster-name',
      'team',
      '--node',
      'east',
      '--presence-ttl',
      '5',
    );
    expect(serve?.cluster).toEqual({ url: 'rediss://:pw@10.0.0.5:6380', name: 'team', node: 'east', presenceTtlMs: 5000 });
    expect((await parse('serve', '--cluster', 'redis://h:1', '--presence-ttl', '1500ms')).serve?.cluster?.presenceTtlMs).toBe(1500);
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
    [['--cluster', 'redis://h:1', '--presence-ttl', '0'], /--presence-ttl must be at least 1s/],
    [['--cluster', 'redis://h:1', '--cluster-name', 'a{b}'], /--cluster-name must be a word/],
  ])('refuses %j in one sentence', async (args, message) => {
    await expect(parse('serve', ...args)).rejects.toThrow(message);
  });
});
