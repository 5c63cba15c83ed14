// Pricing rules (SPEC §8): the merchant's plan, the rate rules that may lower its rate, and the fee
// quote every other module uses (`quoteFee`). Plan and rule changes are validated here.
import type { Selectable } from 'kysely';
import { shanghaiDate } from '../../platform/clock.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError, validationError, type FieldError } from '../../platform/http/errors.js';
import { getMerchantSummary, type MerchantSummary } from '../merchants/merchant.service.js';
import { defaultPlanRates, quote, type FeeQuote, type PaymentMethod, type PlanRate, type RuleKind } from './fee.js';
import { candidateRules, findPlan, findPlanRate } from './pricing.repository.js';
import type { PricingRuleTable } from './pricing.table.js';

export type { FeeQuote } from './fee.js';

export interface QuoteRequest {
  merchantId: string;
  method: PaymentMethod;
  amountFen: number;
  at: Date;
  /** The merchant as the caller already read it in the same transaction (saves reading it again). */
  merchant?: MerchantSummary;
}

/** The fee a merchant pays on an amount now: plan rate lowered by the lowest applicable rule, capped. */
export async function quoteFee(db: Executor, request: QuoteRequest): Promise<FeeQuote> {
  const merchant = request.merchant?.id === request.merchantId ? request.merchant : await getMerchantSummary(db, request.merchantId);
  const plan = await findPlanRate(db, merchant.pricingPlanId, request.method);
  // A plan that leaves a method out prices it at the default plan's terms.
  const rate = plan.rate ?? defaultPlanRates[request.method];
  const pricedMerchant = {
    id: merchant.id, mcc: merchant.mcc, province: merchant.province, cityCode: merchant.cityCode, riskLevel: merchant.riskLevel,
  };
  const date = shanghaiDate(request.at);
  const rules = await candidateRules(db, pricedMerchant, request.method, date);
  return quote({ amountFen: request.amountFen, method: request.method, plan: { id: plan.planId, rate }, rules, merchant: pricedMerchant, date });
}

export interface RuleInput {
  kind: RuleKind;
  name: string;
  method?: PaymentMethod | null;
  rate: number;
  mcc?: string | null;
  province?: string | null;
  cityCode?: string | null;
  riskLevel?: 'low' | 'medium' | 'high' | null;
  merchantId?: string | null;
  merchantIds?: string[] | null;
  startsOn?: string | null;
  endsOn?: string | null;
}

/** A rule must name its target: the field errors say which part is missing. */
export function ruleTargetErrors(input: RuleInput): FieldError[] {
  const errors: FieldError[] = [];
  const need = (field: string, message: string) => errors.push({ field, rule: 'required', message });
  switch (input.kind) {
    case 'industry':
      if (!input.mcc) need('mcc', 'an industry rate names an MCC');
      break;
    case 'region':
      if (!input.province && !input.cityCode) need('cityCode', 'a regional rate names a province or a city code');
      break;
    case 'merchant':
      if (!input.merchantId && !input.riskLevel) need('merchantId', 'a merchant-level rate names a merchant or a risk level');
      if (input.merchantId && input.riskLevel) errors.push({ field: 'riskLevel', rule: 'exclusive', message: 'name a merchant or a risk level, not both' });
      break;
    case 'promotion':
      if (!input.startsOn) need('startsOn', 'a promotion has a start date');
      if (!input.endsOn) need('endsOn', 'a promotion has an end date');
      break;
    default: {
      const never: never = input.kind;
      throw new Error(`unknown rule kind ${String(never)}`);
    }
  }
  if (input.startsOn && input.endsOn && input.startsOn > input.endsOn) {
    errors.push({ field: 'endsOn', rule: 'order', message: 'the window ends before it starts' });
  }
  return errors;
}

export function assertRuleValid(input: RuleInput): void {
  const errors = ruleTargetErrors(input);
  if (errors.length > 0) throw validationError(errors);
}

export function assertPlanRates(rates: Partial<Record<PaymentMethod, PlanRate>>): void {
  if (Object.keys(rates).length === 0) {
    throw validationError([{ field: 'rates', rule: 'required', message: 'a plan has a rate for at least one method' }]);
  }
}

export async function planOrThrow(db: Executor, id: string) {
  const plan = await findPlan(db, id);
  if (!plan) throw new AppError('pricing_plan_not_found', `Pricing plan ${id} was not found`);
  return plan;
}

export function ruleView(row: Selectable<PricingRuleTable>) {
  return {
    id: row.id, kind: row.kind, name: row.name, method: row.method, rate: row.rate_ppm, mcc: row.mcc,
    province: row.province, cityCode: row.city_code, riskLevel: row.risk_level, merchantId: row.merchant_id,
    merchantIds: row.merchant_ids, startsOn: row.starts_on, endsOn: row.ends_on, active: row.active,
    createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString(),
  };
}
