// PCI hygiene (SPEC §8): card data beyond BIN and last four is never accepted. Every request field
// (names and values, nested) is scanned for a full card number (a 13–19 digit run passing Luhn,
// spaces or dashes between digit groups allowed), track data, or fields that name such data.
import { AppError } from '../../platform/http/errors.js';

const panLengthMin = 13;
const panLengthMax = 19;
const scanDepthMax = 8;
const scanNodesMax = 1000;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

// Track 1 (`%B<PAN>^NAME^YYMM…`), track 2 (`;<PAN>=YYMM…` or the `D` separator of EMV tag 57).
const trackPatterns = [/%?B\d{12,19}\^/i, /;?\d{12,19}[=Dd]\d{4}/];
const forbiddenFieldNames = /^(pan|cardnumber|cardno|primaryaccountnumber|track[123]?(data)?|trackdata|cvv2?|cvc2?|cvn2?|csc|expiry|expirydate|exp|pin|pinblock|emv|icc|tag57)$/i;

/**
 * Whether a text holds a full card number or track data. `paymentCardsOnly` narrows card numbers
 * to the payment-card industry identifiers 2–6: idempotency keys often embed millisecond
 * timestamps (13 digits starting with 1), a tenth of which pass Luhn.
 */
export function containsCardData(text: string, paymentCardsOnly = false): boolean {
  if (trackPatterns.some((p) => p.test(text))) return true;
  // Digit runs, allowing single spaces or dashes between groups (`4111 1111 1111 1111`).
  for (const match of text.matchAll(/\d(?:[ -]?\d)*/g)) {
    const digits = match[0].replace(/[ -]/g, '');
    if (digits.length < panLengthMin || digits.length > panLengthMax) continue;
    if (paymentCardsOnly && !/^[2-6]/.test(digits)) continue;
    if (luhnValid(digits)) return true;
  }
  return false;
}

/** Throws `card_data_forbidden` (400) naming the field, never echoing its value. */
export function assertNoCardData(body: unknown): void {
  let nodes = 0;
  const visit = (value: unknown, path: string, depth: number): void => {
    if (++nodes > scanNodesMax || depth > scanDepthMax) return;
    if (typeof value === 'string' || typeof value === 'number') {
      if (containsCardData(String(value), path === 'idempotencyKey')) throw forbidden(path);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) { value.forEach((v, i) => visit(v, `${path}[${i}]`, depth + 1)); return; }
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const field = path ? `${path}.${key}` : key;
      if (forbiddenFieldNames.test(key) || containsCardData(key)) throw forbidden(field);
      visit(v, field, depth + 1);
    }
  };
  visit(body, '', 0);
}

function forbidden(field: string): AppError {
  return new AppError('card_data_forbidden',
    'Card data beyond the BIN and last four digits is never accepted: send card.bin and card.last4 only',
    { field });
}
