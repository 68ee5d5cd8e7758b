import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawClient, type Client } from '../helpers/client.js';
import { cleanUp } from '../helpers/leftovers.js';
import { ms } from '../helpers/probe.js';
import { tcpchat, waitForExit } from '../helpers/processes.js';
import { startServer } from '../helpers/server.js';
import { within } from '../helpers/within.js';
import { online, WELCOME } from '../helpers/sentences.js';

afterEach(cleanUp);

const ASKED = '* this server needs a password: send /pass SECRET';
const SECRET = 'open sesame';

/** Every line a refused client got, once the server has closed the connection. */
async function refusal(client: Client): Promise<string[]> {
  await within(client.ended, `EOF on ${client.lines.name}`);
  return client.lines.end();
}

function passwordFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tcpchat-door-')), 'password');
  writeFileSync(file, `${SECRET}\n`);
  return file;
}

describe('who gets in', () => {
  it('--max-clients 3: the fourth is told the server is full, then closed; a freed place is taken again', async () => {
    const server = await startServer(['--max-clients', '3']);
    const first = [await rawClient(server.port, 'c1'), await rawClient(server.port, 'c2'), await rawClient(server.port, 'c3')];
    for (const client of first) await client.lines.waitFor(WELCOME);

    const fourth = await rawClient(server.port, 'c4');
    expect(await refusal(fourth)).toEqual(['! server full']);
    await server.stdout.waitFor(/^\* refused 127\.0\.0\.1:\d+ \(server full\)$/);

    // A place is free once the connection has closed: after c1's close, a round trip on c2 makes
    // sure the server has seen it too.
    first[0].send('/quit\n');
    await within(first[0].closed, 'c1 to close after /quit');
    first[1].send('/who\n');
    await first[1].lines.waitFor(online(3, /.*/));
    const fifth = await rawClient(server.port, 'c5');
    await fifth.lines.waitFor(WELCOME);
  });

  it('--max-per-address 2 counts loopback too: the third from 127.0.0.1 is told why', async () => {
    const server = await startServer(['--max-per-address', '2']);
    for (const name of ['a1', 'a2']) await (await rawClient(server.port, name)).lines.waitFor(WELCOME);
    const third = await rawClient(server.port, 'a3');
    expect(await refusal(third)).toEqual(['! too many connections from 127.0.0.1']);
  });

  it('without --max-per-address, loopback is exempt from the default of 32 per address', async () => {
    const server = await startServer();
    const clients: Client[] = [];
    for (let i = 0; i < 40; i++) clients.push(await rawClient(server.port, `l${i}`));
    for (const client of clients) await client.lines.waitFor(WELCOME);
  });
});

describe('the password', () => {
  it('lets in tcpchat connect with TCPCHAT_PASSWORD, and a raw client that sends /pass first', async () => {
    const server = await startServer(['--relay', '--password-file', passwordFile()]);
    const raw = await rawClient(server.port, 'raw');
    await raw.lines.waitFor(ASKED);
    raw.send(`/pass ${SECRET}\nhello from raw\n`); // the rest of the batch counts once in
    await raw.lines.waitFor(WELCOME);
    await server.stdout.waitFor('<guest-1> hello from raw');

    const cli = tcpchat(['connect', `127.0.0.1:${server.port}`, '--nick', 'cli'], {
      env: { TCPCHAT_PASSWORD: SECRET },
      name: 'tcpchat cli',
    });
    await cli.stdout.waitFor('* you are now cli');
    cli.write('hello from cli\n');
    await raw.lines.waitFor('<cli> hello from cli');
    expect(cli.stdout.all.join('\n')).not.toContain(SECRET);
    cli.endInput();
    expect((await waitForExit(cli)).code).toBe(0);
  });

  it('refuses a wrong password and silence (--password-timeout 1); meanwhile they hear no chat', async () => {
    const server = await startServer(['--relay', '--password-file', passwordFile(), '--password-timeout', '1']);
    const silent = await rawClient(server.port, 'silent');
    await silent.lines.waitFor(ASKED);
    const started = performance.now();
    const wrong = await rawClient(server.port, 'wrong');
    await wrong.lines.waitFor(ASKED);

    // Chat goes on among those who are in, and from the console.
    const ada = await rawClient(server.port, 'ada');
    ada.send(`/pass ${SECRET}\n/nick ada\n`);
    await ada.lines.waitFor('* you are now ada');
    ada.send('secret plans\n/me whispers\n/who\n');
    await ada.lines.waitFor(online(2, 'server, ada'));
    server.write('from the console\n');
    await ada.lines.waitFor('<server> from the console');
    wrong.send('/pass guess\n');

    expect(await refusal(wrong)).toEqual([ASKED, '! authentication failed']);
    expect(await refusal(silent)).toEqual([ASKED, '! authentication timed out']);
    const silentMs = performance.now() - started;
    console.log(`password: a silent connection was refused after ${ms(silentMs)} (--password-timeout 1)`);
    expect(silentMs).toBeGreaterThan(700);
    expect(silentMs).toBeLessThan(3000);
    await server.stdout.waitFor(/^\* refused 127\.0\.0\.1:\d+ \(authentication failed\)$/);
    await server.stdout.waitFor(/^\* refused 127\.0\.0\.1:\d+ \(authentication timed out\)$/);
    expect(server.stdout.all.join('\n')).not.toContain('guess');
  });

  it('after 5 failures from one address refuses it for a while, even with the right password', async () => {
    const server = await startServer(['--password-file', passwordFile()]);
    for (let i = 0; i < 5; i++) {
      const guesser = await rawClient(server.port, `guess ${i}`);
      guesser.send(`/pass guess ${i}\n`);
      expect(await refusal(guesser)).toEqual([ASKED, '! authentication failed']);
    }
    const rightful = await rawClient(server.port, 'rightful');
    rightful.send(`/pass ${SECRET}\n`);
    expect(await refusal(rightful)).toEqual(['! too many failed passwords; try again later']);
  });

  it('keeps an unauthenticated connection out of a console-mode chat too', async () => {
    const server = await startServer(['--console-only', '--password-file', passwordFile()]);
    const outside = await rawClient(server.port, 'outside');
    await outside.lines.waitFor(ASKED);
    const inside = await rawClient(server.port, 'inside');
    inside.send(`/pass ${SECRET}\n`);
    await inside.lines.waitFor(WELCOME);
    server.write('to everyone\n/msg guest-1 psst\n');
    await inside.lines.waitFor('<server> to everyone');
    outside.send('/who\n'); // not the password: refused, having heard nothing
    expect(await refusal(outside)).toEqual([ASKED, '! authentication failed']);
  });
});
