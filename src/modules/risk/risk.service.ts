// Risk rules (SPEC §10): versioned configuration, inline evaluation of `decline` rules on the
// transaction path, asynchronous evaluation of the others over the transaction stream and the
// terminals' heartbeats, hits with evidence, operator review, and the merchant risk level.
import { sql, type Selectable } from 'kysely';
import type { Actor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError, validationError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import type { RiskHitTable, RiskRuleTable } from './risk.table.js';
import { evaluateRule, lookBackMinutes, validateParams, type RiskAction, type RuleKind, type RuleOutcome, type RuleParams, type TxnView } from './rules.js';
import { applyCaseAction } from './risk.actions.js';
import { getMerchantSummary } from '../merchants/merchant.service.js';

export type RiskRuleRow = Selectable<RiskRuleTable>;
export type RiskHitRow = Selectable<RiskHitTable>;

export const riskBatchRows = 500;
export const riskDeclineCode = 'risk_declined';
const cursorName = 'transactions';
const riskLockId = 7_141_011;

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
  if (errors.length) throw validationError(errors, 'The rule has invalid thresholds');
}

export async function createRule(ctx: AppContext, trx: Executor, actor: Actor, input: { kind: RuleKind; name: string; enabled: boolean; action: RiskAction; params: Record<string, unknown> }): Promise<RiskRuleRow> {
  assertValid(input.kind, input.action, input.params);
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
  return trx.insertInto('risk_hits').values({
    id: newId('hit'), rule_id: rule.id, rule_version: rule.version, kind: rule.kind, merchant_id: subject.merchantId,
    terminal_id: subject.terminalId, action: rule.action, dedupe_key: `${rule.id}:${subject.terminalId ?? subject.merchantId}:${outcome.windowKey}`,
    evidence: JSON.stringify(outcome.evidence), merchant_visible: JSON.stringify(outcome.merchantVisible), status: 'open',
    case_id: null, review_note: null, reviewed_by: null, reviewed_at: null, created_at: ctx.clock.now(),
  }).onConflict((oc) => oc.column('dedupe_key').doNothing()).returningAll().executeTakeFirst();
}

export interface InlineSale { txnId: string; terminalId: string; merchantId: string; amountFen: number; at: Date; activatedAt: Date | null; mcc?: string | null }

/**
 * On the transaction path, before authorisation: evaluates the enabled `decline` rules against the
 * sale. A hit is recorded (in the caller's transaction) and the sale is declined with `risk_declined`.
 */
