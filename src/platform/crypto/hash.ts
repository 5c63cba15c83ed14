// Keyed hashes and constant-time comparison. Secrets (API keys, activation codes, notice codes)
// are stored only as HMAC-SHA256 under the server key, with a purpose label so a hash made for one
// purpose never matches another.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type HashPurpose =
  | 'api_key' | 'activation_code' | 'notice_code' | 'id_number' | 'account_number' | 'pairing_code'
  | 'otp' | 'session' | 'webhook' | 'reset_code' | 'audit';

export function keyedHash(key: Buffer, purpose: HashPurpose, value: string): string {
  return createHmac('sha256', key).update(`${purpose}\n${value}`).digest('hex');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hmacSha256Hex(key: Buffer, data: string | Buffer): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

/** Compares two strings in time independent of where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) {
    timingSafeEqual(left, left); // spend the same time before answering
    return false;
  }
  return timingSafeEqual(left, right);
}
