// Pure validators of merchant data (SPEC §3): PRC resident ID numbers (GB 11643, ISO 7064
// MOD 11-2), Unified Social Credit Codes (GB 32100), Luhn card numbers, mainland mobile numbers,
// calendar dates. Each answers a value, never throws; callers turn failures into field errors.

const residentIdWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const residentIdCheckChars = '10X98765432';

/** The GB 11643 check character of the first 17 digits of a resident ID number. */
export function residentIdCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new Error('residentIdCheckChar needs 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * residentIdWeights[i]!;
  return residentIdCheckChars[sum % 11]!;
}

/** A real calendar date `YYYY-MM-DD` (no 2023-02-30). */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export type ResidentIdProblem = 'format' | 'birth_date' | 'check_digit';

/**
 * Why an 18-character resident ID number is not valid, or null when it is. The birth date
 * (digits 7–14) must be a real date from 1900 up to `today` (YYYY-MM-DD).
 */
export function residentIdProblem(value: string, today: string): ResidentIdProblem | null {
  if (!/^\d{17}[\dX]$/.test(value)) return 'format';
  const birth = `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;
  if (!isCalendarDate(birth) || birth < '1900-01-01' || birth > today) return 'birth_date';
  if (residentIdCheckChar(value.slice(0, 17)) !== value[17]) return 'check_digit';
  return null;
}

export function isResidentId(value: string, today: string): boolean {
  return residentIdProblem(value, today) === null;
}

const usccAlphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const usccWeights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/** The GB 32100 check character of the first 17 characters of a USCC. */
export function usccCheckChar(first17: string): string {
  if (first17.length !== 17) throw new Error('usccCheckChar needs 17 characters');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const code = usccAlphabet.indexOf(first17[i]!);
    if (code < 0) throw new Error('usccCheckChar: character outside the GB 32100 alphabet');
    sum += code * usccWeights[i]!;
  }
  return usccAlphabet[(31 - (sum % 31)) % 31]!;
}

export type UsccProblem = 'format' | 'check_digit';

/** Why a Unified Social Credit Code is not valid (18 characters, GB 32100), or null. */
export function usccProblem(value: string): UsccProblem | null {
  if (!/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(value)) return 'format';
  if (usccCheckChar(value.slice(0, 17)) !== value[17]) return 'check_digit';
  return null;
}

export function isUscc(value: string): boolean {
  return usccProblem(value) === null;
}

/** The Luhn check digit to append to `payload` (digits only). */
export function luhnCheckDigit(payload: string): string {
  if (!/^\d+$/.test(payload)) throw new Error('luhnCheckDigit needs digits');
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    let digit = Number(payload[payload.length - 1 - i]);
    if (i % 2 === 0) { digit *= 2; if (digit > 9) digit -= 9; }
    sum += digit;
  }
  return String((10 - (sum % 10)) % 10);
}

export function isLuhnValid(value: string): boolean {
  if (!/^\d{2,}$/.test(value)) return false;
  return luhnCheckDigit(value.slice(0, -1)) === value.slice(-1);
}

/** A bank card number: 16–19 digits with a valid Luhn check digit. */
export function isBankCardNumber(value: string): boolean {
  return /^\d{16,19}$/.test(value) && isLuhnValid(value);
}

/** A corporate settlement account number: 8–32 digits (no check digit scheme in common). */
export function isCorporateAccountNumber(value: string): boolean {
  return /^\d{8,32}$/.test(value);
}

/** Mainland China mobile numbers: 11 digits starting 13–19, with an optional +86 prefix. */
export function normalizeMobile(value: string): string | null {
  const compact = value.replace(/[\s-]/g, '').replace(/^(\+?86)(?=1\d{10}$)/, '');
  return /^1[3-9]\d{9}$/.test(compact) ? compact : null;
}

export function isMainlandMobile(value: string): boolean {
  return normalizeMobile(value) !== null;
}

export function isEmail(value: string): boolean {
  return value.length <= 254 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}

/** A six-digit administrative division code (GB/T 2260), e.g. 110100 for Beijing. */
export function isDivisionCode(value: string): boolean {
  return /^[1-8]\d{5}$/.test(value);
}

/** Whole days from `from` to `to` (both YYYY-MM-DD); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
