import { describe, expect, it } from '@jest/globals';
import {
  admit,
  createAdmission,
  DEFAULT_ADMISSION_LIMITS,
  isLoopback,
  recordAuthFailure,
  recordAuthSuccess,
  release,
} from '../../../streams/server/admission.js';

const limits = { ...DEFAULT_ADMISSION_LIMITS, maxClients: 3, maxPerAddress: 2, maxAuthFailures: 2, lockoutMs: 1000 };

describe('admission', () => {
  it('refuses past the total cap, and admits again after a release', () => {
    const admission = createAdmission(limits);
    expect(admit(admission, '10.0.0.1', 0)).toEqual({ ok: true });
    expect(admit(admission, '10.0.0.2', 0)).toEqual({ ok: true });
    expect(admit(admission, '10.0.0.3', 0)).toEqual({ ok: true });
    expect(admit(admission, '10.0.0.4', 0)).toEqual({ ok: false, reason: 'server full' });
    release(admission, '10.0.0.2');
    expect(admit(admission, '10.0.0.4', 0)).toEqual({ ok: true });
  });

  it('caps one address, but not loopback unless asked', () => {
    const admission = createAdmission({ ...limits, maxClients: 100 });
    expect(admit(admission, '10.0.0.1', 0).ok).toBe(true);
    expect(admit(admission, '10.0.0.1', 0).ok).toBe(true);
    expect(admit(admission, '10.0.0.1', 0)).toEqual({ ok: false, reason: 'too many connections from 10.0.0.1' });
    for (let i = 0; i < 5; i++) expect(admit(admission, '127.0.0.1', 0).ok).toBe(true);

    const strict = createAdmission({ ...limits, maxClients: 100, limitLoopback: true });
    expect(admit(strict, '::1', 0).ok).toBe(true);
    expect(admit(strict, '::1', 0).ok).toBe(true);
    expect(admit(strict, '::1', 0).ok).toBe(false);
  });

  it('locks an address out after repeated failed passwords, for a while', () => {
    const admission = createAdmission({ ...limits, maxClients: 100, maxPerAddress: 100 });
    recordAuthFailure(admission, '10.0.0.9', 0);
    expect(admit(admission, '10.0.0.9', 10).ok).toBe(true);
    recordAuthFailure(admission, '10.0.0.9', 20);
    expect(admit(admission, '10.0.0.9', 30)).toEqual({ ok: false, reason: 'too many failed passwords; try again later' });
    expect(admit(admission, '10.0.0.8', 30).ok).toBe(true);
    expect(admit(admission, '10.0.0.9', 1020).ok).toBe(true);
    // After the lockout one more failure is not enough to lock again.
    recordAuthFailure(admission, '10.0.0.9', 1030);
    expect(admit(admission, '10.0.0.9', 1040).ok).toBe(true);
  });

  it('forgets failures after a success', () => {
    const admission = createAdmission({ ...limits, maxClients: 100 });
    recordAuthFailure(admission, '10.0.0.9', 0);
    recordAuthSuccess(admission, '10.0.0.9');
    recordAuthFailure(admission, '10.0.0.9', 1);
    expect(admit(admission, '10.0.0.9', 2).ok).toBe(true);
  });

  it('remembers a bounded number of failing addresses', () => {
    const admission = createAdmission({ ...limits, maxClients: 100 });
    for (let i = 0; i < 10_050; i++) recordAuthFailure(admission, `fd00::${i.toString(16)}`, 0);
    expect(admission.failures.size).toBeLessThanOrEqual(10_000);
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['10.0.0.1', '::2', '::ffff:10.0.0.1', '128.0.0.1'].some(isLoopback)).toBe(false);
  });
});
