/** Reads `connect`'s target: `HOST`, `HOST:PORT`, `[IPV6]`, `[IPV6]:PORT` or a bare IPv6 address. */
export interface Target {
  readonly host: string;
  readonly port?: number;
}

export function parseTarget(text: string): Target {
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) return withPort(bracketed[1], bracketed[2]);
  if (text.startsWith('[')) throw new Error(`${text} is not HOST:PORT or [IPV6]:PORT`);
  const colons = text.split(':').length - 1;
  if (colons === 1) {
    const [host, port] = text.split(':');
    return withPort(host, port);
  }
  if (text.length === 0) throw new Error('the host is empty');
  return { host: text };
}

function withPort(host: string, port: string | undefined): Target {
  if (host.length === 0) throw new Error('the host is empty');
  return port === undefined ? { host } : { host, port: parsePort(port) };
}

export function parsePort(value: unknown): number {
  const port = typeof value === 'number' ? value : Number(String(value).trim() || NaN);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`a port is a whole number from 0 to 65535${Number.isNaN(port) ? '' : `, not ${String(value)}`}`);
  }
  return port;
}
