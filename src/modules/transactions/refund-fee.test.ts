// Proves that fees returned by partial refunds (refundReturnsFee) are proportional, rounded half
// up per cumulative refund, and add up exactly to the sale's fee whatever the split.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { proportionalFee } from './transaction.service.js';

describe('proportionalFee', () => {
  it.each([
    [38, 3333, 10_001, 13],
    [38, 6666, 10_001, 25],
    [38, 10_001, 10_001, 38],
    [1, 1, 2, 1], // 0.5 rounds up
    [0, 5, 10, 0],
  ])('fee %i, %i of %i → %i', (fee, part, whole, expected) => {
    expect(proportionalFee(fee, part, whole)).toBe(expected);
  });

  it('splits of any sale return exactly the whole fee, never more, each part non-negative', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 10 ** 12 }).chain((whole) => fc.tuple(fc.constant(whole), fc.integer({ min: 0, max: Math.min(whole, 2500) }),
        fc.array(fc.integer({ min: 1, max: whole }), { maxLength: 6 }))),
      ([whole, fee, cuts]) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        let returned = 0;
        let previous = 0;
        for (const point of [...points, whole]) {
          const part = proportionalFee(fee, point, whole) - proportionalFee(fee, previous, whole);
          expect(part).toBeGreaterThanOrEqual(0);
          returned += part;
          previous = point;
        }
        expect(returned).toBe(fee);
      }));
  });
});
