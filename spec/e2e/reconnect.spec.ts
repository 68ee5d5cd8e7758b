import { afterEach, describe, expect, it } from '@jest/globals';
import { joined } from './helpers/client.js';
import { cleanUp } from './helpers/leftovers.js';
import { closeProxies, Proxy } from './helpers/proxy.js';
import { chatter, mark, saidBy } from './helpers/chatter.js';
import { tcpchat, waitForExit, type Running } from './helpers/processes.js';
import { startServer, type Server } from './helpers/server.js';

afterEach(async () => {
  await closeProxies();
  await cleanUp();
});

/** `tcpchat serve --relay` on this exact port (a restart on the port an earlier run had). */
async function serveOn(port: number): Promise<Server> {
  const running = tcpchat(['serve', '--relay', '--host', '127.0.0.1', '--port', String(port), '--no-timestamps'], {
    name: 'restarted server',
  });
  await running.stderr.waitFor(`tcpchat: listening on 127.0.0.1:${port}`);
  return { ...running, host: '127.0.0.1', port };
}

async function stop(server: Running): Promise<void> {
  server.child.kill('SIGTERM');
  expect((await waitForExit(server)).code).toBe(0);
}

describe('tcpchat connect through a server restart', () => {
  it('loses and repeats nothing: lines typed before, while down and after arrive once, in order; the nick is reclaimed', async () => {
    const first = await startServer(['--relay']);
    const { port } = first;
    // bob comes back through a proxy that holds him until ada is back and has resent her outbox.
    const slow = await Proxy.start(port);
    const ada = await chatter(port, 'ada');
    const bob = await chatter(slow.port, 'bob');

    ada.write('before 1\nbefore 2\n');
    await bob.stdout.waitFor('<ada> before 2');

    await stop(first);
    slow.hold();
    await Promise.all([
      ada.stderr.waitFor(/^tcpchat: the server closed the connection; reconnecting in \d+\.\d s$/),
      bob.stderr.waitFor(/reconnecting in/),
    ]);
    const [adaFrom, bobFrom] = [mark(ada.stdout), mark(bob.stdout)];
    ada.write('during 1\nduring 2\n'); // nobody to send them to: they wait in the outbox

    const second = await serveOn(port);
    await ada.stderr.waitFor(`tcpchat: reconnected to 127.0.0.1:${port}`);
    await second.stdout.waitFor('<ada> during 2');
    slow.release(port);
    await bob.stderr.waitFor(`tcpchat: reconnected to 127.0.0.1:${slow.port}`);
    // The nicks are taken again on the new server run (after /cap, so both are tagged again).
    await Promise.all([
      ada.stdout.waitFor('* you are now ada', undefined, adaFrom),
      bob.stdout.waitFor('* you are now bob', undefined, bobFrom),
    ]);

    ada.write('after 1\nafter 2\n');
    await Promise.all([bob.stdout.waitFor('<ada> after 2'), second.stdout.waitFor('<ada> after 2')]);

    const all = ['before 1', 'before 2', 'during 1', 'during 2', 'after 1', 'after 2'].map((text) => `<ada> ${text}`);
    expect(saidBy(bob.stdout, 'ada')).toEqual(all);
    // bob arrived after ada, and was shown how she came in (the room's last lines, on his welcome).
    // He was away when ada came back and resent what she typed while the server was down: that was replayed to him, once.
    expect(bob.stdout.all.filter((line) => line.startsWith('(earlier) '))).toEqual([
      '(earlier) * guest-1 joined',
      '(earlier) * guest-1 is now ada',
      '(earlier) * guest-1 joined',
      '(earlier) * guest-1 is now ada',
      '(earlier) <ada> during 1',
      '(earlier) <ada> during 2',
    ]);
    expect(ada.stdout.all.filter((line) => line.includes('<ada>'))).toEqual([]); // never her own lines back
    expect(saidBy(second.stdout, 'ada')).toEqual(all.slice(2)); // the server run took each once
    expect(ada.stdout.all.slice(adaFrom)).toContain(
      '* the server has restarted since; what was said before is gone, and a line sent as it went down may show twice',
    );

    // A newcomer asks for what the new run heard.
    const late = await chatter(port, 'late');
    late.write('/history\n');
    await late.stdout.waitFor('(earlier) <ada> after 2');
    expect(saidBy(late.stdout, 'ada')).toEqual(all.slice(2));

    const stderr = ada.stderr.all;
    expect(stderr.every((line) => /^tcpchat: (.+; reconnecting in \d+\.\d s|reconnected to 127\.0\.0\.1:\d+)$/.test(line))).toBe(true);
    expect(stderr.filter((line) => line.includes('reconnected to'))).toHaveLength(1);
    expect(ada.stdout.raw).not.toMatch(/\x1b|^@/m); // a pipe: no colour, and tags never reach the person
  });
});

/** How the server words a connection the proxy destroyed: closed, or reset if data was still unread. */
const LEFT_CUT = /^(\(earlier\) )?\* ada left \(connection (closed|reset)\)$/;

