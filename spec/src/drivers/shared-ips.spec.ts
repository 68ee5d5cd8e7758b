import { describe, expect, it } from '@jest/globals';
import { SharedIps } from '../../../src/drivers/shared-ips.js';

describe('SharedIps', () => {
  it('gives back each address as it was given, and remembers each once', () => {
    const ips = new SharedIps();
    expect(['127.0.0.1', '::1', '127.0.0.1', '10.0.0.2', '::1'].map((ip) => ips.share(ip))).toEqual([
      '127.0.0.1',
      '::1',
      '127.0.0.1',
      '10.0.0.2',
      '::1',
    ]);
    expect(ips.remembered).toBe(3);
  });

  it('remembers at most its size, whoever comes, and starts again past it', () => {
    const ips = new SharedIps(100);
    for (let i = 0; i < 1000; i++) {
      expect(ips.share(`10.0.${i >> 8}.${i & 255}`)).toBe(`10.0.${i >> 8}.${i & 255}`);
      expect(ips.remembered).toBeLessThanOrEqual(100);
    }
    expect(ips.remembered).toBe(1000 % 100 || 100);
  });
});
