import { afterEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { joined } from './helpers/client.js';
import { cleanUp } from './helpers/leftovers.js';
import { startServer } from './helpers/server.js';

/** Real `telnet` on a terminal: a tmux session on a tmux server of its own, killed after each test. */
class TelnetPane {
  private static count = 0;
  private readonly socket = `tcpchat-telnet-${process.pid}-${TelnetPane.count++}`;
  private readonly path: string;

  constructor(port: number) {
    this.tmux('new-session', '-d', '-x', '100', '-y', '30', '-s', 'telnet', 'telnet', '127.0.0.1', String(port));
    this.path = this.tmux('display-message', '-p', '#{socket_path}').trim();
  }

  tmux(...args: string[]): string {
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm' };
    delete env.TMUX; // never the user's tmux
    return execFileSync('tmux', ['-f', '/dev/null', '-L', this.socket, ...args], { encoding: 'utf8', env, timeout: 5000 });
  }

  /** Types text and presses Enter, as a person would (telnet sends what the terminal gives it). */
  typeLine(text: string): void {
    this.tmux('send-keys', '-t', 'telnet', '-l', text);
    this.tmux('send-keys', '-t', 'telnet', 'Enter');
  }

  /** `^]` then `mode character`: from now on telnet sends each key at once and Enter as CR NUL. */
  characterMode(): void {
    this.tmux('send-keys', '-t', 'telnet', 'C-]');
    this.typeLine('mode character');
  }

  /** The screen's rows, without trailing spaces. */
  rows(): string[] {
    return this.tmux('capture-pane', '-p', '-t', 'telnet')
      .split('\n')
      .map((row) => row.trimEnd());
  }

  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
    rmSync(this.path, { force: true });
  }
}

let pane: TelnetPane | undefined;
afterEach(async () => {
  pane?.kill();
  pane = undefined;
  await cleanUp();
});

describe('real telnet', () => {
  it('after `mode character`: two lines reach the room as two lines at once, its negotiation does not, and the person sees what they type', async () => {
    const server = await startServer(['--relay']);
    const bob = await joined(server.port, 'bob');
    pane = new TelnetPane(server.port);
    await server.stdout.waitFor(/^\* guest-\d+ joined/);
    pane.typeLine('/nick tel'); // line mode first: CR LF
    await bob.lines.waitFor('* guest-2 is now tel');

    pane.characterMode(); // telnet negotiates now (IAC DO SUPPRESS-GO-AHEAD, IAC DO ECHO): both are refused
    pane.typeLine('char mode line');
    pane.typeLine('second line');

    // Both arrive while telnet is still connected, each as a line of its own.
    await bob.lines.waitFor('<tel> second line');
    const fromTel = bob.lines.all.filter((line) => line.startsWith('<tel>'));
    expect(fromTel).toEqual(['<tel> char mode line', '<tel> second line']);
    expect(bob.lines.raw).not.toMatch(/[\r\0\ufffd]/); // no negotiation byte, no NUL came through
    await server.stdout.waitFor('<tel> second line');
    expect(server.stdout.all.some((line) => line.includes('left'))).toBe(false);
    // Told WONT ECHO, telnet echoes the keys itself: nobody types blind.
    expect(pane.rows()).toEqual(expect.arrayContaining(['char mode line', 'second line']));
  });
});
