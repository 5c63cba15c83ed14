// Pricing endpoints: the fee quote (Appendix A/B), operator CRUD of plans and rate rules (audited),
// and assigning a plan to a merchant.
import type { AppContext } from '../../platform/context.js';
import { actorOf, anyOperator, assertMerchantScope, operatorsAndMerchants } from '../../platform/http/auth.js';
import { AppError } from '../../platform/http/errors.js';
import { decodeCursor, pageLimit, toPage } from '../../platform/http/pagination.js';
import { AnyObject, Fen, IsoDate, Page, PageQuery, Ppm, Strict, Type } from '../../platform/http/schema.js';
import { newId } from '../../platform/ids.js';
import type { JihuoApp } from '../../platform/module.js';
import { paymentMethods, ruleKinds, type PaymentMethod, type PlanRate } from './fee.js';
import { findRule, insertPlan, listPlans, listRules, replacePlanRates, type PlanRecord } from './pricing.repository.js';
import { assertPlanRates, assertRuleValid, planOrThrow, quoteFee, ruleView, type RuleInput } from './pricing.service.js';

const Method = Type.Union(paymentMethods.map((m) => Type.Literal(m)));
const RuleKindSchema = Type.Union(ruleKinds.map((k) => Type.Literal(k)));
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const MethodRate = Strict({ rate: Ppm(), cap: Type.Optional(Nullable(Fen())) });
const PlanRates = Strict(Object.fromEntries(paymentMethods.map((m) => [m, Type.Optional(MethodRate)])) as Record<PaymentMethod, ReturnType<typeof Type.Optional<typeof MethodRate>>>);
const writers = ['ops_admin'] as const;

type RatesBody = Partial<Record<PaymentMethod, { rate: number; cap?: number | null }>>;

function toPlanRates(body: RatesBody): Partial<Record<PaymentMethod, PlanRate>> {
  const out: Partial<Record<PaymentMethod, PlanRate>> = {};
  for (const m of paymentMethods) {
    const r = body[m];
    if (r) out[m] = { ratePpm: r.rate, capFen: r.cap ?? null };
  }
  return out;
}

function planView(plan: PlanRecord) {
  return {
    id: plan.id, name: plan.name, isDefault: plan.isDefault,
    rates: Object.fromEntries(Object.entries(plan.rates).map(([m, r]) => [m, { rate: r.ratePpm, cap: r.capFen }])),
  };
}

const RuleBody = Strict({
  kind: RuleKindSchema,
  name: Type.String({ minLength: 1, maxLength: 200 }),
  method: Type.Optional(Nullable(Method)),
  rate: Ppm(),
  mcc: Type.Optional(Nullable(Type.String({ pattern: '^\\d{4}$' }))),
  province: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
  cityCode: Type.Optional(Nullable(Type.String({ pattern: '^\\d{6}$' }))),
  riskLevel: Type.Optional(Nullable(Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]))),
  merchantId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
  merchantIds: Type.Optional(Nullable(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 10_000 }))),
  startsOn: Type.Optional(Nullable(IsoDate())),
  endsOn: Type.Optional(Nullable(IsoDate())),
});

