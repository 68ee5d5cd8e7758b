import { describe, expect, it } from '@jest/globals';
import { hashSecret, verifySecret } from '../../../src/drivers/secret-hash.js';

/** Registered nicks' secrets: real scrypt hashes (kept with the facts: spec/src/run/serve-data.spec.ts). */

describe('hashSecret and verifySecret', () => {
  it('checks the right secret and no other, and salts each hash on its own', async () => {
    const [one, two] = await Promise.all([hashSecret('open sesame'), hashSecret('open sesame')]);
    expect(one).toMatch(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(one).not.toBe(two);
    expect(one).not.toContain('sesame');
    expect(await verifySecret('open sesame', one)).toBe(true);
    expect(await verifySecret('open sesame', two)).toBe(true);
    expect(await verifySecret('open Sesame', one)).toBe(false);
    expect(await verifySecret('', one)).toBe(false);
  });

  it('never matches a hash in a form it does not know', async () => {
    expect(await verifySecret('x', 'x')).toBe(false);
    expect(await verifySecret('x', 'scrypt$0$8$1$AAAA$AAAA')).toBe(false);
    expect(await verifySecret('x', 'md5$abc')).toBe(false);
  });
});
