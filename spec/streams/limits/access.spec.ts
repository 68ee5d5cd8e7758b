import { describe, expect, it } from '@jest/globals';
import { admits, InvalidCidrError, parseAccess, type AccessRules } from '../../../streams/limits/access.js';

const admitted = (rules: AccessRules, ips: readonly string[]): boolean[] => {
  const list = parseAccess(rules);
  return ips.map((ip) => admits(list, ip));
};

describe('access list', () => {
  it('lets everyone in when there are no rules, even a peer whose address cannot be read', () => {
    expect(admitted({ allow: [], deny: [] }, ['127.0.0.1', '203.0.113.9', '::1', ''])).toEqual([true, true, true, true]);
  });

  it('keeps out denied blocks and single addresses, IPv4 and IPv6', () => {
    const rules = { allow: [], deny: ['10.0.0.0/8', '192.0.2.7', 'fd00::/8', '::1'] };
    expect(admitted(rules, ['10.200.3.4', '192.0.2.7', '192.0.2.8', '11.0.0.0', '9.255.255.255'])).toEqual([
      false,
      false,
      true,
      true,
      true,
    ]);
    expect(admitted(rules, ['fd12::5', 'fdff:ffff::1', '::1', '::2', '2001:db8::1', 'fe00::1'])).toEqual([
      false,
      false,
      false,
      true,
      true,
      true,
    ]);
  });

  it('with any allow rule, lets in only allowed addresses', () => {
    expect(admitted({ allow: ['127.0.0.0/8'], deny: [] }, ['127.0.0.1', '127.99.0.1', '10.0.0.1', '::1'])).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('with an allow list in force (an --allow-file), lets nobody in while it is empty', () => {
    expect(admitted({ allow: [], deny: [], allowListed: true }, ['127.0.0.1', '::1'])).toEqual([false, false]);
  });

  it('lets deny win over allow', () => {
    expect(admitted({ allow: ['127.0.0.0/8'], deny: ['127.0.0.1/32'] }, ['127.0.0.1', '127.0.0.2'])).toEqual([false, true]);
  });

  it('matches IPv4-mapped IPv6 peers (a dual-stack listener) against IPv4 rules, and IPv4 peers against mapped rules: one address', () => {
    expect(admitted({ allow: [], deny: ['127.0.0.0/8'] }, ['::ffff:127.0.0.1', '::ffff:7f00:2', '::FFFF:128.0.0.1'])).toEqual([
      false,
      false,
      true,
    ]);
    expect(admitted({ allow: ['127.0.0.0/8'], deny: [] }, ['::ffff:127.0.0.1', '::ffff:10.0.0.1'])).toEqual([true, false]);
    expect(admitted({ allow: ['::ffff:0:0/96'], deny: [] }, ['10.0.0.1', '::ffff:10.0.0.1', '::1'])).toEqual([true, true, false]);
    expect(admitted({ allow: [], deny: ['2001:db8::/32'] }, ['10.0.0.1', '::ffff:10.0.0.1'])).toEqual([true, true]);
  });

  it('reads a rule written as IPv4-mapped IPv6 as the IPv4 rule it is', () => {
    expect(admitted({ allow: [], deny: ['::ffff:10.0.0.0/104'] }, ['10.1.2.3', '::ffff:10.1.2.3', '11.0.0.1'])).toEqual([
      false,
      false,
      true,
    ]);
  });

  it('reads every way of writing IPv6: compressed, in full, upper case, a dotted tail, a zone', () => {
    const list = parseAccess({ allow: [], deny: ['2001:db8::/32'] });
    expect(
      [
        '2001:db8::1',
        '2001:0DB8:0000:0000:0000:0000:0000:0001',
        '2001:db8:1:2:3:4:5:6',
        '2001:db8::1.2.3.4',
        'fe80::1%eth0',
        '2001:db9::',
      ].map((ip) => admits(list, ip)),
    ).toEqual([false, false, false, false, true, true]);
    expect(admitted({ allow: [], deny: ['fe80::/10'] }, ['fe80::1%eth0', 'febf::1', 'fec0::1'])).toEqual([false, false, true]);
  });

  it('takes /0 as every address of its family and a full-length prefix as one address', () => {
    expect(admitted({ allow: [], deny: ['0.0.0.0/0'] }, ['1.2.3.4', '255.255.255.255', '::1'])).toEqual([false, false, true]);
    expect(admitted({ allow: [], deny: ['2001:db8::1/128'] }, ['2001:db8::1', '2001:db8::2'])).toEqual([false, true]);
  });

  it.each([
    '',
    'localhost',
    '1.2.3',
    '01.2.3.4',
    '1.2.3.4.5',
    '::1::',
    '1:2:3:4:5:6:7:8:9',
    '1::2:3:4:5:6:7:8',
    'g::1',
    '12345::1',
    '::1.2.3',
  ])('refuses a peer whose address %j cannot be read, when there are rules', (ip) => {
    expect(admitted({ allow: [], deny: ['10.0.0.0/8'] }, [ip])).toEqual([false]);
  });

  it.each(['10.0.0.0/33', '300.1.2.3', '10.0.0.0/8/8', 'fd00::/129', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/+8', 'localhost', ''])(
    'refuses the rule %j with one sentence naming the option',
    (rule) => {
      expect(() => parseAccess({ allow: [rule], deny: [] })).toThrow(InvalidCidrError);
      expect(() => parseAccess({ allow: [], deny: [rule] })).toThrow(
        `--deny ${rule === '' ? '""' : rule} is not an address or a CIDR block like 192.168.0.0/16 or fd00::/8`,
      );
    },
  );
});
