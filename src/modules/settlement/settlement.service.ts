// Daily T+1 settlement (SPEC §9, Appendix B). A day is an Asia/Shanghai calendar day (cut-off at
// midnight); only days before today may be settled. One run per day, in one database transaction,
// under one advisory lock for all runs (a merchant's carried shortfall and deposits are shared by
// its days, so two days never settle at once): a second or concurrent run finds the run row and
// returns the same result without writing anything (statements are also unique per merchant and
// day, and every ledger entry carries a dedupe key).
//
// Per merchant and day, over approved, non-training transactions whose business_date is the day:
//   gross   = Σ sale amounts (every approved sale of the day, including ones voided later)
//   voids   = Σ void amounts of the day;  refunds = Σ refund amounts of the day
//   fees    = Σ sale fees − Σ fees returned by the day's voids and refunds, i.e. the fee_fen
//             recorded on each reversal row (a void returns the sale's whole fee; a refund
//             returns none by default, a proportional part when refundReturnsFee is configured)
//   activity = gross − fees − voids − refunds: exactly what the day's transactions moved on the
//             merchant's payable account in the ledger (sale credits amount − fee, a void
//             reverses that, a refund debits amount − returned fee)
//   depositDeduction = what pending deposits take, at most max(activity − shortfall carried in, 0)
//   net     = max(activity − depositDeduction, 0)   (Appendix B: never negative)
// A day whose activity is negative (refunds above sales) leaves a shortfall of −activity that the
// merchant owes; it is carried to the next statements (settlement_shortfalls), which deduct it on
// a separate line before paying out:
//   owed               = shortfall carried in + max(−activity, 0)
//   shortfallDeduction = min(owed, net + depositRefund);  shortfallCarried = owed − shortfallDeduction
//   payout             = net + depositRefund − shortfallDeduction
// Deposit refunds (on the merchant's deposit refunds payable since the refund) move to the
// payable with the run and are paid out with it; the deduction (debit payable, credit
// deposit_held) is posted by the deposits module. So statements and ledger agree: Σ payout =
// payable movement − deductions + deposit refunds, and the payable left after a run is the
// carried shortfall (a debit).
// Everything is set-based (INSERT … SELECT … GROUP BY, one UPDATE per step, messages in bulk):
// a million transactions of any number of merchants settle in one run in a fixed number of queries.
// Transactions are read once and never rewritten: a transaction is settled when its day's run exists
// (settled-days.ts).
import { sql, type RawBuilder } from 'kysely';
import { shanghaiDate, shanghaiDayStart, addDays } from '../../platform/clock.js';
import type { Actor } from '../../platform/actor.js';
import { systemActor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import { accounts, postJournalEntriesBulk } from '../ledger/ledger.service.js';
import { claimDepositRefunds, collectDeposits, evaluateDeposits, payDepositRefunds, syncDeposits } from '../deposits/deposit.service.js';
import { sendNotificationsBulk } from '../notifications/notification.service.js';
import { emitEvent, emitEventsBulk } from '../notifications/webhook.service.js';
import type { SettlementRunTable, SettlementStatementTable } from './settlement.table.js';

/** Advisory lock of settlement runs (one for all dates: see the header). */
const settlementLockClass = 7_141_900;
const settlementLockKey = 0;
/** Statements whose messages are queued per bulk call. */
export const notificationPageRowsMax = 1000;

export const settlementSteps = ['deposits', 'statements', 'deductions', 'payouts', 'notifications'] as const;
export type SettlementStep = (typeof settlementSteps)[number];

export interface SettlementResult {
  date: string;
  runId: string;
  merchants: number;
  transactions: number;
  gross: number;
  net: number;
  completedAt: string;
  /** True when the day had been settled before: nothing was written. */
  alreadySettled: boolean;
}

export interface StatementView {
  date: string;
  gross: number;
  fees: number;
  voids: number;
  refunds: number;
  depositDeduction: number;
  net: number;
}

/** The lines after `net` (`?details=true`): deposit refunds paid, the carried shortfall, the payout. */
export interface StatementDetails extends StatementView {
  depositRefund: number;
  shortfallCarriedIn: number;
  shortfallDeduction: number;
  shortfallCarried: number;
  payout: number;
}

function isCalendarDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const parsed = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date;
}