describe('tcpchat connect through a dropped connection', () => {
  it('resends what was not acknowledged (shown once, by id) and is replayed what it missed, once', async () => {
    const server = await startServer(['--relay']);
    const proxy = await Proxy.start(server.port);
    const ada = await chatter(proxy.port, 'ada');
    const bob = await joined(server.port, 'bob'); // a plain client, straight to the server
    await ada.stdout.waitFor('* guest-2 is now bob');

    ada.write('one\ntwo\n');
    await bob.lines.waitFor('<ada> two');

    // The server's answers are lost from here on: it gets ada's lines, ada never gets the acks.
    proxy.mute();
    ada.write('three\nfour\n');
    await bob.lines.waitFor('<ada> four');
    bob.send('while you were away 1\nwhile you were away 2\n');
    await server.stdout.waitFor('<bob> while you were away 2');

    ada.write('five\n');
    proxy.cut(); // while ada is typing: `five` may or may not have reached the server
    await ada.stderr.waitFor(/^tcpchat: (the server closed the connection|connection lost: .+); reconnecting in/);
    ada.write('six\n');
    await ada.stderr.waitFor(`tcpchat: reconnected to 127.0.0.1:${proxy.port}`);
    await bob.lines.waitFor('<ada> six');
    await ada.stdout.waitFor('(earlier) <bob> while you were away 2');

    bob.send('welcome back\n');
    await ada.stdout.waitFor('<bob> welcome back');
    ada.write('seven\n');
    await Promise.all([bob.lines.waitFor('<ada> seven'), server.stdout.waitFor('<ada> seven')]);

    expect(proxy.connections).toBe(2);
    expect(bob.lines.all.filter((line) => line.startsWith('<ada> '))).toEqual(
      ['one', 'two', 'three', 'four', 'five', 'six', 'seven'].map((text) => `<ada> ${text}`),
    );
    expect(saidBy(ada.stdout, 'bob')).toEqual(['<bob> while you were away 1', '<bob> while you were away 2', '<bob> welcome back']);
    // What she missed, once; not her own old connection's leaving, which is her own line.
    expect(ada.stdout.all.filter((line) => line.startsWith('(earlier) '))).toEqual([
      '(earlier) <bob> while you were away 1',
      '(earlier) <bob> while you were away 2',
    ]);
    expect(saidBy(server.stdout, 'ada')).toHaveLength(7);
    // bob sees how ada came in (the room's last lines, on his welcome), then her leaving with the old connection and coming back, under her nick again.
    expect(bob.lines.all.filter((line) => /ada|guest-3/.test(line) && line.startsWith('* '))).toEqual([
      '* guest-1 is now ada',
      expect.stringMatching(LEFT_CUT),
      '* guest-3 joined',
      '* guest-3 is now ada',
    ]);
  });
});

describe('tcpchat connect after its connection vanished (the server has not noticed)', () => {
  it('takes over its stale connection: the old one is closed, the nick reclaimed, nothing shown twice', async () => {
    const server = await startServer(['--relay']);
    const proxy = await Proxy.start(server.port);
    const ada = await chatter(proxy.port, 'ada');
    const bob = await joined(server.port, 'bob');
    await ada.stdout.waitFor('* guest-2 is now bob');

    proxy.vanish();
    await ada.stderr.waitFor(/reconnecting in/);
    ada.write('still me\n');
    bob.send('are you there?\n');
    await ada.stderr.waitFor(`tcpchat: reconnected to 127.0.0.1:${proxy.port}`);
    await bob.lines.waitFor('<ada> still me');
    await ada.stdout.waitFor('(earlier) <bob> are you there?');

    // The newcomer's /cap names ada's session: the stale connection goes, then the nick is free.
    expect(bob.lines.all.filter((line) => /^\* (ada|guest-3) /.test(line))).toEqual([
      '* guest-3 joined',
      '* ada left (reconnected)',
      '* guest-3 is now ada',
    ]);
    expect(ada.stdout.all.filter((line) => line.includes('are you there?'))).toEqual(['(earlier) <bob> are you there?']);
    expect(saidBy(bob.lines, 'ada')).toEqual(['<ada> still me']);
    // Its own old connection's leave is not news to ada.
    expect(ada.stdout.all.filter((line) => / ada left /.test(` ${line}`))).toEqual([]);
  });
});

