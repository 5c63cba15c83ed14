// SQL of the pricing module: plans with their per-method rates, and rate rules.
import { sql, type Selectable } from 'kysely';
import type { Executor } from '../../platform/db/schema.js';
import { defaultPlanId, defaultPlanRates, paymentMethods, type PaymentMethod, type PlanRate, type PricedMerchant, type RateRule } from './fee.js';
import type { PricingRuleTable } from './pricing.table.js';

/** Bounds the rules one quote reads; far above any real rule book for one merchant. */
export const rulesPerQuoteMax = 1000;

export interface PlanRecord { id: string; name: string; isDefault: boolean; rates: Partial<Record<PaymentMethod, PlanRate>> }

export async function findPlan(db: Executor, id: string): Promise<PlanRecord | undefined> {
  return (await plansWithRates(db, [id]))[0];
}

/** Plans with their rates in two queries, in the order of `ids` (ids that name no plan are left out). */
async function plansWithRates(db: Executor, ids: readonly string[]): Promise<PlanRecord[]> {
  if (ids.length === 0) return [];
  const plans = await db.selectFrom('pricing_plans').selectAll().where('id', 'in', ids).execute();
  const rates = plans.length === 0 ? [] : await db.selectFrom('pricing_plan_rates').selectAll().where('plan_id', 'in', plans.map((p) => p.id)).execute();
  const byId = new Map(plans.map((p) => [p.id, p]));
  return ids.flatMap((id) => {
    const plan = byId.get(id);
    if (!plan) return [];
    const own = rates.filter((r) => r.plan_id === id);
    return [{
      id: plan.id, name: plan.name, isDefault: plan.is_default,
      rates: Object.fromEntries(own.map((r) => [r.method, { ratePpm: r.rate_ppm, capFen: r.cap_fen }])),
    }];
  });
}

/**
 * The plan a quote prices with — the merchant's, or the default plan when it has none — and that
 * plan's rate for one method, in one query. `rate` is null when the plan leaves the method out;
 * `planId` falls back to the built-in default id when no plan row exists at all.
 */
export async function findPlanRate(db: Executor, merchantPlanId: string | null, method: PaymentMethod): Promise<{ planId: string; rate: PlanRate | null }> {
  const row = await db.selectFrom('pricing_plans as p')
    .leftJoin('pricing_plan_rates as r', (join) => join.onRef('r.plan_id', '=', 'p.id').on('r.method', '=', method))
    .select(['p.id', 'r.rate_ppm', 'r.cap_fen'])
    .where('p.id', '=', merchantPlanId ?? sql<string>`(select id from pricing_plans where is_default order by id limit 1)`)
    .executeTakeFirst();
  if (!row) return { planId: merchantPlanId ?? defaultPlanId, rate: null };
  return { planId: row.id, rate: row.rate_ppm === null ? null : { ratePpm: row.rate_ppm, capFen: row.cap_fen ?? null } };
}

export async function listPlans(db: Executor, after: string | undefined, limit: number): Promise<PlanRecord[]> {
  let query = db.selectFrom('pricing_plans').select('id').orderBy('id').limit(limit);
  if (after !== undefined) query = query.where('id', '>', after);
  const ids = await query.execute();
  return plansWithRates(db, ids.map((r) => r.id));
}

export async function insertPlan(db: Executor, input: { id: string; name: string; isDefault: boolean; at: Date }): Promise<void> {
  await db.insertInto('pricing_plans').values({
    id: input.id, name: input.name, is_default: input.isDefault, created_at: input.at, updated_at: input.at,
  }).onConflict((oc) => oc.column('id').doNothing()).execute();
}

export async function replacePlanRates(db: Executor, planId: string, rates: Partial<Record<PaymentMethod, PlanRate>>): Promise<void> {
  await db.deleteFrom('pricing_plan_rates').where('plan_id', '=', planId).execute();
  const rows = paymentMethods.filter((m) => rates[m] !== undefined)
    .map((m) => ({ plan_id: planId, method: m, rate_ppm: rates[m]!.ratePpm, cap_fen: rates[m]!.capFen }));
  if (rows.length > 0) await db.insertInto('pricing_plan_rates').values(rows).execute();
}

/** The default plan with the SPEC §8 rates; safe to run any number of times. */
export async function ensureDefaultPlan(db: Executor, at: Date): Promise<void> {
  const existing = await db.selectFrom('pricing_plans').select('id').where('is_default', '=', true).executeTakeFirst();
  if (!existing) await insertPlan(db, { id: defaultPlanId, name: 'Default plan', isDefault: true, at });
  const planId = existing?.id ?? defaultPlanId;
  await db.insertInto('pricing_plan_rates')
    .values(paymentMethods.map((m) => ({ plan_id: planId, method: m, rate_ppm: defaultPlanRates[m].ratePpm, cap_fen: defaultPlanRates[m].capFen })))
    .onConflict((oc) => oc.columns(['plan_id', 'method']).doNothing()).execute();
}

export function toRateRule(row: Selectable<PricingRuleTable>): RateRule {
  return {
    id: row.id, kind: row.kind, method: row.method, ratePpm: row.rate_ppm, mcc: row.mcc, province: row.province,
    cityCode: row.city_code, riskLevel: row.risk_level, merchantId: row.merchant_id, merchantIds: row.merchant_ids,
    startsOn: row.starts_on, endsOn: row.ends_on, active: row.active,
  };
}

/** Active rules that could apply to a merchant on a day (the fee engine makes the final match). */
export async function candidateRules(db: Executor, merchant: PricedMerchant, method: PaymentMethod, date: string): Promise<RateRule[]> {
  const rows = await db.selectFrom('pricing_rules').selectAll()
    .where('active', '=', true)
    .where((eb) => eb.or([eb('method', 'is', null), eb('method', '=', method)]))
    .where((eb) => eb.or([eb('starts_on', 'is', null), eb('starts_on', '<=', date)]))
    .where((eb) => eb.or([eb('ends_on', 'is', null), eb('ends_on', '>=', date)]))
    .where((eb) => eb.or([
      eb.and([eb('kind', '=', 'industry'), eb('mcc', '=', merchant.mcc ?? '')]),
      eb.and([eb('kind', '=', 'region'), eb.or([eb('city_code', '=', merchant.cityCode ?? ''), eb('province', '=', merchant.province ?? '')])]),
      eb.and([eb('kind', '=', 'merchant'), eb.or([eb('merchant_id', '=', merchant.id), eb('risk_level', '=', merchant.riskLevel ?? 'none' as 'low')])]),
      eb.and([eb('kind', '=', 'promotion'), eb.or([
        eb('merchant_ids', 'is', null),
        sql<boolean>`merchant_ids @> ${JSON.stringify([merchant.id])}::jsonb`,
      ])]),
    ]))
    .orderBy('id').limit(rulesPerQuoteMax).execute();
  return rows.map(toRateRule);
}

export async function findRule(db: Executor, id: string): Promise<Selectable<PricingRuleTable> | undefined> {
  return db.selectFrom('pricing_rules').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listRules(db: Executor, filter: { kind?: string; active?: boolean }, after: string | undefined, limit: number) {
  let query = db.selectFrom('pricing_rules').selectAll().orderBy('id').limit(limit);
  if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind as RateRule['kind']);
  if (filter.active !== undefined) query = query.where('active', '=', filter.active);
  if (after !== undefined) query = query.where('id', '>', after);
  return query.execute();
}
