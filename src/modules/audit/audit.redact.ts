// What the audit log viewer may show of a row's details (SPEC §3, §13): never a secret, never a
// personal number in clear. Details are written by every module; this is the one filter between
// them and an operator's screen. Pure; unit-tested.
import { maskMiddle, maskPhone } from '../../platform/crypto/mask.js';

export const redactedText = '[redacted]';
/** Nesting deeper than this is cut off: details are small by convention, never trusted to be. */
export const detailsDepthMax = 6;
export const detailsArrayItemsMax = 100;

// Keys whose values are secrets or personal numbers whatever they look like.
const secretKey = /(password|passcode|secret|token|pin$|otp|activationcode|verificationcode|resetcode|idnumber|accountnumber|cardnumber|factorykey|terminalkey|apikey|^key$)/i;
const mobile = /^1[3-9]\d{9}$/;
const residentId = /^\d{17}[\dXx]$/;
const cardOrAccount = /^\d{16,19}$/;

function maskValue(value: string): string {
  if (mobile.test(value)) return maskPhone(value);
  if (residentId.test(value)) return maskMiddle(value, 3, 4);
  if (cardOrAccount.test(value)) return maskMiddle(value, 4, 4);
  return value;
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return maskValue(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= detailsDepthMax) return redactedText;
  if (Array.isArray(value)) return value.slice(0, detailsArrayItemsMax).map((item) => redactValue(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    out[key] = secretKey.test(key) ? redactedText : redactValue(inner, depth + 1);
  }
  return out;
}

export function redactDetails(details: Record<string, unknown>): Record<string, unknown> {
  return redactValue(details, 0) as Record<string, unknown>;
}
