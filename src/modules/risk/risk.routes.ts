// Operator routes for risk rules and hits (fixed paths: /v1/risk/rules, /v1/risk/hits).
import { actorOf, anyOperator, operatorsAndMerchants, assertMerchantScope } from '../../platform/http/auth.js';
import { addDays, shanghaiDayStart } from '../../platform/clock.js';
import { AppError, validationError } from '../../platform/http/errors.js';
import { decodeTimeIdCursor, pageLimit, toPage } from '../../platform/http/pagination.js';
import { AnyObject, Page, Strict, Type } from '../../platform/http/schema.js';
import type { AppContext } from '../../platform/context.js';
import type { JihuoApp } from '../../platform/module.js';
import { createRule, hitView, merchantRiskLevel, reviewHit, ruleView, updateRule } from './risk.service.js';
import { riskActions, ruleKinds } from './rules.js';

const tags = ['risk'];
const lit = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Params = Type.Record(Type.String(), Type.Unknown());

/** A `from`/`to` bound: a day is the Asia/Shanghai day (`to` then includes it), else an ISO time. */
function timeBound(field: 'from' | 'to', value: string): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    const start = shanghaiDayStart(value);
    return field === 'from' ? start : addDays(start, 1);
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(Date.parse(value))) {
    throw validationError([{ field, rule: 'date_time', message: 'must be an ISO 8601 time or a YYYY-MM-DD day' }]);
  }
  return new Date(value);
}

export function riskRoutes(app: JihuoApp, ctx: AppContext): void {
  app.get('/v1/risk/rules', {
    schema: { tags, summary: 'List risk rules' }, config: { access: { roles: anyOperator } },
  }, async () => ({ data: (await ctx.db.selectFrom('risk_rules').selectAll().orderBy('created_at').execute()).map(ruleView), hasMore: false, nextCursor: null }));

  app.post('/v1/risk/rules', {
    schema: { tags, summary: 'Create a risk rule', body: Strict({ kind: lit(ruleKinds), name: Type.String({ minLength: 1, maxLength: 100 }), enabled: Type.Optional(Type.Boolean()), action: lit(riskActions), params: Params }) },
    config: { access: { roles: ['ops_risk', 'ops_admin'] } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const b = request.body;
    const row = await ctx.db.transaction().execute((trx) => createRule(ctx, trx, actor, { kind: b.kind, name: b.name, enabled: b.enabled ?? true, action: b.action, params: b.params }));
    return reply.status(201).send(ruleView(row));
  });

  app.patch('/v1/risk/rules/:id', {
    schema: { tags, summary: 'Change a risk rule (a new version; audited)', params: Strict({ id: Type.String() }),
      body: Strict({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), enabled: Type.Optional(Type.Boolean()), action: Type.Optional(lit(riskActions)), params: Type.Optional(Params) }) },
    config: { access: { roles: ['ops_risk', 'ops_admin'] } },
  }, async (request) => {
    const actor = actorOf(request);
    return ruleView(await ctx.db.transaction().execute((trx) => updateRule(ctx, trx, actor, request.params.id, request.body)));
  });

  app.get('/v1/risk/rules/:id/history', {
    schema: { tags, summary: 'Every version of a risk rule', params: Strict({ id: Type.String() }) }, config: { access: { roles: anyOperator } },
  }, async (request) => {
    const rows = await ctx.db.selectFrom('risk_rule_versions').selectAll().where('rule_id', '=', request.params.id).orderBy('version').execute();
    if (rows.length === 0) throw new AppError('not_found', `Risk rule ${request.params.id} was not found`);
    return { data: rows.map((r) => ({ version: r.version, enabled: r.enabled, action: r.action, params: r.params, changedBy: r.changed_by, changedAt: r.changed_at.toISOString() })), hasMore: false, nextCursor: null };
  });

  app.get('/v1/risk/hits', {
    schema: { tags, summary: 'Risk hits with filters, newest first (the review queue is status=open); from/to bound createdAt',
      querystring: Strict({ status: Type.Optional(lit(['open', 'approved', 'dismissed', 'actioned'] as const)), kind: Type.Optional(lit(ruleKinds)),
        merchantId: Type.Optional(Type.String()), terminalSn: Type.Optional(Type.String()), ruleId: Type.Optional(Type.String()),
        from: Type.Optional(Type.String({ maxLength: 40, description: 'inclusive: an ISO 8601 time, or YYYY-MM-DD (that Asia/Shanghai day)' })),
        to: Type.Optional(Type.String({ maxLength: 40, description: 'exclusive for a time; a YYYY-MM-DD includes that whole day' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })), cursor: Type.Optional(Type.String({ maxLength: 512 })) }),
      response: { 200: Page(AnyObject) } },
    config: { access: { roles: anyOperator } },
  }, async (request) => {
    const q = request.query;
    const limit = pageLimit(q.limit);
    let query = ctx.db.selectFrom('risk_hits').selectAll('risk_hits');
    if (q.status) query = query.where('risk_hits.status', '=', q.status);
    if (q.kind) query = query.where('risk_hits.kind', '=', q.kind);
    if (q.merchantId) query = query.where('risk_hits.merchant_id', '=', q.merchantId);
    if (q.ruleId) query = query.where('risk_hits.rule_id', '=', q.ruleId);
    if (q.terminalSn) query = query.innerJoin('terminals', 'terminals.id', 'risk_hits.terminal_id').where('terminals.sn', '=', q.terminalSn);
    if (q.from !== undefined) query = query.where('risk_hits.created_at', '>=', timeBound('from', q.from));
    if (q.to !== undefined) query = query.where('risk_hits.created_at', '<', timeBound('to', q.to));
    const after = decodeTimeIdCursor(q.cursor);
    if (after) {
      query = query.where((eb) => eb.or([eb('risk_hits.created_at', '<', after.at),
        eb.and([eb('risk_hits.created_at', '=', after.at), eb('risk_hits.id', '<', after.id)])]));
    }
    const rows = await query.orderBy('risk_hits.created_at', 'desc').orderBy('risk_hits.id', 'desc').limit(limit + 1).execute();
    return toPage(rows, limit, (r) => [r.created_at.toISOString(), r.id], hitView);
  });

  app.post('/v1/risk/hits/:id/review', {
    schema: { tags, summary: 'Review a flagged hit: approve (optionally opening a risk_control case) or dismiss', params: Strict({ id: Type.String() }),
      body: Strict({ decision: lit(['approve', 'dismiss'] as const), note: Type.Optional(Type.String({ maxLength: 2000 })), openCase: Type.Optional(Type.Boolean()) }) },
    config: { access: { roles: ['ops_risk', 'ops_admin'] } },
  }, async (request) => {
    const actor = actorOf(request);
    const b = request.body;
    return hitView(await ctx.db.transaction().execute((trx) => reviewHit(ctx, trx, actor, request.params.id, b.decision, b.note ?? null, b.openCase ?? false)));
  });

  app.get('/v1/merchants/:merchantId/risk', {
    schema: { tags, summary: 'The merchant risk level (KYC score and recent hits)', params: Strict({ merchantId: Type.String() }) },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const actor = actorOf(request);
    assertMerchantScope(actor, request.params.merchantId, new AppError('merchant_not_found', `Merchant ${request.params.merchantId} was not found`));
    return merchantRiskLevel(ctx.db, request.params.merchantId, ctx.clock.now());
  });
}
