// Proves the activation code format: Damm check digits catch every single-digit typo and every
// adjacent transposition, generated codes are 12 digits and valid, pairing codes avoid look-alikes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkActivationCode, dammCheckDigit, dammValid, formatActivationCode, generateActivationCode,
  generatePairingCode, normalizeActivationCode, pairingAlphabet,
} from './activation-code.js';

const elevenDigits = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 11, maxLength: 11 }).map((d) => d.join(''));

describe('Damm check digit', () => {
  it.each([
    ['572', '4'], ['5724', '0'], ['', '0'], ['0000000000', '0'], ['12345678901', dammCheckDigit('12345678901')],
  ])('check digit of %s is %s', (digits, check) => {
    expect(dammCheckDigit(digits)).toBe(check);
  });

  it('accepts 5724 and rejects 5734 and 7524', () => {
    expect(dammValid('5724')).toBe(true);
    expect(dammValid('5734')).toBe(false);
    expect(dammValid('7524')).toBe(false);
  });

  it('detects any single-digit substitution', () => {
    fc.assert(fc.property(elevenDigits, fc.integer({ min: 0, max: 11 }), fc.integer({ min: 1, max: 9 }), (body, position, delta) => {
      const code = body + dammCheckDigit(body);
      const wrong = (Number(code[position]) + delta) % 10;
      const typo = code.slice(0, position) + String(wrong) + code.slice(position + 1);
      expect(dammValid(code)).toBe(true);
      expect(dammValid(typo)).toBe(false);
    }), { numRuns: 2000 });
  });

  it('detects any adjacent transposition of different digits', () => {
    fc.assert(fc.property(elevenDigits, fc.integer({ min: 0, max: 10 }), (body, position) => {
      const code = body + dammCheckDigit(body);
      fc.pre(code[position] !== code[position + 1]);
      const swapped = code.slice(0, position) + code[position + 1] + code[position] + code.slice(position + 2);
      expect(dammValid(swapped)).toBe(false);
    }), { numRuns: 2000 });
  });
});

describe('activation codes', () => {
  it('generates 12 digits with a valid check digit', () => {
    for (let i = 0; i < 200; i++) {
      const code = generateActivationCode();
      expect(code).toMatch(/^\d{12}$/);
      expect(checkActivationCode(code)).toBe('ok');
    }
  });

  it('uses the random source for the 11 body digits', () => {
    const digits = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1];
    let i = 0;
    const code = generateActivationCode(() => digits[i++]!);
    expect(code.slice(0, 11)).toBe('12345678901');
    expect(code).toBe(`12345678901${dammCheckDigit('12345678901')}`);
  });

  it.each([['', 'malformed'], ['12345', 'malformed'], ['abcdefghijkl', 'malformed'], ['1234567890123', 'malformed']])(
    'checks the shape of %j', (code, shape) => { expect(checkActivationCode(code)).toBe(shape); });

  it('formats and normalizes the display form', () => {
    expect(formatActivationCode('123456789012')).toBe('1234 5678 9012');
    expect(normalizeActivationCode('1234 5678-9012')).toBe('123456789012');
  });
});

describe('pairing codes', () => {
  it('are 6 characters from an alphabet without look-alikes', () => {
    expect(pairingAlphabet).not.toMatch(/[0O1IL2Z5S8B]/);
    for (let i = 0; i < 100; i++) expect(generatePairingCode()).toMatch(new RegExp(`^[${pairingAlphabet}]{6}$`));
  });
});
