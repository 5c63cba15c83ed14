// Risk rules (SPEC §10): versioned configuration, inline evaluation of `decline` rules on the
// transaction path, asynchronous evaluation of the others over the transaction stream and the
// terminals' heartbeats, hits with evidence, operator review, and the merchant risk level.
import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { Actor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import { forgetInTransaction, oncePerTransaction } from '../../platform/db/transaction-memo.js';
import { AppError, validationError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import type { RiskHitTable, RiskRuleTable } from './risk.table.js';
import { evaluateRule, lookBackMinutes, validateParams, type RiskAction, type RuleKind, type RuleOutcome, type RuleParams, type TxnView } from './rules.js';
import { applyCaseAction } from './risk.actions.js';
import { getMerchantSummary } from '../merchants/merchant.service.js';
import { shanghaiDate } from '../../platform/clock.js';

export type RiskRuleRow = Selectable<RiskRuleTable>;
export type RiskHitRow = Selectable<RiskHitTable>;

export const riskBatchRows = 500;
export const riskDeclineCode = 'risk_declined';

export function ruleView(r: RiskRuleRow) {
  return { id: r.id, kind: r.kind, name: r.name, enabled: r.enabled, action: r.action, params: r.params, version: r.version, updatedAt: r.updated_at.toISOString() };
}

export function hitView(h: RiskHitRow) {
  return {
    id: h.id, ruleId: h.rule_id, ruleVersion: h.rule_version, kind: h.kind, merchantId: h.merchant_id, terminalId: h.terminal_id,
    action: h.action, status: h.status, evidence: h.evidence, merchantVisible: h.merchant_visible, caseId: h.case_id,
    reviewNote: h.review_note, createdAt: h.created_at.toISOString(),
  };
}

function assertValid(kind: RuleKind, action: RiskAction, params: Record<string, unknown>): void {
  const errors = validateParams(kind, params);
  if (action === 'open_relocation_case' && kind !== 'location_mismatch') {
    errors.push({ field: 'action', rule: 'relocation_only', message: 'only location rules open relocation cases' });
  }
  if (action === 'decline' && kind === 'location_mismatch') {
    errors.push({ field: 'action', rule: 'inline_only', message: 'location rules run on heartbeats and cannot decline' });
  }
  // Inline rules see the sale before it is authorised, so it is never a decline yet: a burst of
  // declines can only be found afterwards, by the asynchronous pass.
  if (action === 'decline' && kind === 'declines_burst') {
    errors.push({ field: 'action', rule: 'inline_only', message: 'a declines burst is found after the declines and cannot decline inline' });
  }
  if (errors.length) throw validationError(errors, 'The rule has invalid thresholds');
}

/** The enabled decline rules, read once per transaction (every sale of a batch needs them); rule changes forget them. */
const declineRulesKey = 'risk_rules.decline';

export async function createRule(ctx: AppContext, trx: Executor, actor: Actor, input: { kind: RuleKind; name: string; enabled: boolean; action: RiskAction; params: Record<string, unknown> }): Promise<RiskRuleRow> {
  assertValid(input.kind, input.action, input.params);
  forgetInTransaction(trx, declineRulesKey);
  const now = ctx.clock.now();
  const row = await trx.insertInto('risk_rules').values({
    id: newId('rsk'), kind: input.kind, name: input.name, enabled: input.enabled, action: input.action,
    params: JSON.stringify(input.params), version: 1, updated_by: actor.id, created_at: now, updated_at: now,
  }).returningAll().executeTakeFirstOrThrow();
  await recordVersion(trx, row, actor, now);
  await ctx.audit(trx, actor, { action: 'risk_rule.created', subjectType: 'risk_rule', subjectId: row.id, details: { kind: row.kind, action: row.action, params: row.params } });
  return row;
}

async function recordVersion(trx: Executor, row: RiskRuleRow, actor: Actor, at: Date): Promise<void> {
  await trx.insertInto('risk_rule_versions').values({
    rule_id: row.id, version: row.version, enabled: row.enabled, action: row.action, params: JSON.stringify(row.params),
    changed_by: actor.id, changed_at: at,
  }).execute();
}

export async function updateRule(ctx: AppContext, trx: Executor, actor: Actor, id: string,
  change: { enabled?: boolean | undefined; action?: RiskAction | undefined; params?: Record<string, unknown> | undefined; name?: string | undefined }): Promise<RiskRuleRow> {
  const current = await trx.selectFrom('risk_rules').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!current) throw new AppError('not_found', `Risk rule ${id} was not found`);
  const action = change.action ?? current.action;
  const params = (change.params ?? current.params) as Record<string, unknown>;
  assertValid(current.kind, action, params);
  forgetInTransaction(trx, declineRulesKey);
  const now = ctx.clock.now();
  const row = await trx.updateTable('risk_rules').set({
    enabled: change.enabled ?? current.enabled, action, params: JSON.stringify(params), name: change.name ?? current.name,
    version: current.version + 1, updated_by: actor.id, updated_at: now,
  }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  await recordVersion(trx, row, actor, now);
  await ctx.audit(trx, actor, { action: 'risk_rule.changed', subjectType: 'risk_rule', subjectId: id,
    details: { fromVersion: current.version, toVersion: row.version, enabled: row.enabled, action: row.action, params: row.params } });
  return row;
}

async function terminalHistory(db: Executor, terminalId: string, before: Date, minutes: number): Promise<TxnView[]> {
  if (minutes <= 0) return [];
  const rows = await db.selectFrom('transactions').select(['id', 'amount_fen', 'status', 'occurred_at'])
    .where('terminal_id', '=', terminalId).where('kind', '=', 'sale').where('training', '=', false)
    .where('occurred_at', '>', new Date(before.getTime() - minutes * 60_000)).where('occurred_at', '<=', before)
    .orderBy('occurred_at', 'desc').limit(5000).execute();
  return rows.map((r) => ({ id: r.id, amountFen: r.amount_fen, status: r.status, at: r.occurred_at }));
}

async function recordHit(ctx: AppContext, trx: Executor, rule: RiskRuleRow, subject: { merchantId: string; terminalId: string | null }, outcome: RuleOutcome): Promise<RiskHitRow | undefined> {
  const hit = await trx.insertInto('risk_hits').values({
    id: newId('hit'), rule_id: rule.id, rule_version: rule.version, kind: rule.kind, merchant_id: subject.merchantId,
    terminal_id: subject.terminalId, action: rule.action, dedupe_key: `${rule.id}:${subject.terminalId ?? subject.merchantId}:${outcome.windowKey}`,
    evidence: JSON.stringify(outcome.evidence), merchant_visible: JSON.stringify(outcome.merchantVisible), status: 'open',
    case_id: null, review_note: null, reviewed_by: null, reviewed_at: null, created_at: ctx.clock.now(),
  }).onConflict((oc) => oc.column('dedupe_key').doNothing()).returningAll().executeTakeFirst();
  if (hit) await refreshMerchantRiskLevel(ctx, trx, subject.merchantId);
  return hit;
}

export interface InlineSale { txnId: string; terminalId: string; merchantId: string; amountFen: number; at: Date; activatedAt: Date | null; mcc?: string | null }

/**
 * On the transaction path, before authorisation: evaluates the enabled `decline` rules against the
 * sale. A hit is recorded (in the caller's transaction) and the sale is declined with `risk_declined`.
 */
export async function evaluateInline(ctx: AppContext, trx: Executor, sale: InlineSale): Promise<{ declineCode: string; hitId: string | null; ruleKind: RuleKind } | null> {
  const rules = await oncePerTransaction(trx, declineRulesKey,
    () => trx.selectFrom('risk_rules').selectAll().where('enabled', '=', true).where('action', '=', 'decline').execute());
  if (rules.length === 0) return null;
  const minutes = Math.max(...rules.map((r) => lookBackMinutes(r.kind, r.params)));
  const history = await terminalHistory(trx, sale.terminalId, sale.at, minutes);
  const mcc = sale.mcc !== undefined ? sale.mcc : (await getMerchantSummary(trx, sale.merchantId)).mcc;
  for (const rule of rules) {
    const outcome = evaluateRule(rule.kind, rule.params, {
      txn: { id: sale.txnId, amountFen: sale.amountFen, status: 'approved', at: sale.at }, history, activatedAt: sale.activatedAt, mcc,
    });
    if (!outcome.hit) continue;
    const hit = await recordHit(ctx, trx, rule, { merchantId: sale.merchantId, terminalId: sale.terminalId }, { ...outcome, windowKey: `${outcome.windowKey}:${sale.txnId}` });
    return { declineCode: riskDeclineCode, hitId: hit?.id ?? null, ruleKind: rule.kind };
  }
  return null;
}

export interface SaleLocation { cityCode?: string | undefined; lat?: number | undefined; lng?: number | undefined }

/**
 * Called by the transactions module in the sale's own transaction: queues the sale for the
 * asynchronous rules. The row is claimable once (and only once) the sale commits, so neither a
 * late commit nor a clock moved back can make the worker skip it.
 */
export async function enqueueRiskEvaluation(trx: Executor, sale: { id: string; merchant_id: string; terminal_id: string; created_at: Date },
  location: SaleLocation | null = null): Promise<void> {
  await trx.insertInto('risk_queue').values({
    transaction_id: sale.id, merchant_id: sale.merchant_id, terminal_id: sale.terminal_id, city_code: location?.cityCode ?? null,
    lat: location?.lat ?? null, lng: location?.lng ?? null, enqueued_at: sale.created_at,
  }).onConflict((oc) => oc.column('transaction_id').doNothing()).execute();
}

interface QueuedSale { transaction_id: string; city_code: string | null; lat: number | null; lng: number | null }

/** The location rule's outcome for a reported city: one hit per terminal, city and Shanghai day. */
function locationOutcome(input: { sn: string; cityCode: string; registeredCityCode: string; at: Date; transactionId?: string }): RuleOutcome {
  const source = input.transactionId
    ? { transaction: { id: input.transactionId, cityCode: input.cityCode, at: input.at.toISOString() }, transactionIds: [input.transactionId] }
    : { heartbeat: { sn: input.sn, cityCode: input.cityCode, at: input.at.toISOString() } };
  return {
    hit: true, windowKey: `${input.cityCode}:${shanghaiDate(input.at)}`,
    evidence: { ...source, registeredCityCode: input.registeredCityCode },
    merchantVisible: { summary: `the terminal reported city ${input.cityCode}; the registered city is ${input.registeredCityCode}` },
  };
}

/**
 * Worker pass: claims up to `limit` queued sales (`FOR UPDATE SKIP LOCKED`, so instances share the
 * queue) and evaluates the enabled non-declining rules on each, the location rule from the city
 * the sale reported. The claim is deleted in the same transaction: a failed pass leaves it queued.
 */
export async function evaluateTransactionStream(ctx: AppContext, limit = riskBatchRows): Promise<number> {
  return ctx.db.transaction().execute(async (trx) => {
    const claimed = (await sql<QueuedSale>`
      delete from risk_queue where seq in (select seq from risk_queue order by seq limit ${limit} for update skip locked)
      returning transaction_id, city_code, lat, lng`.execute(trx)).rows;
    if (claimed.length === 0) return 0;
    const queued = new Map(claimed.map((q) => [q.transaction_id, q]));
    const txns = await trx.selectFrom('transactions').innerJoin('terminals', 'terminals.id', 'transactions.terminal_id')
      .innerJoin('merchants', 'merchants.id', 'transactions.merchant_id')
      .select(['transactions.id', 'transactions.terminal_id', 'transactions.merchant_id', 'transactions.amount_fen', 'transactions.status',
        'transactions.occurred_at', 'terminals.sn', 'terminals.activated_at', 'merchants.mcc', 'merchants.city_code'])
      .where('transactions.id', 'in', [...queued.keys()]).orderBy('transactions.occurred_at').orderBy('transactions.id').execute();
    const rules = await trx.selectFrom('risk_rules').selectAll().where('enabled', '=', true).where('action', '!=', 'decline').execute();
    const txnRules = rules.filter((r) => r.kind !== 'location_mismatch');
    const locationRules = rules.filter((r) => r.kind === 'location_mismatch');
    const minutes = Math.max(0, ...txnRules.map((r) => lookBackMinutes(r.kind, r.params)));
    for (const t of txns) {
      const subject = { merchantId: t.merchant_id, terminalId: t.terminal_id };
      const history = txnRules.length ? await terminalHistory(trx, t.terminal_id, t.occurred_at, minutes) : [];
      for (const rule of txnRules) {
        const outcome = evaluateRule(rule.kind, rule.params, {
          txn: { id: t.id, amountFen: t.amount_fen, status: t.status, at: t.occurred_at }, history, activatedAt: t.activated_at, mcc: t.mcc,
        });
        if (outcome.hit) await recordAndAct(ctx, trx, rule, subject, outcome);
      }
      const cityCode = queued.get(t.id)?.city_code ?? null;
      if (cityCode === null || t.city_code === null || cityCode === t.city_code) continue;
      const outcome = locationOutcome({ sn: t.sn, cityCode, registeredCityCode: t.city_code, at: t.occurred_at, transactionId: t.id });
      for (const rule of locationRules) await recordAndAct(ctx, trx, rule, subject, outcome);
    }
    return claimed.length;
  });
}

async function recordAndAct(ctx: AppContext, trx: Executor, rule: RiskRuleRow, subject: { merchantId: string; terminalId: string | null }, outcome: RuleOutcome): Promise<RiskHitRow | undefined> {
  const hit = await recordHit(ctx, trx, rule, subject, outcome);
  if (!hit) return undefined;
  const acted = await applyCaseAction(ctx, trx, hit);
  if (acted.status !== hit.status) await refreshMerchantRiskLevel(ctx, trx, subject.merchantId);
  return acted;
}

/** Statuses in which a terminal's location is evaluated (it is with a merchant and activated). */
const locatedStatuses = ['active', 'self_test', 'reactivation_required'] as const;

/**
 * Called by `hello` in its transaction with the reported city: records the location rule's hit at
 * once (the re-activation module's `relocation` trigger runs beside it; a hit that would open a
 * case then points at that case).
 */
export async function evaluateHelloLocation(ctx: AppContext, trx: Executor, terminal: { id: string; sn: string; merchant_id: string | null; status: string },
  cityCode: string | null): Promise<number> {
  if (cityCode === null || terminal.merchant_id === null || !(locatedStatuses as readonly string[]).includes(terminal.status)) return 0;
  const rules = await trx.selectFrom('risk_rules').selectAll().where('enabled', '=', true).where('kind', '=', 'location_mismatch').execute();
  if (rules.length === 0) return 0;
  const registered = (await getMerchantSummary(trx, terminal.merchant_id)).cityCode;
  if (registered === null || registered === cityCode) return 0;
  const outcome = locationOutcome({ sn: terminal.sn, cityCode, registeredCityCode: registered, at: ctx.clock.now() });
  let hits = 0;
  for (const rule of rules) if (await recordAndAct(ctx, trx, rule, { merchantId: terminal.merchant_id, terminalId: terminal.id }, outcome)) hits++;
  return hits;
}

const heartbeatCursor = 'heartbeats';

/**
 * Worker pass over the terminals whose last heartbeat placed them outside their merchant's
 * registered city, `limit` at a time in id order from a stored keyset cursor that wraps around:
 * every such terminal is visited in turn however many there are (rules enabled or cities changed
 * after the heartbeat are caught here). The cursor row is locked, so instances take turns.
 */
export async function evaluateHeartbeats(ctx: AppContext, limit = riskBatchRows): Promise<number> {
  const rules = await ctx.db.selectFrom('risk_rules').selectAll().where('enabled', '=', true).where('kind', '=', 'location_mismatch').execute();
  if (rules.length === 0) return 0;
  return ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('risk_scan_cursors').values({ name: heartbeatCursor, last_id: '' }).onConflict((oc) => oc.column('name').doNothing()).execute();
    const cursor = await trx.selectFrom('risk_scan_cursors').select('last_id').where('name', '=', heartbeatCursor).forUpdate().executeTakeFirstOrThrow();
    const away = await trx.selectFrom('terminals').innerJoin('merchants', 'merchants.id', 'terminals.merchant_id')
      .select(['terminals.id', 'terminals.sn', 'terminals.merchant_id', 'terminals.last_city_code', 'terminals.last_seen_at', 'merchants.city_code'])
      .where('terminals.last_city_code', 'is not', null).where('merchants.city_code', 'is not', null)
      .whereRef('terminals.last_city_code', '!=', 'merchants.city_code').where('terminals.status', 'in', [...locatedStatuses])
      .where('terminals.id', '>', cursor.last_id).orderBy('terminals.id').limit(limit).execute();
    const next = away.length < limit ? '' : away.at(-1)!.id;
    await trx.updateTable('risk_scan_cursors').set({ last_id: next }).where('name', '=', heartbeatCursor).execute();
    let hits = 0;
    for (const t of away) {
      const outcome = locationOutcome({ sn: t.sn, cityCode: t.last_city_code!, registeredCityCode: t.city_code!, at: t.last_seen_at ?? ctx.clock.now() });
      for (const rule of rules) if (await recordAndAct(ctx, trx, rule, { merchantId: t.merchant_id!, terminalId: t.id }, outcome)) hits++;
    }
    return hits;
  });
}

