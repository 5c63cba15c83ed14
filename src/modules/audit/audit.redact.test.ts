// Proves the audit viewer's filter: secret keys are redacted at any depth, phone, ID and card
// numbers are masked wherever they appear, and harmless values (MIDs, codes of actions) pass.
import { describe, expect, it } from 'vitest';
import { detailsDepthMax, redactDetails, redactedText } from './audit.redact.js';

describe('redactDetails', () => {
  it.each([
    [{ password: 'Correct-Horse-9' }, { password: redactedText }],
    [{ newPassword: 'x', supervisorPin: '1234' }, { newPassword: redactedText, supervisorPin: redactedText }],
    [{ activationCode: '123456789012' }, { activationCode: redactedText }],
    [{ idNumber: '110105199003071239' }, { idNumber: redactedText }],
    [{ settlementAccount: { number: '6222021000000000017', holder: '张三' } }, { settlementAccount: { number: '6222***********0017', holder: '张三' } }],
    [{ phone: '13800138000' }, { phone: '138****8000' }],
    [{ callers: ['13912345678'] }, { callers: ['139****5678'] }],
    [{ found: '11010519900307123X' }, { found: '110***********123X' }],
    [{ mid: '898110054110001', field: 'idNumber', decision: 'approve' }, { mid: '898110054110001', field: 'idNumber', decision: 'approve' }],
    [{ operatorNo: '01', enabled: true, count: 3, note: null }, { operatorNo: '01', enabled: true, count: 3, note: null }],
  ])('%j → %j', (input, expected) => {
    expect(redactDetails(input)).toEqual(expected);
  });

  it('cuts off nesting beyond the depth limit', () => {
    let deep: Record<string, unknown> = { leaf: 'x' };
    for (let i = 0; i < detailsDepthMax + 2; i++) deep = { inner: deep };
    const text = JSON.stringify(redactDetails(deep));
    expect(text).toContain(redactedText);
    expect(text).not.toContain('leaf');
  });
});
