// Prefixed, opaque ids (`mch_…`, `trm_…`) and request ids: one helper makes and checks them.
// Their randomness comes from the operating system's CSPRNG 4 KiB at a time (as crypto.randomUUID
// caches its entropy): a call into it per id cost more than the id's whole use on a busy server.
// These bytes are for identifiers only, never for keys, codes or nonces (crypto/ draws those itself).
import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/** `count` fresh random bytes (a view into the pool, valid until the next call). */
function randomIdBytes(count: number): Buffer {
  if (poolOffset + count > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + count);
  poolOffset += count;
  return bytes;
}

export const idPrefixes = [
  'mch', 'trm', 'act', 'txn', 'stl', 'evt', 'key', 'aud', 'rea', 'cmp', 'doc', 'msg', 'whk', 'whd',
  'dep', 'jrn', 'pln', 'rat', 'rsk', 'hit', 'tkt', 'ann', 'usr', 'ses', 'app', 'shp', 'fw', 'req',
  'otp', 'pair', 'alr', 'opr', 'blk', 'stp',
] as const;
export type IdPrefix = (typeof idPrefixes)[number];

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

export function newId(prefix: IdPrefix): string {
  const bytes = randomIdBytes(20);
  let out = '';
  for (let i = 0; i < 20; i++) out += alphabet[bytes[i]! & 31];
  return `${prefix}_${out}`;
}

/** A request id: `req_` and 20 hex digits. */
export function newRequestId(): string {
  return `req_${randomIdBytes(10).toString('hex')}`;
}

export function isId(prefix: IdPrefix, value: string): boolean {
  return new RegExp(`^${prefix}_[0-9a-z]{20}$`).test(value);
}
