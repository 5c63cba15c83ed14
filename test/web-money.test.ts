// Proves the web app's money and number formatting: integer fen to ¥1,234.56 without floating point,
// yuan text back to fen, ppm rates, countdowns, progress, code grouping and the daily chart series.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatCountdown, formatFen, formatPpm, groupCode, parsePercentToPpm, parseYuanToFen, progressPercent } from '../web/src/lib/money.js';
import { dailySeries, lastDays, shanghaiDate } from '../web/src/lib/series.js';
import { parseImportText } from '../web/src/lib/import.js';
import { ApiError, fieldErrorsOf, showFormError, toNamePath } from '../web/src/lib/errors.js';

describe('formatFen', () => {
  it.each([
    [0, '¥0.00'], [1, '¥0.01'], [10, '¥0.10'], [99, '¥0.99'], [100, '¥1.00'], [123456, '¥1,234.56'],
    [100000000, '¥1,000,000.00'], [-5, '-¥0.05'], [-123456, '-¥1,234.56'], [29800, '¥298.00'], [60_000_000, '¥600,000.00'],
    [Number.MAX_SAFE_INTEGER, '¥90,071,992,547,409.91'],
  ])('%d fen → %s', (fen, text) => {
    expect(formatFen(fen)).toBe(text);
  });

  it('formats bigint sums beyond 2^53', () => {
    expect(formatFen(12345678901234567890n)).toBe('¥123,456,789,012,345,678.90');
  });

  it('refuses non-integers instead of rounding money', () => {
    expect(() => formatFen(1.5)).toThrow(RangeError);
    expect(() => formatFen(Number.NaN)).toThrow(RangeError);
  });

  it('round-trips every amount through parseYuanToFen', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e13 }), (fen) => {
      expect(parseYuanToFen(formatFen(fen))).toBe(fen);
    }));
  });
});

describe('parseYuanToFen', () => {
  it.each([
    ['10000', 1_000_000], ['10,000.5', 1_000_050], ['¥0.01', 1], ['12.34', 1234], [' 7 ', 700],
    ['1.234', null], ['-1', null], ['abc', null], ['', null], ['1e3', null],
  ])('%s → %s', (text, fen) => {
    expect(parseYuanToFen(text)).toBe(fen);
  });
});

describe('formatPpm, countdown, progress, codes', () => {
  it.each([[3800, '0.38%'], [5000, '0.5%'], [6000, '0.6%'], [0, '0%'], [10_000, '1%'], [1, '0.0001%']])('%d ppm → %s', (ppm, text) => {
    expect(formatPpm(ppm)).toBe(text);
  });

  it.each([['0.38', 3800], ['0.38%', 3800], ['0.6', 6000], ['1', 10_000], ['0.0001', 1], ['100', 1_000_000],
    ['0.00001', null], ['101', null], ['-1', null], ['abc', null]])('%s%% → %s ppm', (text, ppm) => {
    expect(parsePercentToPpm(text)).toBe(ppm);
  });

  it('round-trips ppm through formatPpm', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1_000_000 }), (ppm) => {
      expect(parsePercentToPpm(formatPpm(ppm))).toBe(ppm);
    }));
  });

  it('counts down in days, hours, minutes and seconds, never below zero', () => {
    expect(formatCountdown(72 * 3600 * 1000)).toBe('3d 00:00:00');
    expect(formatCountdown(3_723_000)).toBe('01:02:03');
    expect(formatCountdown(-5000)).toBe('00:00:00');
  });

  it('computes integer progress percentages, capped at 100', () => {
    expect(progressPercent(30_000_000, 60_000_000)).toBe(50);
    expect(progressPercent(59_999_999, 60_000_000)).toBe(99);
    expect(progressPercent(70_000_000, 60_000_000)).toBe(100);
    expect(progressPercent(5, 0)).toBe(100);
  });

  it('groups activation codes by four digits', () => {
    expect(groupCode('123456789012')).toBe('1234 5678 9012');
  });
});

