// Proves the fee engine: SPEC §8 examples, half-up integer rounding, caps, rule precedence
// (lowest applicable rate wins, the plan's cap always applies), never negative, never above amount.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeFeeFen, defaultPlanId, defaultPlanRates, paymentMethods, quote, roundedFeeFen, ruleApplies,
  type FeeInput, type PaymentMethod, type RateRule,
} from './fee.js';

const merchant = { id: 'mch_a', mcc: '5812', province: '北京市', cityCode: '110100', riskLevel: 'low' as const };

function rule(overrides: Partial<RateRule>): RateRule {
  return {
    id: 'rat_x', kind: 'industry', method: null, ratePpm: 3000, mcc: null, province: null, cityCode: null,
    riskLevel: null, merchantId: null, merchantIds: null, startsOn: null, endsOn: null, active: true, ...overrides,
  };
}

function input(method: PaymentMethod, amountFen: number, rules: RateRule[] = []): FeeInput {
  return { amountFen, method, plan: { id: defaultPlanId, rate: defaultPlanRates[method] }, rules, merchant, date: '2026-05-01' };
}

describe('SPEC §8 examples on the default plan', () => {
  it.each([
    ['credit_card', 1_000_000, 6000, 6000, null],
    ['debit_card', 1_000_000, 2500, 5000, 2500],
    ['wechat_qr', 1_000_000, 3800, 3800, null],
    ['alipay_qr', 1_000_000, 3800, 3800, null],
    ['unionpay_qr', 1_000_000, 6000, 6000, null],
    ['debit_card', 10_000, 50, 5000, 2500],
  ] as const)('%s %i fen → fee %i', (method, amount, fee, rate, cap) => {
    expect(quote(input(method, amount))).toEqual({ feeFen: fee, ratePpm: rate, capFen: cap, rule: { kind: 'plan', id: defaultPlanId } });
  });
});

describe('rounding', () => {
  it.each([
    [250, 3800, 1], // 0.95 → 1
    [131, 3800, 0], // 0.4978 → 0
    [1316, 3800, 5], // 5.0008 → 5
    [125, 4000, 1], // exactly 0.5 → 1 (half up)
    [375, 4000, 2], // exactly 1.5 → 2
    [1, 1_000_000, 1],
    [Number.MAX_SAFE_INTEGER, 1_000_000, Number.MAX_SAFE_INTEGER],
  ])('%i fen at %i ppm → %i', (amount, rate, fee) => {
    expect(roundedFeeFen(amount, rate)).toBe(fee);
  });

  it('equals floor((a·r + 500000) / 10^6) computed with BigInt, for any amount and rate', () => {
    fc.assert(fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 1_000_000 }), (a, r) => {
      const exact = (BigInt(a) * BigInt(r) * 2n + 1_000_000n) / 2_000_000n;
      expect(BigInt(roundedFeeFen(a, r))).toBe(exact);
    }));
  });

  it('is half up: the remainder decides, never a float', () => {
    fc.assert(fc.property(fc.nat({ max: 10 ** 12 }), fc.integer({ min: 0, max: 1_000_000 }), (a, r) => {
      const product = BigInt(a) * BigInt(r);
      const fee = BigInt(roundedFeeFen(a, r));
      const remainder = product - fee * 1_000_000n;
      expect(remainder >= -500_000n && remainder < 500_000n).toBe(true);
    }));
  });

  it('refuses fractional or negative amounts and out-of-range rates', () => {
    expect(() => roundedFeeFen(-1, 10)).toThrow(RangeError);
    expect(() => roundedFeeFen(1.5, 10)).toThrow(RangeError);
    expect(() => roundedFeeFen(1, 1_000_001)).toThrow(RangeError);
  });
});

describe('caps and bounds', () => {
  it('never negative, never above the amount, never above the cap', () => {
    fc.assert(fc.property(
      fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 1_000_000 }),
      fc.option(fc.nat({ max: 10 ** 9 }), { nil: null }),
      (a, r, cap) => {
        const fee = computeFeeFen(a, r, cap);
        expect(fee).toBeGreaterThanOrEqual(0);
        expect(fee).toBeLessThanOrEqual(a);
        if (cap !== null) expect(fee).toBeLessThanOrEqual(cap);
        expect(Number.isSafeInteger(fee)).toBe(true);
      }));
  });

  it('the debit cap applies from ¥5,000 up (2500 fen)', () => {
    expect(computeFeeFen(499_900, 5000, 2500)).toBe(2500); // 2499.5 rounds to 2500
    expect(computeFeeFen(499_800, 5000, 2500)).toBe(2499);
    expect(computeFeeFen(10 ** 12, 5000, 2500)).toBe(2500);
  });

  it('the plan cap applies whichever rule gives the rate', () => {
    const promo = rule({ id: 'rat_p', kind: 'promotion', ratePpm: 4000, startsOn: '2026-01-01', endsOn: '2026-12-31' });
    expect(quote(input('debit_card', 10_000_000, [promo]))).toEqual({
      feeFen: 2500, ratePpm: 4000, capFen: 2500, rule: { kind: 'promotion', id: 'rat_p' },
    });
  });
});