export function registerPricingRoutes(app: JihuoApp, ctx: AppContext): void {
  app.post('/v1/fees/quote', {
    schema: {
      tags: ['pricing'], summary: 'Quote the fee of a transaction and the rule that produced it',
      body: Strict({ merchantId: Type.String({ minLength: 1, maxLength: 64 }), method: Method, amount: Fen() }),
      response: { 200: AnyObject },
    },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const { merchantId, method, amount } = request.body;
    assertMerchantScope(actorOf(request), merchantId, new AppError('merchant_not_found', `Merchant ${merchantId} was not found`));
    const q = await quoteFee(ctx.db, { merchantId, method, amountFen: amount, at: ctx.clock.now() });
    return { fee: q.feeFen, rate: q.ratePpm, cap: q.capFen, rule: q.rule, amount, net: amount - q.feeFen };
  });

  app.get('/v1/pricing/plans', {
    schema: { tags: ['pricing'], summary: 'List pricing plans', querystring: PageQuery, response: { 200: Page(AnyObject) } },
    config: { access: { roles: anyOperator } },
  }, async (request) => {
    const limit = pageLimit(request.query.limit);
    const after = decodeCursor(request.query.cursor)?.[0] as string | undefined;
    const plans = await listPlans(ctx.db, after, limit + 1);
    return toPage(plans, limit, (p) => [p.id], planView);
  });

  app.get('/v1/pricing/plans/:id', {
    schema: { tags: ['pricing'], summary: 'One pricing plan', params: Strict({ id: Type.String() }), response: { 200: AnyObject } },
    config: { access: { roles: anyOperator } },
  }, async (request) => planView(await planOrThrow(ctx.db, request.params.id)));

  app.post('/v1/pricing/plans', {
    schema: {
      tags: ['pricing'], summary: 'Create a pricing plan (rates in ppm, caps in fen)',
      body: Strict({ name: Type.String({ minLength: 1, maxLength: 200 }), rates: PlanRates, isDefault: Type.Optional(Type.Boolean()) }),
      response: { 201: AnyObject },
    },
    config: { access: { roles: writers } },
  }, async (request, reply) => {
    const rates = toPlanRates(request.body.rates as RatesBody);
    assertPlanRates(rates);
    const id = newId('pln');
    const plan = await ctx.db.transaction().execute(async (trx) => {
      const at = ctx.clock.now();
      if (request.body.isDefault) await trx.updateTable('pricing_plans').set({ is_default: false, updated_at: at }).where('is_default', '=', true).execute();
      await insertPlan(trx, { id, name: request.body.name, isDefault: request.body.isDefault ?? false, at });
      await replacePlanRates(trx, id, rates);
      await ctx.audit(trx, actorOf(request), { action: 'pricing.plan_created', subjectType: 'pricing_plan', subjectId: id, details: { name: request.body.name, rates: request.body.rates } });
      return planOrThrow(trx, id);
    });
    return reply.status(201).send(planView(plan));
  });

  app.put('/v1/pricing/plans/:id', {
    schema: {
      tags: ['pricing'], summary: 'Change a plan: name, rates (replaces all), or make it the default',
      params: Strict({ id: Type.String() }),
      body: Strict({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), rates: Type.Optional(PlanRates), isDefault: Type.Optional(Type.Literal(true)) }),
      response: { 200: AnyObject },
    },
    config: { access: { roles: writers } },
  }, async (request) => {
    const { id } = request.params;
    const plan = await ctx.db.transaction().execute(async (trx) => {
      await planOrThrow(trx, id);
      const at = ctx.clock.now();
      if (request.body.isDefault) await trx.updateTable('pricing_plans').set({ is_default: false, updated_at: at }).where('is_default', '=', true).execute();
      await trx.updateTable('pricing_plans').set({
        updated_at: at, ...(request.body.name ? { name: request.body.name } : {}), ...(request.body.isDefault ? { is_default: true } : {}),
      }).where('id', '=', id).execute();
      if (request.body.rates) {
        const rates = toPlanRates(request.body.rates as RatesBody);
        assertPlanRates(rates);
        await replacePlanRates(trx, id, rates);
      }
      await ctx.audit(trx, actorOf(request), { action: 'pricing.plan_updated', subjectType: 'pricing_plan', subjectId: id, details: { ...request.body } });
      return planOrThrow(trx, id);
    });
    return planView(plan);
  });

  app.put('/v1/pricing/merchants/:merchantId/plan', {
    schema: {
      tags: ['pricing'], summary: 'Assign a pricing plan to a merchant (null: the default plan)',
      params: Strict({ merchantId: Type.String() }), body: Strict({ planId: Nullable(Type.String({ minLength: 1, maxLength: 64 })) }),
      response: { 200: AnyObject },
    },
    config: { access: { roles: writers } },
  }, async (request) => {
    const { merchantId } = request.params;
    const { planId } = request.body;
    await ctx.db.transaction().execute(async (trx) => {
      if (planId !== null) await planOrThrow(trx, planId);
      // merchants.pricing_plan_id is the pricing module's column on the merchant (SPEC §8: plans are assignable).
      const updated = await trx.updateTable('merchants').set({ pricing_plan_id: planId, updated_at: ctx.clock.now() })
        .where('id', '=', merchantId).returning('id').executeTakeFirst();
      if (!updated) throw new AppError('merchant_not_found', `Merchant ${merchantId} was not found`);
      await ctx.audit(trx, actorOf(request), { action: 'pricing.plan_assigned', subjectType: 'merchant', subjectId: merchantId, merchantId, details: { planId } });
    });
    return { merchantId, planId };
  });

  registerRuleRoutes(app, ctx);
}

async function ruleOrThrow(ctx: AppContext, id: string) {
  const row = await findRule(ctx.db, id);
  if (!row) throw new AppError('pricing_rule_not_found', `Rate rule ${id} was not found`);
  return row;
}

