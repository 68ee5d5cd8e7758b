import { afterEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { inspect } from 'node:util';
import { nickColour } from '../../src/run/style.js';
import { joined, type Client } from './helpers/client.js';
import { cleanUp, trackSocket } from './helpers/leftovers.js';
import { Lines } from './helpers/lines.js';
import { CLI, ROOT } from './helpers/processes.js';
import { startServer } from './helpers/server.js';
import { within } from './helpers/within.js';
import { online } from './helpers/sentences.js';

/**
 * `tcpchat connect` on a real terminal: a tmux pane of a fixed size, on a tmux server of its own
 * (`-L`, a socket name no one else uses, `-f /dev/null`, no user configuration), killed after each test.
 */
class Pane {
  private static count = 0;
  private readonly socket = `tcpchat-e2e-${process.pid}-${Pane.count++}`;
  private alive = true;
  private readonly path: string;

  /**
   * `stdout`: a file the program's output goes to instead of the pane. `reportExit`: a shell
   * writes `[exit N]` in the pane once the program has exited (tmux's own pane_dead_status is
   * sometimes never filled in).
   */
  constructor(
    args: readonly string[],
    env: Readonly<Record<string, string | undefined>> = {},
    program: 'connect' | 'serve' = 'connect',
    stdout?: string,
    reportExit = false,
  ) {
    const vars = { NODE_OPTIONS: '', TERM: 'xterm-256color', NO_COLOR: undefined, FORCE_COLOR: undefined, ...env };
    const unset = Object.entries(vars).flatMap(([name, value]) => (value === undefined ? ['-u', name] : []));
    const set = Object.entries(vars).flatMap(([name, value]) => (value === undefined ? [] : [`${name}=${value}`]));
    const run = ['env', ...unset, ...set, process.execPath, CLI, program, ...args];
    const command =
      stdout !== undefined
        ? ['sh', '-c', `exec "$@" > '${stdout}'`, 'sh', ...run]
        : reportExit
          ? ['sh', '-c', '"$@"; echo "[exit $?]"', 'sh', ...run]
          : run;
    const session = ['new-session', '-d', '-x', String(WIDTH), '-y', String(HEIGHT), '-s', 'chat', '-c', ROOT, ...command];
    this.tmux(...session, ';', 'set-option', '-g', 'remain-on-exit', 'on'); // so a crash can still be captured
    this.path = this.tmux('display-message', '-p', '#{socket_path}').trim();
  }

  tmux(...args: string[]): string {
    const env = { ...process.env };
    delete env.TMUX; // never the user's tmux, even when the tests run inside one
    return execFileSync('tmux', ['-f', '/dev/null', '-L', this.socket, ...args], { encoding: 'utf8', env, timeout: 5000 });
  }

  /** The screen as text, each row without trailing spaces, without the empty rows at the bottom. */
  rows(escapes = false): string[] {
    const rows = this.tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', 'chat')
      .split('\n')
      .map((row) => row.trimEnd());
    while (rows.length > 0 && rows.at(-1) === '') rows.pop();
    return rows;
  }

  cursor(): { x: number; y: number } {
    const [x, y] = this.tmux('display-message', '-p', '-t', 'chat', '#{cursor_x} #{cursor_y}').trim().split(' ').map(Number);
    return { x, y };
  }

  /** Types text as keys, without Enter. */
  type(text: string): void {
    this.tmux('send-keys', '-t', 'chat', '-l', text);
  }

  press(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'chat', ...keys);
  }

  /**
   * Polls the screen (a terminal cannot be subscribed to) until `ready` holds: every 25 ms, at
   * most 5 s, then fails showing the last screen.
   */
  async until(what: string, ready: (rows: string[]) => boolean, escapes = false): Promise<string[]> {
    let rows: string[] = [];
    for (let tries = 0; tries < 200; tries++) {
      rows = this.rows(escapes);
      if (ready(rows)) return rows;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`the pane never showed ${what}; it showed:\n${rows.map((row) => `  |${JSON.stringify(row).slice(1, -1)}`).join('\n')}`);
  }

  /** Whether the program has exited (the pane stays, showing what it left). */
  dead(): boolean {
    return this.tmux('display-message', '-p', '-t', 'chat', '#{pane_dead}').trim() === '1';
  }

  kill(): void {
    if (!this.alive) return;
    this.alive = false;
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
    rmSync(this.path, { force: true }); // tmux leaves its socket file behind
  }
}

