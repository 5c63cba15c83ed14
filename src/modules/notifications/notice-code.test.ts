// Proves notice codes are 8 unambiguous characters, that look-ups normalise case, spaces and dashes,
// and that retry backoff doubles up to its cap.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffSeconds, noticeCodeAlphabet } from './notification.limits.js';
import { newNoticeCode, normaliseNoticeCode } from './notification.service.js';

describe('notice codes', () => {
  it('are 8 characters without 0, O, 1, I or L', () => {
    for (let i = 0; i < 200; i++) expect(newNoticeCode()).toMatch(/^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$/);
    expect(noticeCodeAlphabet).not.toMatch(/[01OIL]/);
  });

  it.each([
    ['k7m2q9tx', 'K7M2Q9TX'], ['K7M2 Q9TX', 'K7M2Q9TX'], [' k7m2-q9tx ', 'K7M2Q9TX'], ['Ｋ７Ｍ２Ｑ９ＴＸ', 'K7M2Q9TX'],
  ])('normalises %j', (input, expected) => {
    expect(normaliseNoticeCode(input)).toBe(expected);
  });

  it('normalising is idempotent', () => {
    fc.assert(fc.property(fc.string(), (s) => normaliseNoticeCode(normaliseNoticeCode(s)) === normaliseNoticeCode(s)));
  });
});

describe('backoff', () => {
  it.each([[1, 30], [2, 60], [3, 120], [4, 240], [8, 3600], [20, 3600]])('after attempt %i waits %i s', (attempt, seconds) => {
    expect(backoffSeconds(attempt, 30, 3600)).toBe(seconds);
  });
});
