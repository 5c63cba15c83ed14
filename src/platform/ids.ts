// Prefixed, opaque ids (`mch_…`, `trm_…`): one helper makes and checks them.
import { randomBytes } from 'node:crypto';

export const idPrefixes = [
  'mch', 'trm', 'act', 'txn', 'stl', 'evt', 'key', 'aud', 'rea', 'cmp', 'doc', 'msg', 'whk', 'whd',
  'dep', 'jrn', 'pln', 'rat', 'rsk', 'hit', 'tkt', 'ann', 'usr', 'ses', 'app', 'shp', 'fw', 'req',
  'otp', 'pair', 'alr', 'opr', 'blk', 'stp',
] as const;
export type IdPrefix = (typeof idPrefixes)[number];

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

export function newId(prefix: IdPrefix): string {
  const bytes = randomBytes(16);
  let out = '';
  for (let i = 0; i < 20; i++) out += alphabet[bytes[i % 16]! & 31];
  return `${prefix}_${out}`;
}

export function isId(prefix: IdPrefix, value: string): boolean {
  return new RegExp(`^${prefix}_[0-9a-z]{20}$`).test(value);
}
