// Proves what the registration wizard sends: filled fields only, never masked numbers back, and
// null for an optional field the user emptied on a saved draft.
import { describe, expect, it } from 'vitest';
import { draftBody } from '../web/src/portal/merchant-draft.js';

describe('draftBody', () => {
  const values = {
    type: 'enterprise' as const, legalName: ' 老王面馆 ', phone: '13800138000', email: '', idNumber: '110***********1234',
    uscc: '', licenseName: null, mcc: '5812', address: { city: '北京市', line: '' }, settlementAccount: { number: '6222***1234', holder: '王五' },
  };

  it('sends filled fields only, with the type on creation, and no masked number', () => {
    expect(draftBody(values, true)).toEqual({
      type: 'enterprise', legalName: ' 老王面馆 ', phone: '13800138000', mcc: '5812',
      address: { city: '北京市' }, settlementAccount: { holder: '王五' },
    });
  });

  it('sends null for optional fields the user emptied on a saved draft, and only for those', () => {
    const body = draftBody(values, false, ['email', 'licenseName', 'phone']);
    expect(body).toMatchObject({ email: null, licenseName: null, phone: '13800138000' });
    expect(body).not.toHaveProperty('uscc');
    expect(body).not.toHaveProperty('type');
    expect(body).not.toHaveProperty('idNumber');
  });

  it('never clears on creation, and never clears a field that still holds a value', () => {
    expect(draftBody(values, true, ['email'])).not.toHaveProperty('email');
    expect(draftBody({ ...values, email: 'a@shop.example' }, false, ['email']).email).toBe('a@shop.example');
  });
});
