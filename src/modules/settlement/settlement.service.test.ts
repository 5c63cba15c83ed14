// Proves the T+1 date rule: only calendar days before today in Asia/Shanghai may be settled.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/http/errors.js';
import { assertSettleableDate } from './settlement.service.js';

const cases: Array<{ now: string; date: string; ok: boolean; why: string }> = [
  { now: '2030-04-10T01:00:00Z', date: '2030-04-09', ok: true, why: 'yesterday in Shanghai' },
  { now: '2030-04-10T01:00:00Z', date: '2030-04-10', ok: false, why: 'today is not over' },
  { now: '2030-04-09T15:59:59Z', date: '2030-04-09', ok: false, why: '23:59:59 in Shanghai is still the same day' },
  { now: '2030-04-09T16:00:00Z', date: '2030-04-09', ok: true, why: 'midnight in Shanghai closes the day' },
  { now: '2030-04-10T01:00:00Z', date: '2031-01-01', ok: false, why: 'future' },
  { now: '2030-04-10T01:00:00Z', date: '2030-02-30', ok: false, why: 'not a calendar day' },
  { now: '2030-04-10T01:00:00Z', date: '2030-4-9', ok: false, why: 'not YYYY-MM-DD' },
  { now: '2030-04-10T01:00:00Z', date: '2020-02-29', ok: true, why: 'a leap day long ago' },
];

describe('assertSettleableDate', () => {
  it.each(cases)('$date at $now: $why', ({ now, date, ok }) => {
    const check = () => assertSettleableDate(date, new Date(now));
    if (ok) expect(check).not.toThrow();
    else {
      expect(check).toThrow(AppError);
      try { check(); } catch (err) { expect((err as AppError).code).toBe('settlement_date_invalid'); }
    }
  });

  it('names the latest settleable day', () => {
    try { assertSettleableDate('2030-04-10', new Date('2030-04-10T01:00:00Z')); } catch (err) {
      expect((err as AppError).details).toEqual({ date: '2030-04-10', latestSettleableDate: '2030-04-09' });
    }
  });
});
