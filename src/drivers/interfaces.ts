import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

/**
 * The addresses a server bound to every address can be reached at: `::` takes both families,
 * `0.0.0.0` IPv4 alone. Loopback first, then the others; IPv4 before IPv6 in each. IPv6 link-local
 * addresses (fe80::/10) are left out: one is usable only with a zone naming the *client's* own
 * interface (`[fe80::1%eth0]`), which the server cannot know, so listing it would mislead.
 */
export function reachableAddresses(
  host: '::' | '0.0.0.0',
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): string[] {
  const all = Object.values(interfaces).flatMap((list) => list ?? []);
  const usable = all.filter((i) => i.family === 'IPv4' || (host === '::' && i.scopeid === 0));
  const byFamily = (list: NetworkInterfaceInfo[]): NetworkInterfaceInfo[] => [
    ...list.filter((i) => i.family === 'IPv4'),
    ...list.filter((i) => i.family === 'IPv6'),
  ];
  return [...byFamily(usable.filter((i) => i.internal)), ...byFamily(usable.filter((i) => !i.internal))].map((i) => i.address);
}
