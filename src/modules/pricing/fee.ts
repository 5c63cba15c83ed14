// The fee engine (SPEC §8, Appendix B), pure: which rate applies, and the fee it gives.
// Fee = amount × rate / 1,000,000 rounded half up to the fen, in exact integer arithmetic
// (BigInt: amount × rate can pass 2^53), then capped by the plan's cap for the method,
// whichever rule gave the rate. The lowest applicable rate wins.
import { assertNever } from '../../platform/http/errors.js';

export const paymentMethods = ['debit_card', 'credit_card', 'wechat_qr', 'alipay_qr', 'unionpay_qr'] as const;
export type PaymentMethod = (typeof paymentMethods)[number];

export const ruleKinds = ['industry', 'region', 'merchant', 'promotion'] as const;
export type RuleKind = (typeof ruleKinds)[number];
export type FeeRuleKind = 'plan' | RuleKind;

export const ppmPerUnit = 1_000_000;

export interface PlanRate { ratePpm: number; capFen: number | null }

/** The plan every merchant without its own plan is on (SPEC §8 table). */
export const defaultPlanId = 'pln_default0000000000000';
export const defaultPlanRates: Record<PaymentMethod, PlanRate> = {
  debit_card: { ratePpm: 5000, capFen: 2500 },
  credit_card: { ratePpm: 6000, capFen: null },
  wechat_qr: { ratePpm: 3800, capFen: null },
  alipay_qr: { ratePpm: 3800, capFen: null },
  unionpay_qr: { ratePpm: 6000, capFen: null },
};

export interface RateRule {
  id: string;
  kind: RuleKind;
  method: PaymentMethod | null;
  ratePpm: number;
  mcc: string | null;
  province: string | null;
  cityCode: string | null;
  riskLevel: 'low' | 'medium' | 'high' | null;
  merchantId: string | null;
  /** Promotion: the listed merchants, or null for every merchant. */
  merchantIds: string[] | null;
  startsOn: string | null;
  endsOn: string | null;
  active: boolean;
}

export interface PricedMerchant {
  id: string;
  mcc: string | null;
  province: string | null;
  cityCode: string | null;
  riskLevel: 'low' | 'medium' | 'high' | null;
}

export interface FeeRuleRef { kind: FeeRuleKind; id: string }

export interface FeeQuote { feeFen: number; ratePpm: number; capFen: number | null; rule: FeeRuleRef }

/** amount × rate / 10^6, rounded half up to the fen, exact. */
export function roundedFeeFen(amountFen: number, ratePpm: number): number {
  if (!Number.isSafeInteger(amountFen) || amountFen < 0) throw new RangeError(`amount ${amountFen} is not whole fen`);
  if (!Number.isInteger(ratePpm) || ratePpm < 0 || ratePpm > ppmPerUnit) throw new RangeError(`rate ${ratePpm} is not 0..10^6 ppm`);
  const unit = BigInt(ppmPerUnit);
  const fee = (BigInt(amountFen) * BigInt(ratePpm) + unit / 2n) / unit;
  return Number(fee);
}

/** The fee for an amount at a rate, capped; never negative, never above the amount. */
export function computeFeeFen(amountFen: number, ratePpm: number, capFen: number | null): number {
  const fee = roundedFeeFen(amountFen, ratePpm);
  return capFen === null ? fee : Math.min(fee, capFen);
}

/** Whether `date` (YYYY-MM-DD) lies in the inclusive window; open ends are unbounded. */
function inWindow(rule: RateRule, date: string): boolean {
  if (rule.startsOn !== null && date < rule.startsOn) return false;
  if (rule.endsOn !== null && date > rule.endsOn) return false;
  return true;
}

function targetMatches(rule: RateRule, merchant: PricedMerchant): boolean {
  switch (rule.kind) {
    case 'industry':
      return rule.mcc !== null && rule.mcc === merchant.mcc;
    case 'region':
      if (rule.cityCode !== null) return rule.cityCode === merchant.cityCode;
      return rule.province !== null && rule.province === merchant.province;
    case 'merchant':
      if (rule.merchantId !== null) return rule.merchantId === merchant.id;
      return rule.riskLevel !== null && rule.riskLevel === merchant.riskLevel;
    case 'promotion':
      return rule.startsOn !== null && rule.endsOn !== null
        && (rule.merchantIds === null || rule.merchantIds.includes(merchant.id));
    default:
      return assertNever(rule.kind);
  }
}

/** Whether a rule applies to this merchant, method and Shanghai business date. */
export function ruleApplies(rule: RateRule, merchant: PricedMerchant, method: PaymentMethod, date: string): boolean {
  if (!rule.active) return false;
  if (rule.method !== null && rule.method !== method) return false;
  return inWindow(rule, date) && targetMatches(rule, merchant);
}

// On equal rates the contracted plan rate stands; between rules the more specific kind wins,
// then the smaller id, so the choice never depends on row order.
const kindOrder: Record<FeeRuleKind, number> = { plan: 0, merchant: 1, promotion: 2, industry: 3, region: 4 };

export interface FeeInput {
  amountFen: number;
  method: PaymentMethod;
  plan: { id: string; rate: PlanRate };
  rules: readonly RateRule[];
  merchant: PricedMerchant;
  /** Asia/Shanghai calendar day of the transaction. */
  date: string;
}

/** Picks the lowest applicable rate (plan or rule) and prices the amount with the plan's cap. */
export function quote(input: FeeInput): FeeQuote {
  let best: { ratePpm: number; rule: FeeRuleRef } = { ratePpm: input.plan.rate.ratePpm, rule: { kind: 'plan', id: input.plan.id } };
  for (const rule of input.rules) {
    if (!ruleApplies(rule, input.merchant, input.method, input.date)) continue;
    const better = rule.ratePpm < best.ratePpm
      || (rule.ratePpm === best.ratePpm && (kindOrder[rule.kind] < kindOrder[best.rule.kind]
        || (rule.kind === best.rule.kind && rule.id < best.rule.id)));
    if (better) best = { ratePpm: rule.ratePpm, rule: { kind: rule.kind, id: rule.id } };
  }
  const capFen = input.plan.rate.capFen;
  return { feeFen: computeFeeFen(input.amountFen, best.ratePpm, capFen), ratePpm: best.ratePpm, capFen, rule: best.rule };
}
