import { tcpchat, type Running, type RunOptions } from './processes.js';

export interface Server extends Running {
  readonly host: string;
  readonly port: number;
}

const LISTENING = /^tcpchat: listening on (?:\[(.+)\]|([^:]+)):(\d+)$/;

/**
 * Starts `tcpchat serve --host HOST --port 0 --no-timestamps ARGS...` and resolves once it says
 * where it listens (on stderr), with the real port. Its stdout is a pipe, which would have each
 * console line timed: the tests match the lines themselves (timestamps.spec.ts tests the times).
 */
export async function startServer(args: readonly string[] = [], options: RunOptions & { host?: string } = {}): Promise<Server> {
  const host = options.host ?? '127.0.0.1';
  const running = tcpchat(['serve', '--host', host, '--port', '0', '--no-timestamps', ...args], {
    stdin: options.stdin,
    env: options.env,
    name: options.name ?? 'server',
  });
  return listening(running);
}

/** A server started some other way, once it says where it listens. */
export async function listening(running: Running): Promise<Server> {
  const line = await running.stderr.waitFor(LISTENING);
  const [, v6, v4, port] = LISTENING.exec(line)!;
  return { ...running, host: v6 ?? v4, port: Number(port) };
}
