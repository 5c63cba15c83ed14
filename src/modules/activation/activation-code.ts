// Activation, pairing and verification codes (SPEC §5). Activation codes are 12 digits: 11 from a
// CSPRNG and a Damm check digit, so a terminal catches any single-digit typo and any adjacent
// transposition locally, before it costs an attempt. Pure functions; storage is elsewhere.
import { randomInt } from 'node:crypto';

/** The Damm quasigroup of order 10 (weakly totally anti-symmetric, zero diagonal). */
const dammTable: readonly (readonly number[])[] = [
  [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
  [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
  [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
  [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
  [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
  [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
  [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
  [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
  [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
  [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

export const activationCodeDigits = 12;
export const pairingCodeLength = 6;
export const verificationCodeDigits = 6;
/** No 0/O, 1/I/L, 2/Z, 5/S, 8/B: nothing a merchant can misread on a small screen. */
export const pairingAlphabet = '34679ACDEFGHJKMNPQRTUVWXY';

function dammInterim(digits: string): number {
  let interim = 0;
  for (const ch of digits) interim = dammTable[interim]![ch.charCodeAt(0) - 48]!;
  return interim;
}

/** The Damm check digit of a string of decimal digits. */
export function dammCheckDigit(digits: string): string {
  if (!/^\d*$/.test(digits)) throw new Error('dammCheckDigit takes decimal digits only');
  return String(dammInterim(digits));
}

/** True when the last digit is the Damm check digit of the others. */
export function dammValid(digits: string): boolean {
  return /^\d+$/.test(digits) && dammInterim(digits) === 0;
}

/** Removes the spaces and dashes a merchant may type (`1234 5678 9012`). */
export function normalizeActivationCode(input: string): string {
  return input.replace(/[\s-]/g, '');
}

export type ActivationCodeShape = 'ok' | 'malformed';

/** 12 digits with a valid check digit; anything else is malformed (no attempt is counted). */
export function checkActivationCode(code: string): ActivationCodeShape {
  return code.length === activationCodeDigits && dammValid(code) ? 'ok' : 'malformed';
}

export function generateActivationCode(random: (max: number) => number = randomInt): string {
  let body = '';
  for (let i = 0; i < activationCodeDigits - 1; i++) body += String(random(10));
  return body + dammCheckDigit(body);
}

/** `123456789012` → `1234 5678 9012`, as the code is displayed. */
export function formatActivationCode(code: string): string {
  return code.replace(/(\d{4})(?=\d)/g, '$1 ');
}

export function generatePairingCode(random: (max: number) => number = randomInt): string {
  let code = '';
  for (let i = 0; i < pairingCodeLength; i++) code += pairingAlphabet[random(pairingAlphabet.length)];
  return code;
}

export function normalizePairingCode(input: string): string {
  return input.replace(/[\s-]/g, '').toUpperCase();
}

export function generateVerificationCode(random: (max: number) => number = randomInt): string {
  let code = '';
  for (let i = 0; i < verificationCodeDigits; i++) code += String(random(10));
  return code;
}