describe('/history', () => {
  it('gives a late client the recent room lines in order: plain between notices, tagged marked as earlier', async () => {
    const server = await startServer(['--relay']);
    const ada = await chatter(server.port, 'ada');
    const cal = await joined(server.port, 'cal');
    ada.write('first\n');
    await cal.lines.waitFor('<ada> first');
    cal.send('second\n');
    await ada.stdout.waitFor('<cal> second');
    ada.write('/me waves\nthird\n');
    await cal.lines.waitFor('<ada> third');

    const lines = ['<ada> first', '<cal> second', '* ada waves', '<ada> third'];
    const plain = await joined(server.port, 'nc');
    const from = mark(plain.lines);
    plain.send('/history 6\n'); // the room's lines include the newcomer's own arrival
    await plain.lines.waitFor('* end of history', undefined, from);
    expect(plain.lines.all.slice(from)).toEqual([
      '* history: the last 6 lines',
      ...lines,
      '* guest-3 joined',
      '* guest-3 is now nc',
      '* end of history',
    ]);

    // Without a count: the last 20, which here is the whole room since ada joined.
    const all = mark(plain.lines);
    plain.send('/history\n');
    await plain.lines.waitFor('* end of history', undefined, all);
    const whole = plain.lines.all.slice(all);
    expect(whole.at(0)).toMatch(/^\* history: the last \d+ lines$/);
    expect(whole.filter((line) => !line.startsWith('* '))).toEqual(lines.filter((line) => !line.startsWith('* ')));
    expect(whole).toContain('* guest-2 is now cal');

    const late = await chatter(server.port, 'late');
    const lateFrom = mark(late.stdout);
    late.write('/history 8\n');
    await late.stdout.waitFor('(earlier) * guest-4 is now late', undefined, lateFrom);
    expect(late.stdout.all.slice(lateFrom)).toEqual(
      [...lines, '* guest-3 joined', '* guest-3 is now nc', '* guest-4 joined', '* guest-4 is now late'].map((line) => `(earlier) ${line}`),
    );
  });
});

describe('tcpchat connect with stdin a pipe', () => {
  it('says what it was given under its --nick, even when input ends before the welcome', async () => {
    const server = await startServer(['--relay']);
    const bob = await joined(server.port, 'bob');
    const ci = tcpchat(['connect', `127.0.0.1:${server.port}`, '--nick', 'ci'], { name: 'ci' });
    ci.write('build finished\n');
    ci.endInput();
    expect(await waitForExit(ci)).toEqual({ code: 0, signal: null });
    await bob.lines.waitFor('* ci left (quit)');
    expect(bob.lines.all.filter((line) => line.startsWith('<'))).toEqual(['<ci> build finished']);
  });
});

describe('giving up', () => {
  it('--no-retry: a lost connection exits 1 with one sentence', async () => {
    const server = await startServer(['--relay']);
    const ada = await chatter(server.port, 'ada', ['--no-retry']);
    await stop(server);
    expect(await waitForExit(ada)).toEqual({ code: 1, signal: null });
    expect(await ada.stderr.end()).toEqual(['tcpchat: the server closed the connection']);
  });

  it('--retry 2: against a server that is gone, gives up after 2 attempts with exit 1 and says so', async () => {
    const server = await startServer(['--relay']);
    const ada = await chatter(server.port, 'ada', ['--retry', '2']);
    await stop(server);
    expect(await waitForExit(ada)).toEqual({ code: 1, signal: null });
    const where = `127.0.0.1:${server.port}`;
    expect(await ada.stderr.end()).toEqual([
      expect.stringMatching(/^tcpchat: the server closed the connection; reconnecting in \d\.\d s$/),
      expect.stringMatching(new RegExp(`^tcpchat: cannot reach ${where}: connection refused; reconnecting in \\d\\.\\d s$`)),
      `tcpchat: cannot reach ${where}: connection refused (gave up after 2 retries)`,
    ]);
  });
});

describe('tags', () => {
  it('never reach a plain client, whatever the tagged clients in the room do', async () => {
    const server = await startServer(['--relay']);
    const proxy = await Proxy.start(server.port);
    const plain = await joined(server.port, 'nc');
    const ada = await chatter(proxy.port, 'ada');
    const bob = await chatter(server.port, 'bob');

    ada.write('hello\n/me waves\n/msg nc psst\n/nick ada2\n');
    await plain.lines.waitFor('* ada is now ada2');
    bob.write('@id=fake;seq=1 not a tag from a client\n//literal\n');
    await plain.lines.waitFor('<bob> /literal');
    plain.send('/msg bob hi\n/who\n/history 3\n@ack=1 plain text\n');
    await bob.stdout.waitFor('<nc> @ack=1 plain text');

    proxy.cut(); // ada reconnects and resumes, tagged again
    await ada.stderr.waitFor(/reconnected to/);
    await plain.lines.waitFor('* guest-4 is now ada2');
    ada.write('back\n');
    await plain.lines.waitFor('<ada2> back');
    bob.write('/quit\n');
    await plain.lines.waitFor('* bob left (quit)');

    expect(plain.lines.all.length).toBeGreaterThan(15);
    expect(plain.lines.all.filter((line) => line.startsWith('@'))).toEqual([]);
    expect(plain.lines.all).toContain('*ada* psst');
    expect(plain.lines.all).toContain('<bob> @id=fake;seq=1 not a tag from a client');
    // The tagged clients show lines without tags too.
    expect([...ada.stdout.all, ...bob.stdout.all].filter((line) => line.startsWith('@'))).toEqual([]);
  });
});
