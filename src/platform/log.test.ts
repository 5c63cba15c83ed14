// Proves that log masking replaces sensitive keys at any depth and leaves everything else alone.
import { describe, expect, it } from 'vitest';
import { maskSensitive, redactedValue } from './log.js';

describe('maskSensitive', () => {
  it.each([
    [{ idNumber: '110105198506123454' }, { idNumber: redactedValue }],
    [{ a: { b: { c: { factoryKey: 'ff' } } } }, { a: { b: { c: { factoryKey: redactedValue } } } }],
    [{ list: [{ code: '123456789012' }, { sn: 'SN1' }] }, { list: [{ code: redactedValue }, { sn: 'SN1' }] }],
    [{ headers: { Authorization: 'Bearer k', Cookie: 's=1', host: 'h' } },
      { headers: { Authorization: redactedValue, Cookie: redactedValue, host: 'h' } }],
    [{ ownerPassword: 'p', webhookSecret: 's', pin: '1234', terminalKey: 'k' },
      { ownerPassword: redactedValue, webhookSecret: redactedValue, pin: redactedValue, terminalKey: redactedValue }],
    [{ settlementAccount: { number: '6217', holder: '李四' } }, { settlementAccount: { number: redactedValue, holder: '李四' } }],
    [{ code: null, merchantId: 'mch_1', count: 3 }, { code: null, merchantId: 'mch_1', count: 3 }],
  ])('masks %j', (input, expected) => {
    expect(maskSensitive(input)).toEqual(expected);
  });

  it('keeps errors and stops at cycles', () => {
    const err = new Error('boom');
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    const masked = maskSensitive({ err, cyclic }) as { err: Error; cyclic: Record<string, unknown> };
    expect(masked.err).toBe(err);
    expect(masked.cyclic.self).toBe('[circular]');
  });
});
