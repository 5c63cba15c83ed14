// Proves card-data detection: full card numbers (Luhn, 13–19 digits, grouped or not), track data
// and card-data field names are refused anywhere in a body; BIN, last four and ordinary keys pass.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/http/errors.js';
import { lookupBin } from './bin-table.js';
import { assertNoCardData, containsCardData, luhnValid } from './card-data.js';

function withLuhnDigit(body: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(body + d)) return body + d;
  throw new Error('unreachable');
}

describe('containsCardData', () => {
  it.each([
    ['4111111111111111', true],
    ['4111 1111 1111 1111', true],
    ['4111-1111-1111-1111', true],
    ['note 6222020000000000008 here', luhnValid('6222020000000000008')],
    [';4111111111111111=25121010000000000?', true],
    ['%B4111111111111111^ZHANG/SAN^2512101', true],
    ['6222021234567890123D25121010', true],
    ['4111111111111112', false],
    ['622202', false],
    ['1234', false],
    ['order-2026-05-01-0001', false],
  ])('%s → %s', (text, expected) => {
    expect(containsCardData(text)).toBe(expected);
  });

  it('finds any Luhn-valid 13–19 digit number', () => {
    fc.assert(fc.property(fc.integer({ min: 12, max: 18 }).chain((n) => fc.stringMatching(new RegExp(`^[1-9]\\d{${n - 1}}$`))), (body) => {
      expect(containsCardData(`x ${withLuhnDigit(body)} y`)).toBe(true);
    }));
  });
});

describe('assertNoCardData', () => {
  const code = (body: unknown) => {
    try { assertNoCardData(body); return null; } catch (e) { return e instanceof AppError ? [e.code, e.details.field] : e; }
  };
  it('names the field without echoing the value', () => {
    expect(code({ card: { bin: '4111111111111111', last4: '1111' } })).toEqual(['card_data_forbidden', 'card.bin']);
    expect(code({ operatorNo: '01', memo: ['a', '4111 1111 1111 1111'] })).toEqual(['card_data_forbidden', 'memo[1]']);
    expect(code({ card: { bin: '622202', last4: '0004', cvv: '123' } })).toEqual(['card_data_forbidden', 'card.cvv']);
    expect(code({ track2: 'x' })).toEqual(['card_data_forbidden', 'track2']);
    expect(code({ amount: 4111111111111111 })).toEqual(['card_data_forbidden', 'amount']);
  });
  it('does not mistake a millisecond timestamp in an idempotency key for a card number', () => {
    expect(luhnValid('1700000000004')).toBe(true);
    expect(code({ idempotencyKey: 'sale-1700000000004' })).toBeNull();
    expect(code({ idempotencyKey: 'sale-4111111111111111' })).toEqual(['card_data_forbidden', 'idempotencyKey']);
    expect(code({ memo: '1700000000004' })).toEqual(['card_data_forbidden', 'memo']);
  });
  it('lets a normal sale through', () => {
    expect(code({ idempotencyKey: 'k-1', method: 'credit_card', amount: 100, card: { bin: '622588', last4: '1234' } })).toBeNull();
  });
});

describe('BIN table', () => {
  it('knows debit and credit test BINs by longest prefix', () => {
    expect(lookupBin('62220212')?.kind).toBe('debit');
    expect(lookupBin('622588')?.kind).toBe('credit');
    expect(lookupBin('999999')).toBeUndefined();
  });
});