export async function reviewHit(ctx: AppContext, trx: Executor, actor: Actor, id: string, decision: 'approve' | 'dismiss', note: string | null, openCase: boolean): Promise<RiskHitRow> {
  const hit = await trx.selectFrom('risk_hits').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!hit) throw new AppError('not_found', `Risk hit ${id} was not found`);
  if (hit.status !== 'open') throw new AppError('invalid_state', `Risk hit ${id} is already ${hit.status}`, { currentStatus: hit.status });
  let row = await trx.updateTable('risk_hits').set({
    status: decision === 'approve' ? 'approved' : 'dismissed', review_note: note, reviewed_by: actor.id, reviewed_at: ctx.clock.now(),
  }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  if (decision === 'approve' && openCase) row = await applyCaseAction(ctx, trx, { ...row, action: 'open_risk_case' }, actor);
  await ctx.audit(trx, actor, { action: `risk_hit.${decision === 'approve' ? 'approved' : 'dismissed'}`, subjectType: 'risk_hit', subjectId: id, merchantId: hit.merchant_id, details: { note, openCase } });
  await refreshMerchantRiskLevel(ctx, trx, hit.merchant_id);
  return row;
}

export const riskHitWindowDays = 30;

export type RiskLevel = 'low' | 'medium' | 'high';