const WIDTH = 100;
const HEIGHT = 20;
const panes: Pane[] = [];
const pane = (
  args: readonly string[],
  env?: Readonly<Record<string, string | undefined>>,
  program?: 'connect' | 'serve',
  stdout?: string,
): Pane => {
  const started = new Pane(args, env, program, stdout);
  panes.push(started);
  return started;
};

afterEach(async () => {
  for (const started of panes.splice(0)) started.kill();
  await cleanUp();
});

const last = (rows: readonly string[]): string | undefined => rows.at(-1);
const ESC = '\x1b';

/**
 * The SGR parameters in effect where `marker` starts in the first row (of a `-e` capture) that
 * has it, since the last reset. tmux writes only changes, so an attribute may come from a row above.
 */
function styleAt(screen: readonly string[], marker: string, from = 0): string[] {
  const row = screen.findIndex((text, index) => index >= from && text.includes(marker));
  if (row === -1) throw new Error(`no row with ${JSON.stringify(marker)} in:\n${screen.join('\n')}`);
  const before = [...screen.slice(0, row), screen[row].slice(0, screen[row].indexOf(marker))].join('\n');
  const params = [...before.matchAll(/\x1b\[([0-9;]*)m/g)].flatMap((match) => (match[1] === '' ? ['0'] : match[1].split(';')));
  const reset = params.lastIndexOf('0');
  // 39 and 49 are the default colours: no colour.
  return params.slice(reset + 1).filter((param) => param !== '' && param !== '39' && param !== '49');
}

async function adaJoins(
  port: number,
  args: readonly string[] = [],
  env?: Readonly<Record<string, string | undefined>>,
  reportExit = false,
): Promise<Pane> {
  const ada = reportExit
    ? new Pane([`127.0.0.1:${port}`, '--nick', 'ada', ...args], env, 'connect', undefined, true)
    : pane([`127.0.0.1:${port}`, '--nick', 'ada', ...args], env);
  if (reportExit) panes.push(ada);
  await ada.until('ada named, at the prompt', (rows) => rows.some((row) => row.endsWith('* you are now ada')) && last(rows) === '#lobby>');
  return ada;
}

const say = (client: Client, ...lines: string[]): void => client.send(lines.map((line) => `${line}\n`).join(''));

describe('tcpchat connect on a terminal (tmux)', () => {
  it('prints incoming lines above the prompt and never garbles the half-typed line; Enter sends it; arrow-up recalls it', async () => {
    const server = await startServer(['--relay']);
    const ada = await adaJoins(server.port);
    const bob = await joined(server.port, 'bob');

    ada.type('half a li');
    await ada.until('the half-typed line', (rows) => last(rows) === '#lobby> half a li');
    say(bob, 'one', 'two');
    say(bob, 'three', '/me waves');
    // The prompt is redrawn after each batch is printed: wait for both.
    const screen = await ada.until(
      'bob waving, then the prompt',
      (rows) => rows.includes('* bob waves') && last(rows) === '#lobby> half a li',
    );

    expect(screen).toEqual([
      '* welcome to server, you are guest-1 in #lobby; /help lists commands',
      '* you are now in #lobby (1 here); no topic',
      '* you are now ada',
      '* guest-2 joined',
      '* guest-2 is now bob',
      '<bob> one',
      '<bob> two',
      '<bob> three',
      '* bob waves',
      '#lobby> half a li',
    ]);
    expect(ada.cursor()).toEqual({ x: '#lobby> half a li'.length, y: screen.length - 1 }); // still where the typing was
    expect(bob.lines.all.filter((line) => line.startsWith('<ada>'))).toEqual([]); // nothing sent before Enter

    ada.type('ne');
    ada.press('Enter');
    await bob.lines.waitFor('<ada> half a line');
    await ada.until('a fresh prompt', (rows) => last(rows) === '#lobby>' && rows.at(-2) === '#lobby> half a line');

    ada.press('Up');
    await ada.until('the previous line recalled', (rows) => last(rows) === '#lobby> half a line');
    ada.press('End', ' again', 'Enter');
    await bob.lines.waitFor('<ada> half a line again');
    expect(bob.lines.all.filter((line) => line.startsWith('<ada>'))).toEqual(['<ada> half a line', '<ada> half a line again']);
  });

  it('shows the secret of /register and /identify as stars, as typed, redrawn and sent, and keeps the line out of the history', async () => {
    const server = await startServer(['--relay']);
    const ada = await adaJoins(server.port);
    const bob = await joined(server.port, 'bob');
    ada.type('hello');
    ada.press('Enter');
    await bob.lines.waitFor('<ada> hello');

    ada.type('/register hun');
    await ada.until('the secret begun, starred', (rows) => last(rows) === '#lobby> /register ***');
    say(bob, 'a line meanwhile');
    await ada.until(
      'the line redrawn, starred',
      (rows) => rows.includes('<bob> a line meanwhile') && last(rows) === '#lobby> /register ***',
    );
    ada.type('ter2');
    ada.press('Enter');
    const screen = await ada.until('the answer', (rows) => rows.some((row) => row.startsWith('* ada is registered to you')));
    expect(screen).toContain('#lobby> /register *******');

    ada.type('/identify ada hunter2');
    await ada.until('the identify line, starred', (rows) => last(rows) === '#lobby> /identify ada *******');
    ada.press('C-u', 'Up');
    await ada.until('the line before the secrets recalled', (rows) => last(rows) === '#lobby> hello');
    expect(ada.rows().filter((row) => row.includes('hunter2'))).toEqual([]);
  });

  it('keeps a typed line wider than the terminal whole, over several rows, while lines arrive', async () => {
    const server = await startServer(['--relay']);
    const ada = await adaJoins(server.port);
    const bob = await joined(server.port, 'bob');

    const typed = `${'a long line that wraps, '.repeat(6)}你好`; // with the prompt 150 columns: two rows
    ada.type(typed);
    await ada.until('the wrapped line', (rows) => last(rows) === `${'#lobby> ' + typed}`.slice(WIDTH));
    say(bob, 'first');
    await ada.until('the first line', (rows) => rows.includes('<bob> first'));
    say(bob, 'second', 'third');
    const prompt = `#lobby> ${typed}`;
    const screen = await ada.until(
      'the third line, then the prompt',
      (rows) => rows.includes('<bob> third') && last(rows) === prompt.slice(WIDTH),
    );

    expect(screen.slice(-5)).toEqual(['<bob> first', '<bob> second', '<bob> third', prompt.slice(0, WIDTH).trimEnd(), prompt.slice(WIDTH)]);
    expect(screen.filter((row) => row.startsWith('#lobby> '))).toHaveLength(1); // no stale copy of the input above
    ada.press('Enter');
    await bob.lines.waitFor(`<ada> ${typed}`);
  });

  it('shows colour: a stable colour per nick, notices dim, errors red', async () => {
    const server = await startServer(['--relay']);
    const ada = await adaJoins(server.port);
    const bob = await joined(server.port, 'bob');
    const cy = await joined(server.port, 'cy');
    expect(nickColour('bob')).not.toBe(nickColour('cy')); // a precondition of the last check

    say(bob, 'one');
    await cy.lines.waitFor('<bob> one');
    say(cy, 'two');
    await bob.lines.waitFor('<cy> two');
    say(bob, 'three');
    await ada.until('the third line', (rows) => rows.includes('<bob> three'));
    ada.type('/nosuchcommand');
    ada.press('Enter');
    const screen = await ada.until('the error', (rows) => rows.some((row) => row.includes('unknown command')), true);

    const colour = (nick: string): string => String(inspect.colors[nickColour(nick)]![0]);
    const bold = '1';
    const bobRows = screen.flatMap((row, index) => (row.includes('<bob>') ? [index] : []));
    expect(bobRows).toHaveLength(2);
    for (const row of bobRows) expect(styleAt(screen, '<bob>', row).sort()).toEqual([bold, colour('bob')].sort());
    expect(styleAt(screen, '<cy>').sort()).toEqual([bold, colour('cy')].sort());
    expect(styleAt(screen, ' three')).toEqual([]); // only the nick is coloured, not the text
    expect(styleAt(screen, '* you are now ada')).toEqual(['2']); // dim
    expect(styleAt(screen, '! unknown command')).toEqual(['31']); // red
  });

  it('with --no-color: no colour or styling on a terminal, NO_COLOR unset', async () => {
    const server = await startServer(['--relay']);
    const ada = await adaJoins(server.port, ['--no-color']);
    const bob = await joined(server.port, 'bob');
    say(bob, 'one');
    await ada.until('the line', (rows) => rows.includes('<bob> one'));
    ada.type('/nosuchcommand');
    ada.press('Enter');
    const screen = await ada.until('the error', (rows) => rows.some((row) => row.includes('! unknown command')), true);

    expect(screen.join('\n')).not.toContain(ESC);
    expect(screen).toContain('<bob> one');
  });

  it('with NO_COLOR and --timestamps: no escape codes, and each line starts with [HH:MM]', async () => {
    const server = await startServer(['--relay']);
    const ada = await adaJoins(server.port, ['--timestamps'], { NO_COLOR: '1' });
    const bob = await joined(server.port, 'bob');
    ada.type('typing');
    say(bob, 'one', '/me waves');
    const screen = await ada.until(
      'bob waving, then the prompt',
      (rows) => rows.some((row) => row.endsWith('* bob waves')) && last(rows) === '#lobby> typing',
      true,
    );

    expect(screen.join('\n')).not.toContain(ESC);
    const conversation = screen.slice(0, -1);
    expect(conversation.length).toBeGreaterThanOrEqual(6);
    for (const row of conversation) expect(row).toMatch(/^\[([01]\d|2[0-3]):[0-5]\d\] /);
    expect(conversation.map((row) => row.slice('[HH:MM] '.length))).toEqual([
      '* welcome to server, you are guest-1 in #lobby; /help lists commands',
      '* you are now in #lobby (1 here); no topic',
      '* you are now ada',
      '* guest-2 joined',
      '* guest-2 is now bob',
      '<bob> one',
      '* bob waves',
    ]);
    expect(last(screen)).toBe('#lobby> typing');
  });
});

describe('tcpchat connect in a room (tmux)', () => {
  interface Connection {
    readonly socket: Socket;
    readonly received: Lines;
  }

  /** A server that speaks rooms, on a real socket: `connection(n)` resolves with the n-th connection (from 0). */
  async function roomServer(): Promise<{ port: number; connection(n: number): Promise<Connection>; close(): void }> {
    const connections: Connection[] = [];
    const arrived = new Set<() => void>();
    const server = createServer((socket) => {
      trackSocket(socket).on('error', () => {});
      connections.push({ socket, received: new Lines(socket, `connection ${connections.length + 1}`) });
      socket.write(`* welcome to hub, you are guest-${connections.length} in #lobby; /help lists commands\n`);
      for (const notify of arrived) notify();
    });
    await within(new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined))), 'a server with rooms');
    const connection = (n: number): Promise<Connection> =>
      within(
        new Promise((resolve) => {
          const check = (): void => {
            if (connections[n] === undefined) return;
            arrived.delete(check);
            resolve(connections[n]);
          };
          arrived.add(check);
          check();
        }),
        `connection ${n + 1}`,
      );
    return { port: (server.address() as { port: number }).port, connection, close: () => server.close() };
  }

  it('shows its room in the prompt, follows a move, and after a lost connection asks to be back in that room', async () => {
    const hub = await roomServer();
    try {
      const ada = pane([`127.0.0.1:${hub.port}`, '--retry-delay', '10ms']);
      await ada.until('the prompt of the first room', (rows) => last(rows) === '#lobby>');
      const first = await hub.connection(0);
      const cap = await first.received.waitFor(/^\/cap tcpchat /);
      expect(cap).not.toContain('room=');
      const session = /session=(\S+)/.exec(cap)![1];
      first.socket.write(`@cap=tcpchat;epoch=E;seq=3\n@time=2024-05-01T12:00:00.000Z * you are now in #dev (2 here); topic: ship it\n`);
      const moved = await ada.until('the prompt of the new room', (rows) => last(rows) === '#dev>');
      expect(moved.slice(-2)).toEqual(['* you are now in #dev (2 here); topic: ship it', '#dev>']);

      first.socket.destroy();
      const second = await hub.connection(1);
      expect(await second.received.waitFor(/^\/cap tcpchat /)).toBe(`/cap tcpchat session=${session} resume=E:3 room=#dev`);
    } finally {
      hub.close();
    }
  });
});

