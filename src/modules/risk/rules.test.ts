// Proves each risk rule hits at its threshold and stays silent just below it, and that
// nonsensical thresholds are refused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateRule, inNightWindow, validateParams, type TxnView } from './rules.js';

const at = (iso: string) => new Date(iso);
const sale = (id: string, amountFen: number, iso: string, status: TxnView['status'] = 'approved'): TxnView => ({ id, amountFen, status, at: at(iso) });
const base = { activatedAt: at('2030-01-01T00:00:00Z'), mcc: '5411' };

describe('velocity', () => {
  const params = { windowMinutes: 10, maxCount: 3 };
  const history = [sale('a', 100, '2030-02-01T02:01:00Z'), sale('b', 100, '2030-02-01T02:02:00Z'), sale('c', 100, '2030-02-01T02:03:00Z')];
  it('hits on the fourth sale in 10 minutes', () => {
    expect(evaluateRule('velocity', params, { ...base, txn: sale('d', 100, '2030-02-01T02:05:00Z'), history }).hit).toBe(true);
  });
  it('stays below with three', () => {
    expect(evaluateRule('velocity', params, { ...base, txn: sale('d', 100, '2030-02-01T02:05:00Z'), history: history.slice(1) }).hit).toBe(false);
  });
  it('ignores sales outside the window', () => {
    expect(evaluateRule('velocity', params, { ...base, txn: sale('d', 100, '2030-02-01T02:12:30Z'), history }).hit).toBe(false);
  });
  it('hits on amount', () => {
    const p = { windowMinutes: 10, maxAmountFen: 1000 };
    expect(evaluateRule('velocity', p, { ...base, txn: sale('d', 701, '2030-02-01T02:05:00Z'), history }).hit).toBe(true);
    expect(evaluateRule('velocity', p, { ...base, txn: sale('d', 700, '2030-02-01T02:05:00Z'), history }).hit).toBe(false);
  });
});

describe('large amount after activation', () => {
  const params = { amountFen: 5_000_000, days: 7 };
  it('hits at the amount within the days', () => {
    expect(evaluateRule('large_after_activation', params, { ...base, txn: sale('x', 5_000_000, '2030-01-07T23:00:00Z'), history: [] }).hit).toBe(true);
  });
  it('stays below one fen under, or after the days', () => {
    expect(evaluateRule('large_after_activation', params, { ...base, txn: sale('x', 4_999_999, '2030-01-02T00:00:00Z'), history: [] }).hit).toBe(false);
    expect(evaluateRule('large_after_activation', params, { ...base, txn: sale('x', 5_000_000, '2030-01-08T00:00:01Z'), history: [] }).hit).toBe(false);
  });
});

describe('round amounts', () => {
  const params = { count: 3, multipleFen: 100_000 };
  const history = [sale('a', 200_000, '2030-02-01T02:00:00Z'), sale('b', 100_000, '2030-02-01T03:00:00Z')];
  it('hits on the third round sale of the day', () => {
    expect(evaluateRule('round_amounts', params, { ...base, txn: sale('c', 500_000, '2030-02-01T04:00:00Z'), history }).hit).toBe(true);
  });
  it('stays below with a non-round amount or another day', () => {
    expect(evaluateRule('round_amounts', params, { ...base, txn: sale('c', 500_001, '2030-02-01T04:00:00Z'), history }).hit).toBe(false);
    expect(evaluateRule('round_amounts', params, { ...base, txn: sale('c', 500_000, '2030-02-02T04:00:00Z'), history }).hit).toBe(false);
  });
});

describe('declines burst', () => {
  const params = { count: 3, windowMinutes: 10 };
  const history = [sale('a', 100, '2030-02-01T02:01:00Z', 'declined'), sale('b', 100, '2030-02-01T02:02:00Z', 'declined')];
  it('hits on the third decline', () => {
    expect(evaluateRule('declines_burst', params, { ...base, txn: sale('c', 100, '2030-02-01T02:03:00Z', 'declined'), history }).hit).toBe(true);
  });
  it('stays below with two, and ignores approvals', () => {
    expect(evaluateRule('declines_burst', params, { ...base, txn: sale('c', 100, '2030-02-01T02:03:00Z', 'declined'), history: history.slice(1) }).hit).toBe(false);
    expect(evaluateRule('declines_burst', params, { ...base, txn: sale('c', 100, '2030-02-01T02:03:00Z'), history }).hit).toBe(false);
  });
});

describe('night activity', () => {
  const params = { startMinute: 0, endMinute: 300, mccs: ['5411'] };
  it('hits at 02:00 Shanghai for a day-time MCC', () => {
    expect(evaluateRule('night_activity', params, { ...base, txn: sale('n', 100, '2030-02-01T18:00:00Z'), history: [] }).hit).toBe(true);
  });
  it('stays silent at 05:00 Shanghai and for other MCCs', () => {
    expect(evaluateRule('night_activity', params, { ...base, txn: sale('n', 100, '2030-02-01T21:00:00Z'), history: [] }).hit).toBe(false);
    expect(evaluateRule('night_activity', params, { ...base, mcc: '5812', txn: sale('n', 100, '2030-02-01T18:00:00Z'), history: [] }).hit).toBe(false);
  });
  it('handles windows across midnight', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1439 }), (minute) => {
      const instant = new Date(Date.parse('2030-02-01T00:00:00+08:00') + minute * 60_000);
      expect(inNightWindow(instant, 1380, 300)).toBe(minute >= 1380 || minute < 300);
    }));
  });
});

describe('validation', () => {
  it.each([
    ['velocity', { windowMinutes: 0, maxCount: 3 }, 'params.windowMinutes'],
    ['velocity', { windowMinutes: 10 }, 'params.maxCount'],
    ['large_after_activation', { amountFen: -1, days: 7 }, 'params.amountFen'],
    ['round_amounts', { count: 0, multipleFen: 100_000 }, 'params.count'],
    ['declines_burst', { count: 3, windowMinutes: 1.5 }, 'params.windowMinutes'],
    ['night_activity', { startMinute: 0, endMinute: 0, mccs: ['5411'] }, 'params.endMinute'],
  ] as const)('refuses %s %j', (kind, params, field) => {
    expect(validateParams(kind, params as Record<string, unknown>).map((e) => e.field)).toContain(field);
  });
});
