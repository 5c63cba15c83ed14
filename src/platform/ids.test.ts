import { describe, expect, it } from 'vitest';
import { idPrefixes, isId, newId, newRequestId } from './ids.js';

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';

describe('ids', () => {
  it('makes ids of every prefix that isId accepts, and only for their own prefix', () => {
    for (const prefix of idPrefixes) {
      const id = newId(prefix);
      expect(id).toMatch(new RegExp(`^${prefix}_[${alphabet}]{20}$`));
      expect(isId(prefix, id)).toBe(true);
      expect(isId(prefix === 'mch' ? 'trm' : 'mch', id)).toBe(false);
    }
  });

  it('draws fresh randomness for every id across many refills of the pool: no repeats, every character at every position', () => {
    const count = 20_000; // 400,000 random bytes: ~100 refills of the 4 KiB pool
    const ids = Array.from({ length: count }, () => newId('txn'));
    expect(new Set(ids).size).toBe(count);
    for (let position = 0; position < 20; position++) {
      const counts = new Map<string, number>();
      for (const id of ids) {
        const c = id[4 + position]!;
        counts.set(c, (counts.get(c) ?? 0) + 1);
      }
      expect(counts.size).toBe(32);
      // 625 expected per character and position; ±50% is more than 19 standard deviations.
      for (const n of counts.values()) expect(n).toBeGreaterThan(312);
      for (const n of counts.values()) expect(n).toBeLessThan(938);
    }
    // The last characters are not copies of the first ones.
    expect(ids.filter((id) => id.slice(4, 8) === id.slice(20, 24)).length).toBeLessThan(5);
  });

  it('makes distinct request ids of 20 hex digits', () => {
    const ids = Array.from({ length: 5000 }, () => newRequestId());
    for (const id of ids) expect(id).toMatch(/^req_[0-9a-f]{20}$/);
    expect(new Set(ids).size).toBe(5000);
  });
});
