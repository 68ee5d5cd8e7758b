import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';

/** What a test started and must not outlive it: call `cleanUp` in afterEach. */
const children = new Set<ChildProcess>();
const sockets = new Set<Socket>();

export function trackChild<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function trackSocket(socket: Socket): Socket {
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
  return socket;
}

export async function cleanUp(): Promise<void> {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  const running = [...children].filter((child) => child.exitCode === null && child.signalCode === null);
  await Promise.all(
    running.map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  children.clear();
}