export async function evaluateInline(ctx: AppContext, trx: Executor, sale: InlineSale): Promise<{ declineCode: string; hitId: string | null; ruleKind: RuleKind } | null> {
  const rules = await trx.selectFrom('risk_rules').selectAll().where('enabled', '=', true).where('action', '=', 'decline').execute();
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

/** Worker pass: evaluates the non-declining rules over transactions created since the cursor. */
export async function evaluateTransactionStream(ctx: AppContext, limit = riskBatchRows): Promise<number> {
  return ctx.db.transaction().execute(async (trx) => {
    const locked = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${riskLockId}) as ok`.execute(trx);
    if (!locked.rows[0]?.ok) return 0;
    const cursor = await trx.selectFrom('risk_cursor').selectAll().where('name', '=', cursorName).executeTakeFirst();
    let query = trx.selectFrom('transactions').innerJoin('terminals', 'terminals.id', 'transactions.terminal_id')
      .innerJoin('merchants', 'merchants.id', 'transactions.merchant_id')
      .select(['transactions.id', 'transactions.terminal_id', 'transactions.merchant_id', 'transactions.amount_fen', 'transactions.status',
        'transactions.occurred_at', 'transactions.created_at', 'terminals.activated_at', 'merchants.mcc'])
      .where('transactions.kind', '=', 'sale').where('transactions.training', '=', false)
      .orderBy('transactions.created_at').orderBy('transactions.id').limit(limit);
    if (cursor) {
      query = query.where((eb) => eb.or([
        eb('transactions.created_at', '>', cursor.last_created_at),
        eb.and([eb('transactions.created_at', '=', cursor.last_created_at), eb('transactions.id', '>', cursor.last_id)]),
      ]));
    }
    const txns = await query.execute();
    if (txns.length === 0) return 0;
    const rules = await trx.selectFrom('risk_rules').selectAll().where('enabled', '=', true)
      .where('action', '!=', 'decline').where('kind', '!=', 'location_mismatch').execute();
    for (const t of txns) {
      const minutes = Math.max(0, ...rules.map((r) => lookBackMinutes(r.kind, r.params)));
      const history = await terminalHistory(trx, t.terminal_id, t.occurred_at, minutes);
      for (const rule of rules) {
        const outcome = evaluateRule(rule.kind, rule.params, {
          txn: { id: t.id, amountFen: t.amount_fen, status: t.status, at: t.occurred_at }, history, activatedAt: t.activated_at, mcc: t.mcc,
        });
        if (!outcome.hit) continue;
        const hit = await recordHit(ctx, trx, rule, { merchantId: t.merchant_id, terminalId: t.terminal_id }, outcome);
        if (hit) await applyCaseAction(ctx, trx, hit);
      }
    }
    const last = txns.at(-1)!;
    await trx.insertInto('risk_cursor').values({ name: cursorName, last_created_at: last.created_at, last_id: last.id })
      .onConflict((oc) => oc.column('name').doUpdateSet({ last_created_at: last.created_at, last_id: last.id })).execute();
    return txns.length;
  });
}

/** Worker pass: heartbeats that placed a terminal outside its merchant's registered city. */
export async function evaluateHeartbeats(ctx: AppContext): Promise<number> {
  const rules = await ctx.db.selectFrom('risk_rules').selectAll().where('enabled', '=', true).where('kind', '=', 'location_mismatch').execute();
  if (rules.length === 0) return 0;
  const away = await ctx.db.selectFrom('terminals').innerJoin('merchants', 'merchants.id', 'terminals.merchant_id')
    .select(['terminals.id', 'terminals.sn', 'terminals.merchant_id', 'terminals.last_city_code', 'terminals.last_seen_at', 'merchants.city_code'])
    .where('terminals.last_city_code', 'is not', null).where('merchants.city_code', 'is not', null)
    .whereRef('terminals.last_city_code', '!=', 'merchants.city_code').where('terminals.status', 'in', ['active', 'self_test'])
    .limit(riskBatchRows).execute();
  let hits = 0;
  for (const t of away) {
    for (const rule of rules) {
      await ctx.db.transaction().execute(async (trx) => {
        const outcome: RuleOutcome = {
          hit: true, windowKey: `${t.last_city_code}:${t.last_seen_at?.toISOString().slice(0, 10) ?? ''}`,
          evidence: { heartbeat: { sn: t.sn, cityCode: t.last_city_code, at: t.last_seen_at?.toISOString() ?? null }, registeredCityCode: t.city_code },
          merchantVisible: { summary: `the terminal reported city ${t.last_city_code}; the registered city is ${t.city_code}` },
        };
        const hit = await recordHit(ctx, trx, rule, { merchantId: t.merchant_id!, terminalId: t.id }, outcome);
        if (hit) { hits++; await applyCaseAction(ctx, trx, hit); }
      });
    }
  }
  return hits;
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
  return row;
}

export const riskHitWindowDays = 30;

/** Low/medium/high from the KYC level and the merchant's recent risk hits (campaign filters use it). */
export function combineRiskLevel(kyc: 'low' | 'medium' | 'high' | null, recentHits: number, confirmedHits: number): 'low' | 'medium' | 'high' {
  if (kyc === 'high' || confirmedHits > 0 || recentHits >= 3) return 'high';
  if (kyc === 'medium' || recentHits >= 1) return 'medium';
  return 'low';
}

export async function merchantRiskLevel(db: Executor, merchantId: string, now: Date) {
  const merchant = await db.selectFrom('merchants').select(['risk_level', 'risk_score']).where('id', '=', merchantId).executeTakeFirst();
  if (!merchant) throw new AppError('merchant_not_found', `Merchant ${merchantId} was not found`);
  const since = new Date(now.getTime() - riskHitWindowDays * 86_400_000);
  const counts = await db.selectFrom('risk_hits').select([
    sql<string>`count(*) filter (where status <> 'dismissed')::text`.as('recent'),
    sql<string>`count(*) filter (where status in ('approved', 'actioned'))::text`.as('confirmed'),
  ]).where('merchant_id', '=', merchantId).where('created_at', '>', since).executeTakeFirstOrThrow();
  const recent = Number(counts.recent);
  const confirmed = Number(counts.confirmed);
  return { kycLevel: merchant.risk_level, kycScore: merchant.risk_score, recentHits: recent, confirmedHits: confirmed, level: combineRiskLevel(merchant.risk_level, recent, confirmed) };
}

export type { RuleKind, RiskAction, RuleParams };