describe('tcpchat serve on a terminal (tmux)', () => {
  it('draws the prompt only after the listening line, goes on after Ctrl-D, and clears the prompt on exit', async () => {
    const server = pane(['--host', '127.0.0.1', '--port', '0'], {}, 'serve');
    const started = await server.until(
      'the listening line, the memory-only note, then the prompt',
      (rows) => rows.length === 3 && last(rows) === '#lobby>',
    );
    expect(started[0]).toMatch(/^tcpchat: listening on 127\.0\.0\.1:\d+$/);
    const ada = await joined(Number(/:(\d+)$/.exec(started[0])![1]), 'ada');

    server.type('hello');
    server.press('Enter');
    await ada.lines.waitFor('<server> hello');
    server.press('C-d');
    await server.until('the note that Ctrl-D does not stop it', (rows) => rows.includes(CTRL_D_NOTE) && last(rows) === '#lobby>');
    server.type('still here');
    server.press('Enter');
    await ada.lines.waitFor('<server> still here');

    server.type('/join #dev');
    server.press('Enter');
    await server.until('the prompt of the room it speaks in now', (rows) => last(rows) === '#dev>');
    server.type('half typed');
    await server.until('the half-typed line', (rows) => last(rows) === '#dev> half typed');
    server.press('C-c');
    await ada.lines.waitFor('* server is going down (got SIGINT)');
    const screen = await server.until('the server gone', () => server.dead());
    expect(screen.filter((row) => /^#\w+>/.test(row) || row.includes('half typed'))).toEqual([
      '#lobby> hello',
      '#lobby> still here',
      '#lobby> /join #dev',
    ]);
    expect(screen.filter((row) => row.includes('shutting down'))).toEqual(['* shutting down (got SIGINT); told 1 client']);
  });

  it('leaves no prompt behind when /quit typed at the console ends it', async () => {
    const server = pane(['--host', '127.0.0.1', '--port', '0'], {}, 'serve');
    await server.until(
      'the listening line, the memory-only note, then the prompt',
      (rows) => rows.length === 3 && last(rows) === '#lobby>',
    );
    server.type('/quit');
    server.press('Enter');
    const screen = await server.until('the server gone', () => server.dead());
    const written = screen.filter((row) => row !== '' && !row.startsWith('Pane is dead')); // tmux's own word on the exit
    expect(written.at(-1)).toBe('* shutting down (shut down from the console); told 0 clients');
    expect(written.filter((row) => row.startsWith('#lobby>') && row !== '#lobby> /quit')).toEqual([]);
  });

  it('with its output in a file, says on Ctrl-D that the console stopped reading, and goes on serving', async () => {
    const record = join(mkdtempSync(join(tmpdir(), 'tcpchat-console-')), 'chat.log');
    const server = pane(['--host', '127.0.0.1', '--port', '0'], {}, 'serve', record);
    const [listening] = await server.until('the listening line and the memory-only note', (rows) => rows.length === 2);
    const port = Number(/:(\d+)$/.exec(listening)![1]);
    const ada = await joined(port, 'ada');
    server.type('hello');
    server.press('Enter');
    await ada.lines.waitFor('<server> hello');
    server.press('C-d');
    await server.until('the note that the console stopped reading', (rows) =>
      rows.includes('tcpchat: the console stopped reading (end of input); still serving'),
    );
    const bob = await joined(port, 'bob');
    bob.send('/who\n');
    await bob.lines.waitFor(online(3, 'server, ada, bob'));
    expect(server.dead()).toBe(false);
    expect(readFileSync(record, 'utf8')).toContain('<server> hello\n');
    rmSync(dirname(record), { recursive: true, force: true });
  });
});