/**
 * Low/medium/high from the KYC level and the merchant's risk hits of the last 30 days (dismissed
 * ones do not count). A hit is severe when its rule acts by itself (declines, opens a case): one
 * such hit, or one an operator confirmed, makes the merchant high risk; so do three others.
 */
export function combineRiskLevel(kyc: RiskLevel | null, recentHits: number, confirmedHits: number, severeHits = 0): RiskLevel {
  if (kyc === 'high' || confirmedHits > 0 || severeHits > 0 || recentHits >= 3) return 'high';
  if (kyc === 'medium' || recentHits >= 1) return 'medium';
  return 'low';
}

interface HitCounts { recent: number; confirmed: number; severe: number; oldest: Date | null }

async function hitCounts(db: Executor, merchantId: string, now: Date): Promise<HitCounts> {
  const since = new Date(now.getTime() - riskHitWindowDays * 86_400_000);
  const row = await db.selectFrom('risk_hits').select([
    sql<string>`count(*) filter (where status <> 'dismissed')::text`.as('recent'),
    sql<string>`count(*) filter (where status in ('approved', 'actioned'))::text`.as('confirmed'),
    sql<string>`count(*) filter (where status <> 'dismissed' and action <> 'flag')::text`.as('severe'),
    sql<Date | null>`min(created_at) filter (where status <> 'dismissed')`.as('oldest'),
  ]).where('merchant_id', '=', merchantId).where('created_at', '>', since).executeTakeFirstOrThrow();
  const oldest = row.oldest === null ? null : new Date(row.oldest);
  return { recent: Number(row.recent), confirmed: Number(row.confirmed), severe: Number(row.severe), oldest };
}

