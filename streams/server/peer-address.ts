/** Where a connection comes from: the peer's IP (without the port) and its port. */
export interface PeerAddress {
  readonly ip: string;
  readonly port: number;
}

/**
 * `ip:port` as people read it, with brackets around an IPv6 address. Made when it is shown, not
 * kept: a server holds one connection record per client, most of them idle. Joined rather than
 * concatenated, so a string kept from it is one flat string.
 */
export function peerAddress({ ip, port }: PeerAddress): string {
  return [ip.includes(':') ? `[${ip}]` : ip || 'unknown', port].join(':');
}