const CTRL_D_NOTE = '* the server goes on (Ctrl-D does not stop it); /quit or Ctrl-C does';

describe('tcpchat connect on a terminal while reconnecting (tmux)', () => {
  it('Ctrl-D says what is still queued and exits 1; status lines never land inside the prompt', async () => {
    const server = await startServer(['--relay', '--shutdown-deadline', '1']);
    const ada = await adaJoins(server.port, [], undefined, true);
    server.child.kill('SIGTERM');
    await ada.until(
      'the reconnect notice, then the prompt',
      (rows) => rows.some((row) => /^-- .*reconnecting in/.test(row)) && last(rows) === '#lobby>',
    );
    ada.type('still here');
    ada.press('Enter');
    await ada.until('the typed line taken', (rows) => rows.includes('#lobby> still here'));
    ada.press('C-d');
    const where = `127.0.0.1:${server.port}`;
    const sentence = `tcpchat: input ended while reconnecting to ${where}; 1 line unsent`;
    const screen = await ada.until(
      'the last sentence, then the exit',
      (rows) => rows.includes(sentence) && rows.some((row) => row.startsWith('[exit ')),
    );
    expect(screen.slice(screen.indexOf(sentence) + 1).find((row) => row !== '')).toBe('[exit 1]');
    // Every word about the connection has a row of its own, never after the prompt's "> ".
    expect(
      screen.filter((row) => /reconnecting|tcpchat:/.test(row)).every((row) => row.startsWith('-- ') || row.startsWith('tcpchat: ')),
    ).toBe(true);
  });
});
