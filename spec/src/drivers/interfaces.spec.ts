import { describe, expect, it } from '@jest/globals';
import type { NetworkInterfaceInfo } from 'node:os';
import { reachableAddresses } from '../../../src/drivers/interfaces.js';

const v4 = (address: string, internal = false): NetworkInterfaceInfo => ({
  address,
  netmask: '255.255.255.0',
  family: 'IPv4',
  mac: '00:00:00:00:00:00',
  internal,
  cidr: `${address}/24`,
});
const v6 = (address: string, scopeid: number, internal = false): NetworkInterfaceInfo => ({
  address,
  netmask: 'ffff:ffff:ffff:ffff::',
  family: 'IPv6',
  mac: '00:00:00:00:00:00',
  internal,
  cidr: `${address}/64`,
  scopeid,
});

// As `os.networkInterfaces()` gives them on a machine with one network card (the loopback listed last on purpose).
const machine = {
  eth0: [v4('192.0.2.2'), v6('fd00::2', 0), v6('fe80::fc:ff:fe00:1', 4)],
  lo: [v4('127.0.0.1', true), v6('::1', 0, true)],
};

describe('reachableAddresses', () => {
  it('for `::` (both families) lists IPv6 too: loopback first, IPv4 before IPv6, no link-local address', () => {
    expect(reachableAddresses('::', machine)).toEqual(['127.0.0.1', '::1', '192.0.2.2', 'fd00::2']);
  });

  it('for 0.0.0.0 lists IPv4 alone', () => {
    expect(reachableAddresses('0.0.0.0', machine)).toEqual(['127.0.0.1', '192.0.2.2']);
  });
});
