import { isIPv6 } from 'node:net';
import { wholeNumber } from './whole-number.js';

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
  // More than one colon is an IPv6 address or a mistake (1.2.3.4:5:6), never a host name.
  if (colons > 1 && !isIPv6(text)) throw new Error(`${text} is not HOST:PORT or [IPV6]:PORT`);
  return { host: text };
}

function withPort(host: string, port: string | undefined): Target {
  if (host.length === 0) throw new Error('the host is empty');
  return port === undefined ? { host } : { host, port: parsePort(port) };
}

/** A port: plain decimal digits from 0 to 65535 (not '', 0x50 or 1e3), or a whole number from a JSON file. */
export function parsePort(value: unknown, name = 'a port'): number {
  return wholeNumber(value, name, 0, 65535);
}