/** T+1: a day can be settled once it is over in Shanghai, i.e. only dates before today. */
export function assertSettleableDate(date: string, now: Date): void {
  const today = shanghaiDate(now);
  if (!isCalendarDate(date) || date >= today) {
    throw new AppError('settlement_date_invalid', `Only days before today (${today}, Asia/Shanghai) can be settled`, {
      date, latestSettleableDate: shanghaiDate(addDays(shanghaiDayStart(today), -1)),
    });
  }
}

function resultOf(run: SettlementRunTable, alreadySettled: boolean): SettlementResult {
  return {
    date: run.date, runId: run.id, merchants: run.merchants, transactions: run.transactions, gross: run.gross_fen,
    net: run.net_fen, completedAt: run.completed_at.toISOString(), alreadySettled,
  };
}

export interface RunOptions { actor?: Actor; onProgress?: (done: number, total: number, step: SettlementStep) => void }

/** Settles one day for every merchant. Idempotent; safe to run on several instances at once. */
export async function runSettlement(ctx: AppContext, date: string, options: RunOptions = {}): Promise<SettlementResult> {
  const startedAt = ctx.clock.now();
  assertSettleableDate(date, startedAt);
  const progress = (step: SettlementStep) => options.onProgress?.(settlementSteps.indexOf(step) + 1, settlementSteps.length, step);
  return ctx.db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${settlementLockClass}, ${settlementLockKey})`.execute(trx);
    const existing = await trx.selectFrom('settlement_runs').selectAll().where('date', '=', date).executeTakeFirst();
    if (existing) return resultOf(existing, true);

    const cutoff = addDays(shanghaiDayStart(date), 1);
    await syncDeposits(trx, startedAt);
    await evaluateDeposits(ctx, trx, startedAt);
    await claimDepositRefunds(trx, date, startedAt);
    progress('deposits');
    const transactions = await insertStatements(trx, date, startedAt);
    progress('statements');
    await collectDeposits(trx, {
      date, cutoff, occurredAt: startedAt,
      available: sql`select merchant_id, greatest(activity_fen - shortfall_carried_in_fen, 0) as available_fen
        from settlement_statements where date = ${date}::date`,
    });
    await applyDeductions(trx, date);
    await carryShortfalls(trx, date, startedAt);
    progress('deductions');
    await payDepositRefunds(trx, { date, occurredAt: startedAt });
    await postJournalEntriesBulk(trx, {
      kind: 'settlement.payout', refType: 'settlement_statement', businessDate: date, occurredAt: startedAt,
      description: `Settlement payout for ${date}`,
      source: sql`select merchant_id, id as ref_id, 'settlement:payout:' || merchant_id || ':' || ${date} as dedupe_key,
        payout_fen as amount_fen from settlement_statements where date = ${date}::date and payout_fen > 0`,
      debit: accounts.merchantPayable, credit: () => accounts.settlementBank(),
    });
    progress('payouts');
    const totals = await sql<{ merchants: string; gross: string; net: string }>`
      select count(*)::text as merchants, coalesce(sum(gross_fen), 0)::text as gross, coalesce(sum(net_fen), 0)::text as net
      from settlement_statements where date = ${date}::date`.execute(trx);
    const total = totals.rows[0]!;
    const run = await trx.insertInto('settlement_runs').values({
      date, id: newId('stl'), merchants: Number(total.merchants), gross_fen: Number(total.gross), net_fen: Number(total.net),
      transactions, started_at: startedAt, completed_at: ctx.clock.now(),
    }).returningAll().executeTakeFirstOrThrow();
    await notifyMerchants(ctx, trx, date);
    await emitStatementEvents(ctx, trx, date, run.id);
    progress('notifications');
    await ctx.audit(trx, options.actor ?? systemActor, {
      action: 'settlement.run', subjectType: 'settlement', subjectId: date,
      details: { runId: run.id, merchants: run.merchants, transactions: run.transactions, grossFen: run.gross_fen, netFen: run.net_fen },
    });
    return resultOf(run, false);
  });
}

/**
 * The lines after the activity (Appendix B and the header), as SQL over a statement's activity,
 * shortfall carried in, deposit refund and deposit deduction: the one place these formulas live.
 */
function statementLines(activity: RawBuilder<unknown>, carriedIn: RawBuilder<unknown>, refund: RawBuilder<unknown>, deduction: RawBuilder<unknown>) {
  const net = sql`greatest(${activity} - ${deduction}, 0)`;
  const owed = sql`(${carriedIn} + greatest(-(${activity}), 0))`;
  const shortfallDeduction = sql`least(${owed}, ${net} + ${refund})`;
  return { net, shortfallDeduction, payout: sql`${net} + ${refund} - ${shortfallDeduction}`, shortfallCarried: sql`${owed} - ${shortfallDeduction}` };
}

/**
 * One statement per merchant with approved, non-training transactions of the day or a deposit
 * refund paid that day, its lines complete as if no deposit were deducted (deductions then update
 * the few statements they touch); returns how many transactions the statements cover. The day is
 * aggregated by CREATE TABLE AS, which PostgreSQL may run in parallel (an INSERT … SELECT never is).
 */
async function insertStatements(trx: Executor, date: string, now: Date): Promise<number> {
  await sql`
    create temporary table settlement_day_totals on commit drop as
    select x.merchant_id, count(*) as n,
      count(*) filter (where x.kind = 'sale') as sale_count,
      coalesce(sum(x.amount_fen) filter (where x.kind = 'sale'), 0) as gross,
      coalesce(sum(x.fee_fen) filter (where x.kind = 'sale'), 0)
        - coalesce(sum(x.fee_fen) filter (where x.kind in ('void', 'refund')), 0) as fees,
      coalesce(sum(x.amount_fen) filter (where x.kind = 'void'), 0) as voids,
      coalesce(sum(x.amount_fen) filter (where x.kind = 'refund'), 0) as refunds
    from transactions x
    where x.business_date = ${date}::date and x.status = 'approved' and not x.training
    group by x.merchant_id`.execute(trx);
  const lines = statementLines(sql.ref('m.activity'), sql.ref('m.carried_in'), sql.ref('m.refunded'), sql.lit(0));
  const result = await sql<{ transactions: string }>`
    with r as (
      select merchant_id, sum(refunded_fen) as refunded from deposits
      where refund_paid_date = ${date}::date and refunded_fen > 0 group by merchant_id
    ), inserted as (
      insert into settlement_statements (id, merchant_id, date, sale_count, gross_fen, fees_fen, voids_fen, refunds_fen,
        activity_fen, deposit_refund_fen, shortfall_carried_in_fen, net_fen, shortfall_deduction_fen, payout_fen,
        shortfall_carried_fen, created_at)
      select 'stl_' || substr(md5('statement:' || m.merchant_id || ':' || ${date}), 1, 20), m.merchant_id, ${date}::date,
        m.sale_count, m.gross, m.fees, m.voids, m.refunds, m.activity, m.refunded, m.carried_in,
        ${lines.net}, ${lines.shortfallDeduction}, ${lines.payout}, ${lines.shortfallCarried}, ${now}
      from (
        select coalesce(t.merchant_id, r.merchant_id) as merchant_id, coalesce(t.sale_count, 0) as sale_count,
          coalesce(t.gross, 0) as gross, coalesce(t.fees, 0) as fees, coalesce(t.voids, 0) as voids, coalesce(t.refunds, 0) as refunds,
          coalesce(t.gross, 0) - coalesce(t.fees, 0) - coalesce(t.voids, 0) - coalesce(t.refunds, 0) as activity,
          coalesce(r.refunded, 0) as refunded, coalesce(sf.owed_fen, 0) as carried_in
        from settlement_day_totals t full join r on r.merchant_id = t.merchant_id
        left join settlement_shortfalls sf on sf.merchant_id = coalesce(t.merchant_id, r.merchant_id)
      ) m
      on conflict (merchant_id, date) do nothing
    )
    select coalesce(sum(n), 0)::text as transactions from settlement_day_totals`.execute(trx);
  return Number(result.rows[0]!.transactions);
}

/** The statements deposits were collected from: the deduction and the lines after it. */
async function applyDeductions(trx: Executor, date: string): Promise<void> {
  const lines = statementLines(sql.ref('s.activity_fen'), sql.ref('s.shortfall_carried_in_fen'), sql.ref('s.deposit_refund_fen'), sql.ref('c.total'));
  await sql`
    update settlement_statements s set deposit_deduction_fen = c.total, net_fen = ${lines.net},
      shortfall_deduction_fen = ${lines.shortfallDeduction}, payout_fen = ${lines.payout}, shortfall_carried_fen = ${lines.shortfallCarried}
    from (select merchant_id, sum(amount_fen)::bigint as total from deposit_collections
          where date = ${date}::date group by merchant_id) c
    where s.date = ${date}::date and s.merchant_id = c.merchant_id`.execute(trx);
}

/** Records what each merchant of the day still owes from refund shortfalls, for its next statements. */
async function carryShortfalls(trx: Executor, date: string, now: Date): Promise<void> {
  await sql`
    insert into settlement_shortfalls (merchant_id, owed_fen, updated_date, updated_at)
    select merchant_id, shortfall_carried_fen, date, ${now} from settlement_statements
    where date = ${date}::date and (shortfall_carried_fen > 0 or shortfall_carried_in_fen > 0)
    on conflict (merchant_id) do update set owed_fen = excluded.owed_fen, updated_date = excluded.updated_date,
      updated_at = excluded.updated_at`.execute(trx);
}

/** One inbox message per statement of the day, queued in pages (bounded memory, few queries). */
async function notifyMerchants(ctx: AppContext, trx: Executor, date: string): Promise<void> {
  let after = '';
  for (;;) {
    const page = await trx.selectFrom('settlement_statements').select(['merchant_id', 'net_fen'])
      .where('date', '=', date).where('merchant_id', '>', after).orderBy('merchant_id').limit(notificationPageRowsMax).execute();
    if (page.length === 0) return;
    await sendNotificationsBulk(ctx, trx, {
      template: 'settlement_ready', channels: ['inbox'],
      items: page.map((s) => ({ merchantId: s.merchant_id, params: { date, net: s.net_fen } })),
    });
    if (page.length < notificationPageRowsMax) return;
    after = page.at(-1)!.merchant_id;
  }
}

/** Partner webhooks: one `settlement.statement_created` per merchant (set-based), then the run. */
async function emitStatementEvents(ctx: AppContext, trx: Executor, date: string, runId: string): Promise<void> {
  await emitEventsBulk(trx, {
    type: 'settlement.statement_created', at: ctx.clock.now(),
    source: sql`select id as event_key, merchant_id, json_build_object('statementId', id, 'date', ${date}::text,
      'gross', gross_fen, 'fees', fees_fen, 'voids', voids_fen, 'refunds', refunds_fen,
      'depositDeduction', deposit_deduction_fen, 'net', net_fen, 'payout', payout_fen) as data
      from settlement_statements where date = ${date}::date order by merchant_id`,
  });
  await emitEvent(ctx, trx, { type: 'settlement.completed', merchantId: null, data: { date, runId } });
}

export function statementView(row: SettlementStatementTable): StatementView {
  return {
    date: row.date, gross: row.gross_fen, fees: row.fees_fen, voids: row.voids_fen, refunds: row.refunds_fen,
    depositDeduction: row.deposit_deduction_fen, net: row.net_fen,
  };
}

export function statementDetails(row: SettlementStatementTable): StatementDetails {
  return {
    ...statementView(row), depositRefund: row.deposit_refund_fen, shortfallCarriedIn: row.shortfall_carried_in_fen,
    shortfallDeduction: row.shortfall_deduction_fen, shortfallCarried: row.shortfall_carried_fen, payout: row.payout_fen,
  };
}

export interface StatementQuery { date?: string; from?: string; to?: string }

/** A merchant's statements, oldest first (bounded to about a year per call). */
export async function merchantStatements(db: Executor, merchantId: string, query: StatementQuery): Promise<SettlementStatementTable[]> {
  let q = db.selectFrom('settlement_statements').selectAll().where('merchant_id', '=', merchantId);
  if (query.date) q = q.where('date', '=', query.date);
  if (query.from) q = q.where('date', '>=', query.from);
  if (query.to) q = q.where('date', '<=', query.to);
  return q.orderBy('date').limit(statementsPerRequestMax).execute();
}

export const statementsPerRequestMax = 400;

export const statementCsvColumns = [
  'merchant_id', 'date', 'sale_count', 'gross_fen', 'fees_fen', 'voids_fen', 'refunds_fen', 'deposit_deduction_fen',
  'net_fen', 'deposit_refund_fen', 'payout_fen', 'shortfall_carried_in_fen', 'shortfall_deduction_fen', 'shortfall_carried_fen',
] as const;
