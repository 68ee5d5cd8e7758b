import { describe, expect, it } from '@jest/globals';
import { parseModeration } from '../../../streams/protocol/moderation-command.js';
import { formatUntil } from '../../../streams/protocol/until.js';
import { bannedReason, parseFarewell } from '../../../streams/protocol/farewell.js';

describe('parseModeration', () => {
  it('reads /ban with a target, then a duration with its unit, then a reason; a bare number is part of the reason', () => {
    expect(parseModeration('ban', 'ada')).toEqual({ kind: 'ban', target: 'ada', reason: '' });
    expect(parseModeration('ban', '10.0.0.0/8 7d  spam  bots')).toEqual({
      kind: 'ban',
      target: '10.0.0.0/8',
      ms: 604_800_000,
      reason: 'spam  bots',
    });
    expect(parseModeration('ban', 'ada 1h30m')).toEqual({ kind: 'ban', target: 'ada', ms: 5_400_000, reason: '' });
    expect(parseModeration('ban', 'ada 3 floods')).toEqual({ kind: 'ban', target: 'ada', reason: '3 floods' });
    expect(parseModeration('ban', 'ada 5x')).toEqual({
      kind: 'invalid',
      error: expect.stringMatching(/^usage: \/ban .*a DURATION such as 10m/),
    });
    expect(parseModeration('ban', '')).toEqual({ kind: 'invalid', error: 'usage: /ban NICK|ADDRESS|CIDR [DURATION] [REASON]' });
  });

  it('reads /mute NICK [DURATION] and nothing after it', () => {
    expect(parseModeration('mute', 'ada')).toEqual({ kind: 'mute', name: 'ada' });
    expect(parseModeration('mute', 'ada 10m')).toEqual({ kind: 'mute', name: 'ada', ms: 600_000 });
    expect(parseModeration('mute', 'ada loud')).toEqual({
      kind: 'invalid',
      error: 'usage: /mute NICK [DURATION] (a DURATION such as 10m, 2h, 7d)',
    });
  });

  it('reads the rest: /kick, /unban, /unmute, /op, /deop with their argument; /lock, /unlock with or without a room; /bans, /ops', () => {
    expect(parseModeration('kick', 'ada  go  away')).toEqual({ kind: 'kick', name: 'ada', reason: 'go  away' });
    expect(parseModeration('unban', '10.0.0.1')).toEqual({ kind: 'unban', target: '10.0.0.1' });
    expect(parseModeration('unmute', '')).toEqual({ kind: 'invalid', error: 'usage: /unmute NICK' });
    expect(parseModeration('op', 'ada')).toEqual({ kind: 'op', name: 'ada' });
    expect(parseModeration('deop', 'ada')).toEqual({ kind: 'deop', name: 'ada' });
    expect(parseModeration('lock', '')).toEqual({ kind: 'lock' });
    expect(parseModeration('unlock', '#dev')).toEqual({ kind: 'unlock', room: '#dev' });
    expect(parseModeration('bans', 'whatever')).toEqual({ kind: 'bans' });
    expect(parseModeration('ops', '')).toEqual({ kind: 'ops' });
  });
});

describe('formatUntil and the ban sentence', () => {
  it('says when, in UTC, to the minute (and the second when there is one), or until further notice', () => {
    expect(formatUntil(Date.UTC(2026, 11, 5, 14, 0))).toBe('until 2026-12-05 14:00 UTC');
    expect(formatUntil(Date.UTC(2026, 11, 5, 14, 0, 30))).toBe('until 2026-12-05 14:00:30 UTC');
    expect(formatUntil(undefined)).toBe('until further notice');
  });

  it('is read back by tcpchat’s client as a farewell, also after the welcome (a member banned while in)', () => {
    const reason = bannedReason('spam', undefined);
    expect(reason).toBe('banned: spam (until further notice)');
    expect(parseFarewell({ kind: 'error', text: reason }, true)).toEqual({ refused: true, reason });
    expect(parseFarewell({ kind: 'error', text: 'no such nick: bob' }, true)).toBeUndefined();
    expect(bannedReason('', undefined)).toBe('banned: no reason given (until further notice)');
  });
});
