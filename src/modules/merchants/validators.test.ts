// Proves the KYC validators: known-good numbers pass, and for any generated number the check
// character is the one that makes it valid and every single-character change is caught.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKnownMcc, mccInfo, mccTable } from './mcc.js';
import {
  daysBetween, isBankCardNumber, isCalendarDate, isLuhnValid, isMainlandMobile, isResidentId, isUscc, luhnCheckDigit,
  normalizeMobile, residentIdCheckChar, residentIdProblem, usccCheckChar, usccProblem,
} from './validators.js';

const today = '2026-06-01';
const digits = (min: number, max = min) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(''));
const birthDate = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2026-05-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10).replace(/-/g, ''));
const residentId = fc.tuple(digits(6), birthDate, digits(3)).map(([area, birth, seq]) => {
  const first17 = `${area}${birth}${seq}`;
  return first17 + residentIdCheckChar(first17);
});
const usccAlphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const usccChar = fc.integer({ min: 0, max: 30 }).map((i) => usccAlphabet[i]!);
const uscc = fc.tuple(fc.array(usccChar, { minLength: 2, maxLength: 2 }), digits(6), fc.array(usccChar, { minLength: 9, maxLength: 9 }))
  .map(([head, area, body]) => { const first17 = head.join('') + area + body.join(''); return first17 + usccCheckChar(first17); });

describe('resident ID numbers (GB 11643, ISO 7064 MOD 11-2)', () => {
  it.each([
    ['11010519491231002X', null], ['110105199003071239', null], ['440305199206150006', null],
    ['110105199003071238', 'check_digit'], ['11010519900307123', 'format'], ['1101051990030712x9', 'format'],
    ['110105199002301234', 'birth_date'], ['110105209901011234', 'birth_date'], ['110105189912311234', 'birth_date'],
  ])('%s → %s', (value, problem) => {
    expect(residentIdProblem(value, today)).toBe(problem);
  });

  it('accepts every number whose check character was computed', () => {
    fc.assert(fc.property(residentId, (id) => isResidentId(id, today)));
  });

  it('rejects any single changed character', () => {
    fc.assert(fc.property(residentId, fc.nat(17), fc.integer({ min: 1, max: 10 }), (id, position, delta) => {
      const chars = '0123456789X';
      const old = id[position]!;
      if (position < 17 && old === 'X') return;
      const pool = position === 17 ? chars : chars.slice(0, 10);
      const replacement = pool[(pool.indexOf(old) + delta) % pool.length]!;
      if (replacement === old) return;
      const changed = id.slice(0, position) + replacement + id.slice(position + 1);
      expect(isResidentId(changed, today)).toBe(false);
    }));
  });
});

describe('Unified Social Credit Codes (GB 32100)', () => {
  it.each([
    ['91350100M000100Y43', null], ['91310115MA1K3XY02C', null], ['91350100M000100Y44', 'check_digit'],
    ['91350100M000100Y4', 'format'], ['9135010OM000100Y43', 'format'], ['91350100M000100Z43', 'format'],
  ])('%s → %s', (value, problem) => {
    expect(usccProblem(value)).toBe(problem);
  });

  it('accepts computed codes and rejects any single changed character', () => {
    fc.assert(fc.property(uscc, fc.nat(17), fc.integer({ min: 1, max: 30 }), (code, position, delta) => {
      expect(isUscc(code)).toBe(true);
      const old = code[position]!;
      const pool = position >= 2 && position < 8 ? '0123456789' : usccAlphabet;
      const replacement = pool[(pool.indexOf(old) + delta) % pool.length]!;
      if (replacement === old) return;
      expect(isUscc(code.slice(0, position) + replacement + code.slice(position + 1))).toBe(false);
    }));
  });
});

describe('Luhn', () => {
  it.each([['4111111111111111', true], ['6222021000000000017', true], ['6222021000000000018', false], ['79927398713', true]])('%s → %s', (value, ok) => {
    expect(isLuhnValid(value)).toBe(ok);
  });

  it('the computed check digit is valid and catches every single-digit error and adjacent swap', () => {
    fc.assert(fc.property(digits(15, 18), fc.nat(), fc.integer({ min: 1, max: 9 }), (payload, where, delta) => {
      const card = payload + luhnCheckDigit(payload);
      expect(isLuhnValid(card)).toBe(true);
      expect(isBankCardNumber(card)).toBe(true);
      const i = where % card.length;
      const changed = card.slice(0, i) + String((Number(card[i]) + delta) % 10) + card.slice(i + 1);
      expect(isLuhnValid(changed)).toBe(false);
      const j = where % (card.length - 1);
      const a = card[j]!;
      const b = card[j + 1]!;
      // Luhn misses only the 09 ↔ 90 swap.
      if (a !== b && !((a === '0' && b === '9') || (a === '9' && b === '0'))) {
        expect(isLuhnValid(card.slice(0, j) + b + a + card.slice(j + 2))).toBe(false);
      }
    }));
  });
});

describe('mobile numbers, dates, MCCs', () => {
  it.each([
    ['13800138000', '13800138000'], ['+86 138 0013 8000', '13800138000'], ['8613800138000', '13800138000'],
    ['12800138000', null], ['1380013800', null], ['138001380001', null], ['abc', null],
  ])('%s → %s', (value, normalized) => {
    expect(normalizeMobile(value)).toBe(normalized);
  });

  it('any 1[3-9] + 9 digits is a mobile number', () => {
    fc.assert(fc.property(fc.integer({ min: 3, max: 9 }), digits(9), (second, rest) => isMainlandMobile(`1${second}${rest}`)));
  });

  it.each([['2024-02-29', true], ['2023-02-29', false], ['2024-13-01', false], ['2024-1-01', false], ['2024-04-31', false]])('date %s → %s', (value, ok) => {
    expect(isCalendarDate(value)).toBe(ok);
  });

  it('every generated calendar day is a date and daysBetween counts days', () => {
    fc.assert(fc.property(fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), fc.integer({ min: -1000, max: 1000 }), (d, n) => {
      const a = d.toISOString().slice(0, 10);
      const b = new Date(Date.parse(`${a}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
      expect(isCalendarDate(a)).toBe(true);
      expect(daysBetween(a, b)).toBe(n);
    }));
  });

  it('knows common MCCs with names in both languages and flags', () => {
    expect(mccInfo('5812')).toMatchObject({ zh: '餐馆', en: 'Eating places and restaurants', daytime: true, highRisk: false });
    expect(mccInfo('7995')).toMatchObject({ highRisk: true, daytime: false });
    expect(isKnownMcc('0000')).toBe(false);
    for (const info of mccTable.values()) {
      expect(info.code).toMatch(/^\d{4}$/);
      expect(info.zh.length).toBeGreaterThan(0);
      expect(info.en.length).toBeGreaterThan(0);
    }
  });
});
