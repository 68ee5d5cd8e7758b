import { describe, expect, it } from '@jest/globals';
import { accessList, InvalidCidrError } from '../../../src/drivers/access-list.js';

describe('accessList', () => {
  it('lets everyone in when there are no rules', () => {
    const open = accessList({ allow: [], deny: [] });
    expect(['127.0.0.1', '203.0.113.9', '::1', ''].map((ip) => open.admits(ip))).toEqual([true, true, true, true]);
  });

  it('keeps out denied blocks and single addresses, IPv4 and IPv6', () => {
    const list = accessList({ allow: [], deny: ['10.0.0.0/8', '192.0.2.7', 'fd00::/8', '::1'] });
    expect(list.admits('10.200.3.4')).toBe(false);
    expect(list.admits('192.0.2.7')).toBe(false);
    expect(list.admits('192.0.2.8')).toBe(true);
    expect(list.admits('fd12::5')).toBe(false);
    expect(list.admits('::1')).toBe(false);
    expect(list.admits('2001:db8::1')).toBe(true);
  });

  it('with any allow rule, lets in only allowed addresses', () => {
    const list = accessList({ allow: ['127.0.0.0/8'], deny: [] });
    expect(list.admits('127.0.0.1')).toBe(true);
    expect(list.admits('127.99.0.1')).toBe(true);
    expect(list.admits('10.0.0.1')).toBe(false);
    expect(list.admits('::1')).toBe(false);
  });

  it('with an allow list in force (an --allow-file), lets nobody in while it is empty', () => {
    const closed = accessList({ allow: [], deny: [], allowListed: true });
    expect(['127.0.0.1', '::1'].map((ip) => closed.admits(ip))).toEqual([false, false]);
  });

  it('lets deny win over allow', () => {
    const list = accessList({ allow: ['127.0.0.0/8'], deny: ['127.0.0.1/32'] });
    expect(list.admits('127.0.0.1')).toBe(false);
    expect(list.admits('127.0.0.2')).toBe(true);
  });

  it('matches IPv4-mapped IPv6 peers (a dual-stack listener) against IPv4 rules', () => {
    expect(accessList({ allow: [], deny: ['127.0.0.0/8'] }).admits('::ffff:127.0.0.1')).toBe(false);
    expect(accessList({ allow: ['127.0.0.0/8'], deny: [] }).admits('::ffff:127.0.0.1')).toBe(true);
  });

  it('refuses a peer without an address when there are rules', () => {
    expect(accessList({ allow: [], deny: ['10.0.0.0/8'] }).admits('')).toBe(false);
  });

  it.each(['10.0.0.0/33', '300.1.2.3', '10.0.0.0/8/8', 'fd00::/129', '10.0.0.0/', '10.0.0.0/-1', 'localhost', ''])(
    'refuses the rule %j with one sentence naming the option',
    (rule) => {
      expect(() => accessList({ allow: [rule], deny: [] })).toThrow(InvalidCidrError);
      expect(() => accessList({ allow: [], deny: [rule] })).toThrow(`--deny ${rule === '' ? '""' : rule} is not an address or a CIDR block`);
    },
  );
});