describe('rule precedence', () => {
  it('the lowest applicable rate wins and is recorded', () => {
    const industry = rule({ id: 'rat_i', kind: 'industry', mcc: '5812', ratePpm: 5000 });
    const region = rule({ id: 'rat_r', kind: 'region', cityCode: '110100', ratePpm: 4500 });
    const byRisk = rule({ id: 'rat_m', kind: 'merchant', riskLevel: 'low', ratePpm: 5500 });
    expect(quote(input('credit_card', 1_000_000, [industry, region, byRisk]))).toMatchObject({
      feeFen: 4500, ratePpm: 4500, rule: { kind: 'region', id: 'rat_r' },
    });
  });

  it('a rule above the plan rate never raises it', () => {
    const high = rule({ kind: 'industry', mcc: '5812', ratePpm: 9000 });
    expect(quote(input('wechat_qr', 1_000_000, [high])).rule.kind).toBe('plan');
  });

  it('rules that do not match are ignored', () => {
    const rules = [
      rule({ id: 'rat_1', kind: 'industry', mcc: '7011', ratePpm: 1 }),
      rule({ id: 'rat_2', kind: 'region', province: '上海市', ratePpm: 1 }),
      rule({ id: 'rat_3', kind: 'merchant', merchantId: 'mch_other', ratePpm: 1 }),
      rule({ id: 'rat_4', kind: 'promotion', startsOn: '2026-06-01', endsOn: '2026-06-30', ratePpm: 1 }),
      rule({ id: 'rat_5', kind: 'promotion', startsOn: '2026-01-01', endsOn: '2026-12-31', merchantIds: ['mch_b'], ratePpm: 1 }),
      rule({ id: 'rat_6', kind: 'industry', mcc: '5812', method: 'debit_card', ratePpm: 1 }),
      rule({ id: 'rat_7', kind: 'industry', mcc: '5812', active: false, ratePpm: 1 }),
      rule({ id: 'rat_8', kind: 'promotion', ratePpm: 1 }), // a promotion needs a window
    ];
    expect(quote(input('credit_card', 1_000_000, rules)).rule).toEqual({ kind: 'plan', id: defaultPlanId });
  });

  it('promotions apply inside their window, to all or listed merchants', () => {
    const listed = rule({ kind: 'promotion', startsOn: '2026-05-01', endsOn: '2026-05-01', merchantIds: ['mch_a'] });
    expect(ruleApplies(listed, merchant, 'credit_card', '2026-05-01')).toBe(true);
    expect(ruleApplies(listed, merchant, 'credit_card', '2026-05-02')).toBe(false);
    expect(ruleApplies(listed, merchant, 'credit_card', '2026-04-30')).toBe(false);
  });

  it('property: the chosen rate is the minimum of the plan and every applicable rule; order does not matter', () => {
    const arbRule = fc.record({
      id: fc.constantFrom('rat_a', 'rat_b', 'rat_c', 'rat_d', 'rat_e', 'rat_f', 'rat_g', 'rat_h'),
      kind: fc.constantFrom('industry', 'region', 'merchant', 'promotion'),
      method: fc.option(fc.constantFrom(...paymentMethods), { nil: null }),
      ratePpm: fc.integer({ min: 0, max: 20_000 }),
      mcc: fc.option(fc.constantFrom('5812', '7011'), { nil: null }),
      province: fc.option(fc.constantFrom('北京市', '上海市'), { nil: null }),
      cityCode: fc.option(fc.constantFrom('110100', '310100'), { nil: null }),
      riskLevel: fc.option(fc.constantFrom('low', 'high'), { nil: null }),
      merchantId: fc.option(fc.constantFrom('mch_a', 'mch_b'), { nil: null }),
      merchantIds: fc.option(fc.subarray(['mch_a', 'mch_b']), { nil: null }),
      startsOn: fc.option(fc.constantFrom('2026-04-01', '2026-05-01', '2026-05-02'), { nil: null }),
      endsOn: fc.option(fc.constantFrom('2026-04-30', '2026-05-01', '2026-12-31'), { nil: null }),
      active: fc.boolean(),
    }) as fc.Arbitrary<RateRule>;
    fc.assert(fc.property(
      fc.constantFrom(...paymentMethods), fc.nat({ max: 10 ** 10 }), fc.uniqueArray(arbRule, { maxLength: 8, selector: (r) => r.id }),
      (method, amount, rules) => {
        const q = quote(input(method, amount, rules));
        const applicable = rules.filter((r) => ruleApplies(r, merchant, method, '2026-05-01')).map((r) => r.ratePpm);
        expect(q.ratePpm).toBe(Math.min(defaultPlanRates[method].ratePpm, ...applicable));
        expect(q.feeFen).toBe(computeFeeFen(amount, q.ratePpm, defaultPlanRates[method].capFen));
        expect(q.capFen).toBe(defaultPlanRates[method].capFen);
        if (q.rule.kind === 'plan') expect(q.ratePpm).toBe(defaultPlanRates[method].ratePpm);
        else expect(rules.find((r) => r.id === q.rule.id && r.kind === q.rule.kind)?.ratePpm).toBe(q.ratePpm);
        expect(quote(input(method, amount, [...rules].reverse()))).toEqual(q);
      }));
  });
});