export async function merchantRiskLevel(db: Executor, merchantId: string, now: Date) {
  const merchant = await db.selectFrom('merchants').select(['risk_level', 'risk_score']).where('id', '=', merchantId).executeTakeFirst();
  if (!merchant) throw new AppError('merchant_not_found', `Merchant ${merchantId} was not found`);
  const counts = await hitCounts(db, merchantId, now);
  return {
    kycLevel: merchant.risk_level, kycScore: merchant.risk_score, recentHits: counts.recent, confirmedHits: counts.confirmed,
    severeHits: counts.severe, level: combineRiskLevel(merchant.risk_level, counts.recent, counts.confirmed, counts.severe),
  };
}

/**
 * Stores the hit part of a merchant's level (what `combineRiskLevel` gives without KYC), with the
 * moment the oldest counted hit leaves the window, when it must be computed again. Called in the
 * transaction that records or reviews a hit; `refreshDueRiskLevels` handles the window.
 */
export async function refreshMerchantRiskLevel(ctx: AppContext, trx: Executor, merchantId: string): Promise<RiskLevel> {
  const now = ctx.clock.now();
  const counts = await hitCounts(trx, merchantId, now);
  const level = combineRiskLevel(null, counts.recent, counts.confirmed, counts.severe);
  const values = {
    hit_level: level, recent_hits: counts.recent, confirmed_hits: counts.confirmed, severe_hits: counts.severe,
    valid_until: counts.oldest === null ? null : new Date(counts.oldest.getTime() + riskHitWindowDays * 86_400_000), updated_at: now,
  };
  await trx.insertInto('merchant_risk_levels').values({ merchant_id: merchantId, ...values })
    .onConflict((oc) => oc.column('merchant_id').doUpdateSet(values)).execute();
  return level;
}

