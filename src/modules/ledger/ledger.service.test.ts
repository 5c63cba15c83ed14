// Proves the ledger's entry invariant with properties: any balanced set of whole, non-zero lines
// passes; changing one line by any amount, or a single line, is refused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertBalanced, UnbalancedEntryError } from './ledger.service.js';

const amount = fc.integer({ min: 1, max: 1_000_000_000 }).chain((a) => fc.constantFrom(a, -a));

function balanced(amounts: number[]): { amountFen: number }[] {
  const sum = amounts.reduce((s, a) => s + a, 0);
  return [...amounts.map((a) => ({ amountFen: a })), ...(sum === 0 ? [] : [{ amountFen: -sum }])];
}

describe('assertBalanced', () => {
  it('accepts balanced entries', () => {
    fc.assert(fc.property(fc.array(amount, { minLength: 1, maxLength: 10 }), (amounts) => {
      const lines = balanced(amounts);
      fc.pre(lines.length >= 2);
      expect(() => assertBalanced(lines)).not.toThrow();
    }));
  });

  it('refuses an entry with one line changed', () => {
    fc.assert(fc.property(fc.array(amount, { minLength: 1, maxLength: 10 }), amount, fc.nat(), (amounts, delta, at) => {
      const lines = balanced(amounts);
      fc.pre(lines.length >= 2);
      const index = at % lines.length;
      const changed = lines.map((l, i) => (i === index ? { amountFen: l.amountFen + delta } : l));
      fc.pre(changed[index]!.amountFen !== 0);
      expect(() => assertBalanced(changed)).toThrow(UnbalancedEntryError);
    }));
  });

  it.each([
    { lines: [{ amountFen: 5 }], why: 'a single line' },
    { lines: [{ amountFen: 1.5 }, { amountFen: -1.5 }], why: 'fractions of a fen' },
    { lines: [{ amountFen: 0 }, { amountFen: 0 }], why: 'zero lines' },
  ])('refuses $why', ({ lines }) => {
    expect(() => assertBalanced(lines)).toThrow(UnbalancedEntryError);
  });
});
