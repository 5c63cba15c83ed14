// Terminal key wrapping (SPEC §6, Appendix A): the fresh 32-byte terminal key is encrypted with
// AES-256-GCM (12-byte random IV, no AAD) under HKDF-SHA256(ikm = factory key, salt = SN as
// UTF-8, info = "jihuo terminal key v1", 32 bytes). The simulator uses `unwrapTerminalKey`.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export const terminalKeyInfo = 'jihuo terminal key v1';

export interface WrappedKey { iv: string; ciphertext: string; tag: string }

export function deriveWrappingKey(factoryKey: Buffer, sn: string): Buffer {
  return Buffer.from(hkdfSync('sha256', factoryKey, Buffer.from(sn, 'utf8'), terminalKeyInfo, 32));
}

export function wrapTerminalKey(factoryKey: Buffer, sn: string, terminalKey: Buffer): WrappedKey {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', deriveWrappingKey(factoryKey, sn), iv);
  const ciphertext = Buffer.concat([cipher.update(terminalKey), cipher.final()]);
  return { iv: iv.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

export function unwrapTerminalKey(factoryKey: Buffer, sn: string, wrapped: WrappedKey): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', deriveWrappingKey(factoryKey, sn), Buffer.from(wrapped.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(wrapped.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(wrapped.ciphertext, 'base64')), decipher.final()]);
}

export function newTerminalKey(): Buffer {
  return randomBytes(32);
}