/** Worker pass: levels whose oldest counted hit has left the window are computed again. */
export async function refreshDueRiskLevels(ctx: AppContext, limit = riskBatchRows): Promise<number> {
  return ctx.db.transaction().execute(async (trx) => {
    const due = await trx.selectFrom('merchant_risk_levels').select('merchant_id').where('valid_until', '<=', ctx.clock.now())
      .orderBy('valid_until').limit(limit).forUpdate().skipLocked().execute();
    for (const row of due) await refreshMerchantRiskLevel(ctx, trx, row.merchant_id);
    return due.length;
  });
}

/**
 * For filters over merchants (re-activation campaigns): true where the derived level — the higher
 * of the KYC level and the stored hit level — is one of `levels`. `merchantId` and `kycLevel` are
 * the caller's column references (e.g. `merchants.id`, `merchants.risk_level`).
 */
export function derivedRiskLevelIn(levels: readonly RiskLevel[], columns: { merchantId: string; kycLevel: string }): RawBuilder<boolean> {
  const rank = (expression: RawBuilder<unknown>) => sql`(case ${expression} when 'high' then 2 when 'medium' then 1 else 0 end)`;
  const hitLevel = sql`(select r.hit_level from merchant_risk_levels r where r.merchant_id = ${sql.ref(columns.merchantId)})`;
  const derived = sql`greatest(${rank(sql.ref(columns.kycLevel))}, ${rank(hitLevel)})`;
  const wanted = levels.map((l) => ({ low: 0, medium: 1, high: 2 })[l]);
  return sql<boolean>`${derived} in (${sql.join(wanted.map((n) => sql.lit(n)))})`;
}

export type { RuleKind, RiskAction, RuleParams };
