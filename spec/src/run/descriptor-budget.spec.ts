import { describe, expect, it } from '@jest/globals';
import { DEFAULT_ADMISSION_LIMITS } from '../../../streams/server/admission.js';
import { descriptorBudget, droppedSentence } from '../../../src/run/descriptor-budget.js';

describe('descriptorBudget', () => {
  it('leaves --max-clients alone when the open-file limit has room for them', () => {
    const budget = descriptorBudget({ limit: 1_048_576, open: 20 }, DEFAULT_ADMISSION_LIMITS);
    expect(budget).toEqual({ sockets: 1_048_576 - 20 - 32, admission: DEFAULT_ADMISSION_LIMITS });
  });

  it('lowers --max-clients to what the descriptors allow, and says so once', () => {
    const budget = descriptorBudget({ limit: 1024, open: 20 }, DEFAULT_ADMISSION_LIMITS);
    expect(budget?.sockets).toBe(972);
    expect(budget?.admission).toEqual({ ...DEFAULT_ADMISSION_LIMITS, maxClients: 940 });
    expect(budget?.warning).toBe(
      'at most 940 clients, not 10000: the open-file limit is 1024 (raise it with ulimit -n, or LimitNOFILE= in a systemd unit)',
    );
  });

  it('plans nothing when the limit is unknown or too small to plan with', () => {
    expect(descriptorBudget(undefined, DEFAULT_ADMISSION_LIMITS)).toBeUndefined();
    expect(descriptorBudget({ limit: 80, open: 20 }, DEFAULT_ADMISSION_LIMITS)).toBeUndefined();
  });
});

describe('droppedSentence', () => {
  it('counts the burst and says how to raise the limit', () => {
    expect(droppedSentence(1, 200)).toBe(
      'out of file descriptors: closed 1 connection unanswered (open-file limit 200; raise it with ulimit -n, or LimitNOFILE= in a systemd unit)',
    );
    expect(droppedSentence(10, undefined)).toMatch(/^out of file descriptors: closed 10 connections unanswered \(open-file limit unknown;/);
  });
});