describe('daily series', () => {
  it('uses the Asia/Shanghai calendar date', () => {
    expect(shanghaiDate(new Date('2026-03-01T16:30:00Z'))).toBe('2026-03-02');
    expect(shanghaiDate(new Date('2026-03-01T15:59:59Z'))).toBe('2026-03-01');
  });

  it('fills every day of the window, zero where nothing happened', () => {
    const dates = lastDays('2026-03-02', 3);
    expect(dates).toEqual(['2026-02-28', '2026-03-01', '2026-03-02']);
    expect(dailySeries([
      { date: '2026-03-01', gross: 1000, fees: 6 }, { date: '2026-03-01', gross: 500, fees: 3 }, { date: '2026-01-01', gross: 9, fees: 9 },
    ], dates)).toEqual({ gross: [0, 1500, 0], fees: [0, 9, 0] });
  });
});

describe('inventory import text and API field errors', () => {
  it('parses CSV lines, skips the header, reports malformed lines', () => {
    const key = 'ab'.repeat(32);
    expect(parseImportText(`sn,modelCode,factoryKey\nSN1,SMART,${key}\nbad line\n\nSN2;SMART;${key}`)).toEqual({
      rows: [{ sn: 'SN1', modelCode: 'SMART', factoryKey: key }, { sn: 'SN2', modelCode: 'SMART', factoryKey: key }],
      lineErrors: [{ line: 3, text: 'bad line' }],
    });
    expect(parseImportText(`[{"sn":"A","modelCode":"M","factoryKey":"${key}"}]`).rows).toHaveLength(1);
  });

  it('maps the error shape to messages per field path', () => {
    const body = { error: { code: 'validation_failed', message: 'x', details: { fields: [
      { field: 'idNumber', rule: 'check_digit', message: 'check digit is wrong' },
      { field: 'address.cityCode', rule: 'pattern', message: 'must be 6 digits' },
      { field: 'idNumber', rule: 'length', message: 'must be 18 characters' },
    ] } } };
    expect(fieldErrorsOf(body)).toEqual({
      idNumber: 'check digit is wrong; must be 18 characters', 'address.cityCode': 'must be 6 digits',
    });
    expect(fieldErrorsOf({ genuine: false })).toEqual({});
    expect(toNamePath('terminals.3.sn')).toEqual(['terminals', 3, 'sn']);
  });

  it('shows field problems next to their fields, anything else as the whole error', () => {
    const set: unknown[] = [];
    const whole: ApiError[] = [];
    const form = { setFields: (fields: unknown[]) => { set.push(...fields); } };
    const fieldError = new ApiError(400, { error: { code: 'validation_failed', details: { fields: [{ field: 'address.city', message: 'required' }] } } });
    showFormError(form, fieldError, (e) => whole.push(e));
    expect(set).toEqual([{ name: ['address', 'city'], errors: ['required'] }]);
    expect(whole).toEqual([]);
    showFormError(form, new ApiError(409, { error: { code: 'login_taken', message: 'taken' } }), (e) => whole.push(e));
    showFormError(form, new TypeError('fetch failed'), (e) => whole.push(e));
    expect(whole.map((e) => e.code)).toEqual(['login_taken', 'network_error']);
    showFormError(form, fieldError, (e) => whole.push(e), (f) => f.split('.')[0]!);
    expect(set.at(-1)).toEqual({ name: 'address', errors: ['required'] });
  });
});

describe('notice codes in message texts', () => {
  it('finds the last notice code in zh-CN and English texts', async () => {
    const { noticeCodeIn } = await import('../web/src/lib/notice.js');
    expect(noticeCodeIn('您的 6 月 1 日结算已完成。核验码 K7M2Q9TX，可在官方网站“消息核验”页面核验。')).toBe('K7M2Q9TX');
    expect(noticeCodeIn('Settled. Notice code AB12CD34: check it on the Verify page.')).toBe('AB12CD34');
    expect(noticeCodeIn('no code here')).toBeNull();
  });
});
