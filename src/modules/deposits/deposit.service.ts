// Refundable device deposits (SPEC §9, Appendix B). A deposit exists for every activated terminal
// whose model carries a deposit policy; rows are created lazily (on read, at settlement and by a
// worker sweep) from terminals.activated_at, which starts the window, so activation needs no hook.
//
// Life cycle: pending (collected from the merchant's settlements, partially across days when the
// net is small) → held (fully collected) → refunded (credit-card volume reached the threshold
// within the window) or forfeited (the window closed first). A replacement terminal
// (terminals.replaced_by) joins its predecessor's deposit; volume counts across the chain. When the
// predecessor has no deposit (its model had none), the replacement follows its own model's policy.
//
// Volume: approved, non-training credit-card sales on the chain's terminals made inside the window
// [activated_at, deadline), each less what was voided or refunded against it.
//
// Ledger: collection debits the merchant payable and credits the merchant's deposit_held (posted by
// `collectDeposits`); refund debits deposit_held and credits the merchant's deposit refunds
// payable; the next settlement moves that to the merchant payable (`payDepositRefunds`) and pays
// it out; forfeit debits deposit_held and credits revenue:deposit_forfeits. An uncollected
// remainder is waived on refund or forfeit: only what was collected moves. Refunds and forfeits
// due are closed set-based (bulk entries, one UPDATE, bulk messages), bounded per pass.
import { sql, type RawBuilder } from 'kysely';
import { shanghaiDate } from '../../platform/clock.js';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import { accounts, postJournalEntriesBulk } from '../ledger/ledger.service.js';
import { sendNotificationsBulk } from '../notifications/notification.service.js';
import { emitEventsBulk } from '../notifications/webhook.service.js';
import type { DepositStatus, DepositTable } from './deposit.table.js';

/** Bounds one evaluation pass; the worker picks up the rest on its next pass. */
export const depositClosuresPerPassMax = 1000;
/** Bounds how far a replacement chain is followed in one sync. */
export const replacementChainDepthMax = 20;
const dayMs = 86_400_000;

export interface DepositScope { terminalIds?: string[]; merchantId?: string }

function terminalFilter(scope: DepositScope, alias: string): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [];
  if (scope.terminalIds) {
    parts.push(scope.terminalIds.length === 0 ? sql`false`
      : sql`${sql.ref(`${alias}.id`)} in (${sql.join(scope.terminalIds)})`);
  }
  if (scope.merchantId !== undefined) parts.push(sql`${sql.ref(`${alias}.merchant_id`)} = ${scope.merchantId}`);
  return parts.length === 0 ? sql`true` : sql.join(parts, sql` and `);
}

/**
 * Creates the deposits of activated terminals that have none and attaches replacement terminals
 * to their predecessor's deposit (a replacement whose predecessor has, or will have, a deposit
 * never opens one of its own). Set-based and idempotent (deterministic ids, conflict-free).
 */