function registerRuleRoutes(app: JihuoApp, ctx: AppContext): void {
  app.get('/v1/pricing/rules', {
    schema: {
      tags: ['pricing'], summary: 'List rate rules (industry, region, merchant, promotion)',
      querystring: Strict({ ...PageQuery.properties, kind: Type.Optional(RuleKindSchema), active: Type.Optional(Type.Boolean()) }),
      response: { 200: Page(AnyObject) },
    },
    config: { access: { roles: anyOperator } },
  }, async (request) => {
    const limit = pageLimit(request.query.limit);
    const after = decodeCursor(request.query.cursor)?.[0] as string | undefined;
    const rows = await listRules(ctx.db, { kind: request.query.kind, active: request.query.active }, after, limit + 1);
    return toPage(rows, limit, (r) => [r.id], ruleView);
  });

  app.get('/v1/pricing/rules/:id', {
    schema: { tags: ['pricing'], summary: 'One rate rule', params: Strict({ id: Type.String() }), response: { 200: AnyObject } },
    config: { access: { roles: anyOperator } },
  }, async (request) => ruleView(await ruleOrThrow(ctx, request.params.id)));

  app.post('/v1/pricing/rules', {
    schema: { tags: ['pricing'], summary: 'Create a rate rule that may lower the plan rate', body: RuleBody, response: { 201: AnyObject } },
    config: { access: { roles: writers } },
  }, async (request, reply) => {
    const body = request.body as RuleInput;
    assertRuleValid(body);
    const id = newId('rat');
    const row = await ctx.db.transaction().execute(async (trx) => {
      const at = ctx.clock.now();
      const inserted = await trx.insertInto('pricing_rules').values({
        id, kind: body.kind, name: body.name, method: body.method ?? null, rate_ppm: body.rate, mcc: body.mcc ?? null,
        province: body.province ?? null, city_code: body.cityCode ?? null, risk_level: body.riskLevel ?? null,
        merchant_id: body.merchantId ?? null, merchant_ids: body.merchantIds ? JSON.stringify(body.merchantIds) : null,
        starts_on: body.startsOn ?? null, ends_on: body.endsOn ?? null, active: true, created_at: at, updated_at: at,
      }).returningAll().executeTakeFirstOrThrow();
      await ctx.audit(trx, actorOf(request), { action: 'pricing.rule_created', subjectType: 'pricing_rule', subjectId: id, merchantId: body.merchantId ?? null, details: { ...body } });
      return inserted;
    });
    return reply.status(201).send(ruleView(row));
  });

  app.patch('/v1/pricing/rules/:id', {
    schema: {
      tags: ['pricing'], summary: 'Change a rate rule: name, rate, window or active flag',
      params: Strict({ id: Type.String() }),
      body: Strict({
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), rate: Type.Optional(Ppm()),
        startsOn: Type.Optional(Nullable(IsoDate())), endsOn: Type.Optional(Nullable(IsoDate())), active: Type.Optional(Type.Boolean()),
      }),
      response: { 200: AnyObject },
    },
    config: { access: { roles: writers } },
  }, async (request) => {
    const { id } = request.params;
    const body = request.body;
    const row = await ctx.db.transaction().execute(async (trx) => {
      const current = await findRule(trx, id);
      if (!current) throw new AppError('pricing_rule_not_found', `Rate rule ${id} was not found`);
      const next: RuleInput = {
        kind: current.kind, name: body.name ?? current.name, rate: body.rate ?? current.rate_ppm, mcc: current.mcc,
        province: current.province, cityCode: current.city_code, riskLevel: current.risk_level, merchantId: current.merchant_id,
        startsOn: body.startsOn === undefined ? current.starts_on : body.startsOn,
        endsOn: body.endsOn === undefined ? current.ends_on : body.endsOn,
      };
      assertRuleValid(next);
      const updated = await trx.updateTable('pricing_rules').set({
        name: next.name, rate_ppm: next.rate, starts_on: next.startsOn ?? null, ends_on: next.endsOn ?? null,
        active: body.active ?? current.active, updated_at: ctx.clock.now(),
      }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      await ctx.audit(trx, actorOf(request), { action: 'pricing.rule_updated', subjectType: 'pricing_rule', subjectId: id, merchantId: current.merchant_id, details: { ...body } });
      return updated;
    });
    return ruleView(row);
  });

  app.delete('/v1/pricing/rules/:id', {
    schema: { tags: ['pricing'], summary: 'Deactivate a rate rule (kept: fees record the rule that produced them)', params: Strict({ id: Type.String() }), response: { 200: AnyObject } },
    config: { access: { roles: writers } },
  }, async (request) => {
    const { id } = request.params;
    const row = await ctx.db.transaction().execute(async (trx) => {
      const updated = await trx.updateTable('pricing_rules').set({ active: false, updated_at: ctx.clock.now() })
        .where('id', '=', id).returningAll().executeTakeFirst();
      if (!updated) throw new AppError('pricing_rule_not_found', `Rate rule ${id} was not found`);
      await ctx.audit(trx, actorOf(request), { action: 'pricing.rule_deactivated', subjectType: 'pricing_rule', subjectId: id, merchantId: updated.merchant_id });
      return updated;
    });
    return ruleView(row);
  });
}
