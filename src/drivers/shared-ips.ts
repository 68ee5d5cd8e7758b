/**
 * Peers' IPs as strings shared by the connections from one address. A socket tells its peer as a
 * new string each time (see `peerOf`), and a server held open by many connections from one address
 * (behind a NAT or a proxy, or a benchmark's) would keep a copy per connection. This remembers the
 * addresses of recent arrivals, at most `size` (then it starts again), so it stays small whoever comes.
 */
export class SharedIps {
  private readonly known = new Map<string, string>();

  constructor(private readonly size = 256) {}

  /** How many addresses it remembers now. */
  get remembered(): number {
    return this.known.size;
  }

  /** The string kept for `ip` when a recent arrival came from there; else `ip`, kept from now on. */
  share(ip: string): string {
    const known = this.known.get(ip);
    if (known !== undefined) return known;
    if (this.known.size >= this.size) this.known.clear();
    this.known.set(ip, ip);
    return ip;
  }
}
