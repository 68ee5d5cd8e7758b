import { peerAddress } from '../../../streams/server/peer-address.js';

describe('peerAddress', () => {
  it('shows an IPv4 peer as ip:port', () => {
    expect(peerAddress({ ip: '10.0.0.1', port: 4000 })).toBe('10.0.0.1:4000');
  });

  it('puts an IPv6 address in brackets, so its port stays apart', () => {
    expect(peerAddress({ ip: '::1', port: 4000 })).toBe('[::1]:4000');
  });

  it('names an address that could not be read', () => {
    expect(peerAddress({ ip: '', port: 0 })).toBe('unknown:0');
  });
});