export async function syncDeposits(trx: Executor, now: Date, scope: DepositScope = {}): Promise<void> {
  // The insert runs inside the bulk emit, so `deposit.pending` fires for exactly the rows written.
  await emitEventsBulk(trx, { type: 'deposit.pending', at: now, source: sql`
    insert into deposits (id, merchant_id, origin_terminal_id, terminal_id, model_code, amount_fen, threshold_fen,
      window_days, activated_at, deadline, status, created_at, updated_at)
    select 'dep_' || substr(md5('deposit:' || t.id), 1, 20), t.merchant_id, t.id, t.id, m.code, m.deposit_fen,
      m.deposit_threshold_fen, m.deposit_window_days, t.activated_at,
      t.activated_at + make_interval(days => m.deposit_window_days), 'pending', ${now}, ${now}
    from terminals t join device_models m on m.code = t.model_code
    where t.activated_at is not null and t.merchant_id is not null and m.deposit_fen is not null
      and m.deposit_threshold_fen is not null and m.deposit_window_days is not null
      and ${terminalFilter(scope, 't')}
      and not exists (select 1 from deposit_terminals dt where dt.terminal_id = t.id)
      -- A replacement inherits its predecessor's deposit (attached below, also once the predecessor's
      -- own deposit exists); only when the predecessor has and can have none does it open its own.
      and not exists (
        select 1 from terminals o left join device_models om on om.code = o.model_code
        where (o.replaced_by = t.id or o.replaced_by = t.sn)
          and (exists (select 1 from deposit_terminals odt where odt.terminal_id = o.id)
            or (o.activated_at is not null and o.merchant_id is not null and om.deposit_fen is not null
              and om.deposit_threshold_fen is not null and om.deposit_window_days is not null)))
    on conflict (origin_terminal_id) do nothing
    returning id as event_key, merchant_id, json_build_object('depositId', id, 'terminalId', terminal_id,
      'amount', amount_fen, 'threshold', threshold_fen,
      'deadline', to_char(deadline at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) as data` });
  await sql`
    insert into deposit_terminals (terminal_id, deposit_id)
    select d.origin_terminal_id, d.id from deposits d
    where not exists (select 1 from deposit_terminals dt where dt.deposit_id = d.id)
    on conflict (terminal_id) do nothing`.execute(trx);
  await attachReplacements(trx, now);
}

/** Attaches replacement terminals to their predecessor's deposit, following chains (bounded). */
async function attachReplacements(trx: Executor, now: Date): Promise<void> {
  for (let depth = 0; depth < replacementChainDepthMax; depth++) {
    const attached = await sql`
      insert into deposit_terminals (terminal_id, deposit_id)
      select n.id, dt.deposit_id from terminals o
      join deposit_terminals dt on dt.terminal_id = o.id
      join terminals n on n.id = o.replaced_by or n.sn = o.replaced_by
      where o.replaced_by is not null and not exists (select 1 from deposit_terminals x where x.terminal_id = n.id)
      on conflict (terminal_id) do nothing`.execute(trx);
    if (Number(attached.numAffectedRows ?? 0n) === 0) break;
    await sql`
      update deposits d set terminal_id = n.id, updated_at = ${now}
      from terminals o join terminals n on n.id = o.replaced_by or n.sn = o.replaced_by
      join deposit_terminals dn on dn.terminal_id = n.id
      where o.id = d.terminal_id and dn.deposit_id = d.id`.execute(trx);
  }
}

/** Refreshes the volume of open deposits (set-based), then refunds or forfeits those that are due. */
export async function evaluateDeposits(ctx: AppContext, trx: Executor, now: Date, scope: { depositIds?: string[]; merchantId?: string } = {}): Promise<number> {
  const filters: RawBuilder<unknown>[] = [sql`d.status in ('pending', 'held')`];
  if (scope.depositIds) filters.push(scope.depositIds.length ? sql`d.id in (${sql.join(scope.depositIds)})` : sql`false`);
  if (scope.merchantId !== undefined) filters.push(sql`d.merchant_id = ${scope.merchantId}`);
  const where = sql.join(filters, sql` and `);
  await sql`
    update deposits d set volume_fen = v.volume, updated_at = ${now}
    from (
      select d.id, coalesce(sum(greatest(s.amount_fen - coalesce(r.reversed, 0), 0)), 0)::bigint as volume
      from deposits d
      join deposit_terminals dt on dt.deposit_id = d.id
      join transactions s on s.terminal_id = dt.terminal_id and s.kind = 'sale' and s.status = 'approved'
        and s.method = 'credit_card' and not s.training and s.occurred_at >= d.activated_at and s.occurred_at < d.deadline
      left join lateral (
        select sum(x.amount_fen) as reversed from transactions x
        where x.original_id = s.id and x.kind in ('void', 'refund') and x.status = 'approved'
      ) r on true
      where ${where}
      group by d.id
    ) v
    where d.id = v.id and d.volume_fen <> v.volume`.execute(trx);
  const due = await trx.selectFrom('deposits as d').select(['d.id'])
    .where(sql<boolean>`${where}`)
    .where(({ eb, or, ref }) => or([eb('d.volume_fen', '>=', ref('d.threshold_fen')), eb('d.deadline', '<=', now)]))
    .orderBy('d.id').limit(depositClosuresPerPassMax).forUpdate().execute();
  await closeDeposits(ctx, trx, due.map((d) => d.id), now);
  return due.length;
}

