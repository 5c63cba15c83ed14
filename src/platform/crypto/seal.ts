// Field encryption at rest: AES-256-GCM under a configured key, the key id stored with each value
// so keys can rotate: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url). The field name is the
// additional authenticated data, so a value cannot be moved to another column unnoticed.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Secrets } from '../config.js';

export class FieldCipher {
  constructor(private readonly secrets: Secrets) {}

  get activeKeyId(): string { return this.secrets.activeFieldKeyId; }

  seal(field: string, plaintext: string, keyId = this.secrets.activeFieldKeyId): string {
    const key = this.#key(keyId);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(field, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return ['v1', keyId, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  open(field: string, sealed: string): string {
    const [version, keyId, iv, tag, ciphertext] = sealed.split('.');
    if (version !== 'v1' || !keyId || !iv || !tag || ciphertext === undefined) {
      throw new Error(`Sealed value of ${field} is malformed`);
    }
    const decipher = createDecipheriv('aes-256-gcm', this.#key(keyId), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(field, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** The key id a sealed value was made with (for rotation). */
  static keyIdOf(sealed: string): string | undefined {
    return sealed.split('.')[1];
  }

  #key(keyId: string): Buffer {
    const key = this.secrets.fieldKeys.get(keyId);
    if (!key) throw new Error(`Field key ${keyId} is not configured`);
    return key;
  }
}
