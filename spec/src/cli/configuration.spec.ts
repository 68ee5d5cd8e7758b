import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, withEnv } from './helpers/parse.js';

const dir = mkdtempSync(join(tmpdir(), 'tcpchat-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** A file in a fresh temporary folder, holding `text` (or `options` as JSON). */
function file(content: string | object): string {
  const path = join(dir, `file-${++files}`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('where options come from: flag > TCPCHAT_* > --config FILE > default', () => {
  it.each([
    ['the default alone', [], {}, undefined, 2023],
    ['the file over the default', [], {}, 3000, 3000],
    ['the environment over the file', [], { TCPCHAT_PORT: '4000' }, 3000, 4000],
    ['the environment over the default', [], { TCPCHAT_PORT: '4000' }, undefined, 4000],
    ['a flag over the environment and the file', ['--port', '5000'], { TCPCHAT_PORT: '4000' }, 3000, 5000],
    ['a short flag over the environment', ['-p', '5001'], { TCPCHAT_PORT: '4000' }, undefined, 5001],
    ['a flag over the file', ['--port=5002'], {}, 3000, 5002],
  ])('port from %s', async (_, flags, env, filePort, port) => {
    const config = filePort === undefined ? [] : ['--config', file({ port: filePort })];
    const { serve } = await withEnv(env, () => parse('serve', ...flags, ...config));
    expect(serve?.port).toBe(port);
  });

  it('holds for every kind of option: durations, counts, booleans, names and lists', async () => {
    const config = file({
      'idle-timeout': '5m',
      'max-line': 100,
      'console-only': true,
      name: 'hub',
      allow: ['10.0.0.0/8', '::1'],
      'presence-ttl': 20,
      cluster: 'redis://h:1',
    });
    const fromFile = (await parse('serve', '--config', config)).serve;
    expect(fromFile).toMatchObject({
      idleTimeoutMs: 300_000,
      mode: 'console-only',
      firstRoom: '#lobby',
      name: 'hub',
      access: { allow: ['10.0.0.0/8', '::1'], deny: [] },
    });
    expect(fromFile?.limits.maxLineBytes).toBe(100);
    expect(fromFile?.cluster?.presenceTtlMs).toBe(20_000);

    const env = {
      TCPCHAT_IDLE_TIMEOUT: '30s',
      TCPCHAT_MAX_LINE: '200',
      TCPCHAT_CONSOLE_ONLY: 'false',
      TCPCHAT_ROOM: '#ops',
      TCPCHAT_ALLOW: '192.168.0.0/16,fd00::/8',
      TCPCHAT_PRESENCE_TTL: '2s',
    };
    const fromEnv = (await withEnv(env, () => parse('serve', '--config', config))).serve;
    expect(fromEnv).toMatchObject({
      idleTimeoutMs: 30_000,
      mode: 'room',
      firstRoom: '#ops',
      name: 'hub',
      access: { allow: ['192.168.0.0/16', 'fd00::/8'] },
    });
    expect(fromEnv?.limits.maxLineBytes).toBe(200);
    expect(fromEnv?.cluster?.presenceTtlMs).toBe(2000);

    const flags = [
      '--idle-timeout',
      '500ms',
      '--max-line',
      '300',
      '--room',
      'lab',
      '--name',
      'desk',
      '--allow',
      '127.0.0.1',
      '--presence-ttl',
      '1m',
    ];
    const fromFlags = (await withEnv(env, () => parse('serve', '--config', config, ...flags))).serve;
    expect(fromFlags).toMatchObject({
      idleTimeoutMs: 500,
      mode: 'room',
      firstRoom: '#lab',
      name: 'desk',
      access: { allow: ['127.0.0.1'] },
    });
    expect(fromFlags?.limits.maxLineBytes).toBe(300);
    expect(fromFlags?.cluster?.presenceTtlMs).toBe(60_000);
  });

  it('reads the config file named by TCPCHAT_CONFIG, and camelCase keys too', async () => {
    const config = file({ port: 3100, maxLine: 99, nick: 'ada' });
    const { connect } = await withEnv({ TCPCHAT_CONFIG: config }, () => parse('connect'));
    expect(connect).toMatchObject({ port: 3100, nick: 'ada' });
    expect(connect?.limits.maxLineBytes).toBe(99);
  });

  it("lets connect's target port win over --port from the environment or a file, not over a typed --port", async () => {
    expect((await withEnv({ TCPCHAT_PORT: '3000' }, () => parse('connect', 'host:4000'))).connect?.port).toBe(4000);
    expect((await parse('connect', 'host:4000', '--config', file({ port: 3000 }))).connect?.port).toBe(4000);
    expect((await withEnv({ TCPCHAT_PORT: '3000' }, () => parse('connect', 'host'))).connect?.port).toBe(3000);
    await expect(withEnv({ TCPCHAT_PORT: '3000' }, () => parse('connect', 'host:4000', '--port', '5000'))).rejects.toThrow(
      'two ports given: 4000 in the target and --port 5000',
    );
  });

  it('checks connect\'s "retry" key as it checks --retry', async () => {
    expect((await parse('connect', '--config', file({ retry: 'forever' }))).connect?.retries).toBe(Number.POSITIVE_INFINITY);
    expect((await parse('connect', '--config', file({ retry: 2 }))).connect?.retries).toBe(2);
    await expect(parse('connect', '--config', file({ retry: '0x3' }))).rejects.toThrow(
      '--retry must be a whole number or "forever", not "0x3"',
    );
    await expect(parse('connect', '--config', file({ retry: '' }))).rejects.toThrow('--retry must be a whole number or "forever", not ""');
  });

  it('checks values from the environment and the file as it checks flags', async () => {
    await expect(withEnv({ TCPCHAT_PORT: '0x50' }, () => parse('serve'))).rejects.toThrow(
      '--port must be a whole number from 0 to 65535, not "0x50"',
    );
    await expect(withEnv({ TCPCHAT_PORT: '' }, () => parse('serve'))).rejects.toThrow('not ""');
    await expect(parse('serve', '--config', file({ 'idle-timeout': 'soon' }))).rejects.toThrow('--idle-timeout takes a duration');
    await expect(parse('serve', '--config', file({ port: 1.5 }))).rejects.toThrow('--port must be a whole number from 0 to 65535, not 1.5');
  });

  it('leaves TCPCHAT_* variables that name no option alone: TCPCHAT_PASSWORD is the password, TCPCHAT_TEST_REDIS is not refused', async () => {
    const env = { TCPCHAT_PASSWORD: 'sesame', TCPCHAT_TEST_REDIS: 'redis://127.0.0.1:6399' };
    expect((await withEnv(env, () => parse('serve'))).serve?.password).toBe('sesame');
    expect((await withEnv(env, () => parse('connect'))).connect?.password).toBe('sesame');
  });

  it('leaves a variable named TCPCHAT alone (a script keeping the path to the program there)', async () => {
    const env = { TCPCHAT: './node_modules/.bin/tcpchat' };
    expect((await withEnv(env, () => parse('serve', '--port', '2023'))).serve?.port).toBe(2023);
    expect((await withEnv(env, () => parse('connect', '127.0.0.1:2023'))).connect?.port).toBe(2023);
  });

  it.each([
    ['1', true],
    ['yes', true],
    ['ON', true],
    ['true', true],
    ['0', false],
    ['no', false],
    ['off', false],
    ['false', false],
    ['', false],
  ])('reads TCPCHAT_CONSOLE_ONLY=%j as %p, over the file', async (value, consoleOnly) => {
    const config = file({ 'console-only': !consoleOnly });
    const mode = (await withEnv({ TCPCHAT_CONSOLE_ONLY: value }, () => parse('serve', '--config', config))).serve?.mode;
    expect(mode).toBe(consoleOnly ? 'console-only' : 'room');
  });

  it('reads boolean variables of both commands and lets a typed flag win over them', async () => {
    const env = { TCPCHAT_QUIET: '1', TCPCHAT_JSON: 'yes', TCPCHAT_TIMESTAMPS: 'on', TCPCHAT_TLS: '1', TCPCHAT_INSECURE: '1' };
    expect((await withEnv(env, () => parse('serve'))).serve).toMatchObject({ quiet: true, json: true });
    expect((await withEnv(env, () => parse('serve', '--no-quiet', '--json=false'))).serve).toMatchObject({ quiet: false, json: false });
    expect((await withEnv(env, () => parse('connect'))).connect).toMatchObject({ json: true, timestamps: true, tls: { insecure: true } });
  });

  it('refuses a boolean variable it cannot read, naming it, unless a typed flag makes it moot', async () => {
    const failure = withEnv({ TCPCHAT_CONSOLE_ONLY: 'maybe' }, () => parse('serve'));
    await expect(failure).rejects.toThrow('TCPCHAT_CONSOLE_ONLY must be true or false (or 1, 0, yes, no, on, off), not "maybe"');
    await expect(failure).rejects.toMatchObject({ code: 2 });
    expect((await withEnv({ TCPCHAT_CONSOLE_ONLY: 'maybe' }, () => parse('serve', '--console-only'))).serve?.mode).toBe('console-only');
  });

  it('still refuses such names typed as flags', async () => {
    await expect(withEnv({ TCPCHAT_TEST_REDIS: 'x' }, () => parse('serve', '--test-redis', 'y'))).rejects.toThrow(/Unknown argument/);
    await expect(parse('serve', '--password', 'sesame')).rejects.toMatchObject({ message: 'Unknown argument: password', code: 2 });
  });
});

describe('files that options name', () => {
  it('reads the password from the first line of --password-file, over TCPCHAT_PASSWORD', async () => {
    const secret = file('open sesame\nignored\n');
    expect((await withEnv({ TCPCHAT_PASSWORD: 'env' }, () => parse('serve', '--password-file', secret))).serve?.password).toBe(
      'open sesame',
    );
  });

  it.each([
    [['serve', '--config', join(dir, 'missing.json')], /^cannot read --config .*missing\.json \(ENOENT\)$/],
    [['connect', '--config', dir], /^cannot read --config .* \(EISDIR\)$/],
    [['serve', '--config', file('{"port": 3000')], /^--config .* is not JSON \(.+\)$/],
    [['serve', '--config', file('notjson\n')], /^--config .* is not JSON \([^\n]+\)$/],
    [['serve', '--config', file('[3000]')], /^--config .* must hold one JSON object of options, like \{"port": 3000\}$/],
    [['serve', '--config', file('null')], /must hold one JSON object/],
    [['serve', '--password-file', join(dir, 'missing')], /^cannot read --password-file .*missing \(ENOENT\)$/],
    [['connect', '--password-file', file('')], /^--password-file .* is empty$/],
  ])('%j cannot be used: one sentence, exit 1 as for a missing --tls-cert', async (args, message) => {
    const failure = parse(...args);
    await expect(failure).rejects.toThrow(message);
    await expect(failure).rejects.toMatchObject({ code: 1 });
  });

  it('names the config file for a key in it that is no option of the command, exit 2', async () => {
    const config = file({ port: 3000, relay: true });
    const failure = parse('connect', '--config', config);
    await expect(failure).rejects.toThrow(`--config ${config}: relay is not an option of tcpchat connect`);
    await expect(failure).rejects.toMatchObject({ code: 2 });
  });
});