/**
 * Refunds (volume reached) or forfeits (window closed) the given open deposits: one bulk entry
 * per kind (only what was collected moves), one UPDATE, one bulk message per kind.
 */
async function closeDeposits(ctx: AppContext, trx: Executor, ids: string[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  const businessDate = shanghaiDate(now);
  const chosen = sql`d.id in (${sql.join(ids)}) and d.status in ('pending', 'held')`;
  for (const refunded of [true, false]) {
    const outcome = refunded ? sql`d.volume_fen >= d.threshold_fen` : sql`d.volume_fen < d.threshold_fen`;
    await postJournalEntriesBulk(trx, {
      kind: refunded ? 'deposit.refunded' : 'deposit.forfeited', refType: 'deposit', businessDate, occurredAt: now,
      description: refunded ? 'Device deposit refunded: volume threshold reached' : 'Device deposit forfeited: window closed',
      source: sql<{ merchant_id: string; ref_id: string; dedupe_key: string; amount_fen: number }>`
        select d.merchant_id, d.id as ref_id, 'deposit:' || d.id || ${refunded ? ':refund' : ':forfeit'} as dedupe_key,
          d.collected_fen as amount_fen
        from deposits d where ${chosen} and ${outcome}`,
      debit: accounts.merchantDepositHeld,
      credit: refunded ? accounts.merchantDepositRefundPayable : () => accounts.depositForfeitRevenue(),
    });
  }
  const closed = await sql<{
    id: string; merchant_id: string; terminal_id: string; sn: string; status: DepositStatus; collected_fen: number;
    volume_fen: number; threshold_fen: number;
  }>`
    update deposits d set
      status = case when d.volume_fen >= d.threshold_fen then 'refunded' else 'forfeited' end,
      closed_at = ${now}, updated_at = ${now},
      refunded_fen = case when d.volume_fen >= d.threshold_fen then d.collected_fen else 0 end,
      forfeited_fen = case when d.volume_fen >= d.threshold_fen then 0 else d.collected_fen end,
      -- Nothing to pay out when nothing was collected.
      refund_paid_date = case when d.volume_fen >= d.threshold_fen and d.collected_fen = 0 then ${businessDate}::date
        else d.refund_paid_date end
    from terminals t
    where t.id = d.terminal_id and ${chosen}
    returning d.id, d.merchant_id, d.terminal_id, t.sn, d.status, d.collected_fen, d.volume_fen, d.threshold_fen`.execute(trx);
  for (const status of ['refunded', 'forfeited'] as const) {
    const rows = closed.rows.filter((r) => r.status === status);
    if (rows.length > 0) {
      await emitEventsBulk(trx, { type: status === 'refunded' ? 'deposit.refunded' : 'deposit.forfeited', at: now, source: sql`
        select v.event_key, v.merchant_id, v.data from (values ${sql.join(rows.map((r) => sql`(${r.id}, ${r.merchant_id}, ${JSON.stringify({
          depositId: r.id, terminalId: r.terminal_id, sn: r.sn, amount: Number(r.collected_fen),
          volume: Number(r.volume_fen), threshold: Number(r.threshold_fen),
        })})`))}) as v(event_key, merchant_id, data)` });
    }
    await sendNotificationsBulk(ctx, trx, {
      template: status === 'refunded' ? 'deposit_refunded' : 'deposit_forfeited', channels: ['inbox', 'sms'],
      items: rows.map((r) => ({ merchantId: r.merchant_id, terminalId: r.terminal_id, params: { sn: r.sn, amount: Number(r.collected_fen) } })),
    });
  }
}

/**
 * With the settlement of `date`: moves the deposit refunds that settlement pays out (claimed by
 * `claimDepositRefunds`) from each merchant's deposit refunds payable to its payable, one entry
 * per merchant, so the payout carries them.
 */
export async function payDepositRefunds(trx: Executor, input: { date: string; occurredAt: Date }): Promise<void> {
  await postJournalEntriesBulk(trx, {
    kind: 'deposit.refund_paid', refType: 'deposit_refund_payout', businessDate: input.date, occurredAt: input.occurredAt,
    description: `Device deposit refunds paid with the settlement of ${input.date}`,
    source: sql<{ merchant_id: string; ref_id: string; dedupe_key: string; amount_fen: number }>`
      select merchant_id, merchant_id || ':' || ${input.date} as ref_id,
        'deposit_refund_paid:' || merchant_id || ':' || ${input.date} as dedupe_key, sum(refunded_fen)::bigint as amount_fen
      from deposits where refund_paid_date = ${input.date}::date and refunded_fen > 0 group by merchant_id`,
    debit: accounts.merchantDepositRefundPayable, credit: accounts.merchantPayable,
  });
}

/**
 * Takes deposits from a settlement: `available` yields `merchant_id, available_fen` (what the
 * day's net allows, ≥ 0). Each merchant's pending deposits activated before `cutoff` are served
 * oldest first; one deduction entry per merchant is posted. Set-based (window functions).
 */
export async function collectDeposits(trx: Executor, input: {
  date: string; cutoff: Date; occurredAt: Date; available: RawBuilder<{ merchant_id: string; available_fen: number }>;
}): Promise<void> {
  await emitEventsBulk(trx, { type: 'deposit.collected', at: input.occurredAt, source: sql`
    insert into deposit_collections (deposit_id, date, merchant_id, amount_fen, created_at)
    select id, ${input.date}::date, merchant_id, take, ${input.occurredAt} from (
      select d.id, d.merchant_id,
        least(d.amount_fen - d.collected_fen, greatest(a.available_fen - coalesce(sum(d.amount_fen - d.collected_fen) over (
          partition by d.merchant_id order by d.activated_at, d.id rows between unbounded preceding and 1 preceding), 0), 0)) as take
      from deposits d join (${input.available}) a on a.merchant_id = d.merchant_id
      where d.status = 'pending' and d.activated_at < ${input.cutoff} and a.available_fen > 0
    ) x where take > 0
    on conflict (deposit_id, date) do nothing
    returning deposit_id || ':' || date as event_key, merchant_id,
      json_build_object('depositId', deposit_id, 'date', date, 'amount', amount_fen) as data` });
  await sql`
    update deposits d set collected_fen = d.collected_fen + c.amount_fen,
      status = case when d.collected_fen + c.amount_fen = d.amount_fen then 'held' else d.status end, updated_at = ${input.occurredAt}
    from deposit_collections c where c.deposit_id = d.id and c.date = ${input.date}::date`
    .execute(trx);
  await postJournalEntriesBulk(trx, {
    kind: 'deposit.collected', refType: 'deposit_collection', businessDate: input.date, occurredAt: input.occurredAt,
    description: `Device deposits deducted from the settlement of ${input.date}`,
    source: sql<{ merchant_id: string; ref_id: string; dedupe_key: string; amount_fen: number }>`
      select merchant_id, merchant_id || ':' || ${input.date} as ref_id,
        'deposit_collection:' || merchant_id || ':' || ${input.date} as dedupe_key, sum(amount_fen)::bigint as amount_fen
      from deposit_collections where date = ${input.date}::date group by merchant_id`,
    debit: accounts.merchantPayable, credit: accounts.merchantDepositHeld,
  });
}

/** Marks refunded deposits not yet paid out as paid with the settlement of `date`. */
export async function claimDepositRefunds(trx: Executor, date: string, upTo: Date): Promise<void> {
  await trx.updateTable('deposits').set({ refund_paid_date: date })
    .where('status', '=', 'refunded').where('refund_paid_date', 'is', null)
    .where('refunded_fen', '>', 0).where('closed_at', '<=', upTo).execute();
}

export interface DepositView {
  id: string | null;
  sn: string;
  modelCode: string;
  amount: number;
  collected: number;
  status: 'none' | DepositStatus;
  volume: number;
  threshold: number | null;
  deadline: string | null;
  daysLeft: number | null;
  activatedAt: string | null;
  closedAt: string | null;
  refunded: number;
  forfeited: number;
}

export function depositView(row: DepositTable, sn: string, now: Date): DepositView {
  const open = row.status === 'pending' || row.status === 'held';
  return {
    id: row.id, sn, modelCode: row.model_code, amount: row.amount_fen, collected: row.collected_fen, status: row.status,
    volume: row.volume_fen, threshold: row.threshold_fen, deadline: row.deadline.toISOString(),
    daysLeft: open ? Math.max(0, Math.ceil((row.deadline.getTime() - now.getTime()) / dayMs)) : null,
    activatedAt: row.activated_at.toISOString(), closedAt: row.closed_at?.toISOString() ?? null,
    refunded: row.refunded_fen, forfeited: row.forfeited_fen,
  };
}

/** The terminals a terminal replaced, nearest first (换机 chains), bounded by the chain depth. */
async function predecessorIds(trx: Executor, terminal: { id: string; sn: string }): Promise<string[]> {
  const ids: string[] = [];
  let current = terminal;
  for (let depth = 0; depth < replacementChainDepthMax; depth++) {
    const previous = await trx.selectFrom('terminals').select(['id', 'sn'])
      .where('replaced_by', 'in', [current.id, current.sn]).executeTakeFirst();
    if (!previous || ids.includes(previous.id)) break;
    ids.push(previous.id);
    current = previous;
  }
  return ids;
}

/** The deposit of one terminal, brought up to date (created, refunded or forfeited) as of `now`. */
export async function terminalDeposit(ctx: AppContext, trx: Executor, terminal: { id: string; sn: string; model_code: string }, now: Date): Promise<DepositView> {
  // A replacement carries its predecessor's deposit, which may not have been created yet.
  await syncDeposits(trx, now, { terminalIds: [terminal.id, ...(await predecessorIds(trx, terminal))] });
  const link = await trx.selectFrom('deposit_terminals').select('deposit_id').where('terminal_id', '=', terminal.id).executeTakeFirst();
  if (link) {
    await evaluateDeposits(ctx, trx, now, { depositIds: [link.deposit_id] });
    const row = await trx.selectFrom('deposits').selectAll().where('id', '=', link.deposit_id).executeTakeFirstOrThrow();
    return depositView(row, terminal.sn, now);
  }
  const model = await trx.selectFrom('device_models').select(['deposit_fen', 'deposit_threshold_fen'])
    .where('code', '=', terminal.model_code).executeTakeFirst();
  return {
    id: null, sn: terminal.sn, modelCode: terminal.model_code, amount: model?.deposit_fen ?? 0, collected: 0, status: 'none',
    volume: 0, threshold: model?.deposit_threshold_fen ?? null, deadline: null, daysLeft: null, activatedAt: null,
    closedAt: null, refunded: 0, forfeited: 0,
  };
}

/** A merchant's deposits, brought up to date as of `now`. */
export async function merchantDeposits(ctx: AppContext, trx: Executor, merchantId: string, now: Date): Promise<DepositView[]> {
  await syncDeposits(trx, now, { merchantId });
  await evaluateDeposits(ctx, trx, now, { merchantId });
  const rows = await trx.selectFrom('deposits as d').innerJoin('terminals as t', 't.id', 'd.terminal_id')
    .selectAll('d').select('t.sn').where('d.merchant_id', '=', merchantId).orderBy('d.activated_at').execute();
  return rows.map((r) => depositView(r, r.sn, now));
}

/** One bounded sweep for the worker: create missing deposits, refund or forfeit those due. */
export async function sweepDeposits(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    await syncDeposits(trx, now);
    return evaluateDeposits(ctx, trx, now);
  });
}
