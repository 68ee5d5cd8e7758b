import type { Lines } from './lines.js';
import { tcpchat, type Running } from './processes.js';

/** `tcpchat connect --nick NICK` with stdin a pipe, once it has its nick. */
export async function chatter(port: number, nick: string, args: readonly string[] = []): Promise<Running> {
  const client = tcpchat(['connect', `127.0.0.1:${port}`, '--nick', nick, ...args], { name: nick });
  try {
    await client.stdout.waitFor(`* you are now ${nick}`);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${nick} said on stderr: ${client.stderr.all.join(' / ')}`);
  }
  return client;
}

/** A pipe-mode client shows a replayed line as `(earlier) LINE`: the lines `nick` said, either way, in order. */
export const saidBy = (lines: Lines, nick: string): string[] =>
  lines.all.map((line) => line.replace(/^\(earlier\) /, '')).filter((line) => line.startsWith(`<${nick}> `));

/** Index just past the last line seen so far, to wait for something new. */
export const mark = (lines: Lines): number => lines.all.length;
