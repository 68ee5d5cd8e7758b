import { networkInterfaces } from 'node:os';

/** The addresses this machine can be reached at: loopback first, then the others. */
export function reachableAddresses(): string[] {
  const all = Object.values(networkInterfaces()).flatMap((list) => list ?? []);
  const v4 = all.filter((i) => i.family === 'IPv4');
  return [...v4.filter((i) => i.internal), ...v4.filter((i) => !i.internal)].map((i) => i.address);
}
