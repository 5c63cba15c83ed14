// Read-side SQL of the transactions module: filtered, cursor-paginated lists and daily totals.
import { sql } from 'kysely';
import type { Executor } from '../../platform/db/schema.js';
import { settledDateSql } from '../settlement/settled-days.js';
import type { TransactionMethod } from './transaction.table.js';

export interface TransactionFilter {
  merchantId: string | null;
  from?: string;
  to?: string;
  method?: TransactionMethod;
  status?: 'approved' | 'declined';
  kind?: 'sale' | 'void' | 'refund';
  terminalSn?: string;
  training?: boolean;
}

/** Newest first; the cursor is (occurred_at, id) of the last row. */
export async function listTransactions(db: Executor, filter: TransactionFilter, after: [string, string] | undefined, limit: number) {
  let query = db.selectFrom('transactions as t').innerJoin('terminals as trm', 'trm.id', 't.terminal_id')
    .selectAll('t').select(['trm.sn as terminal_sn', settledDateSql('t').as('settled_date')])
    .orderBy('t.occurred_at', 'desc').orderBy('t.id', 'desc').limit(limit);
  if (filter.merchantId !== null) query = query.where('t.merchant_id', '=', filter.merchantId);
  if (filter.from) query = query.where('t.business_date', '>=', filter.from);
  if (filter.to) query = query.where('t.business_date', '<=', filter.to);
  if (filter.method) query = query.where('t.method', '=', filter.method);
  if (filter.status) query = query.where('t.status', '=', filter.status);
  if (filter.kind) query = query.where('t.kind', '=', filter.kind);
  if (filter.terminalSn) query = query.where('trm.sn', '=', filter.terminalSn);
  if (filter.training !== undefined) query = query.where('t.training', '=', filter.training);
  if (after) {
    const [at, id] = after;
    const atDate = new Date(at);
    query = query.where((eb) => eb.or([eb('t.occurred_at', '<', atDate), eb.and([eb('t.occurred_at', '=', atDate), eb('t.id', '<', id)])]));
  }
  return query.execute();
}

export async function findTransaction(db: Executor, id: string) {
  return db.selectFrom('transactions as t').innerJoin('terminals as trm', 'trm.id', 't.terminal_id')
    .selectAll('t').select(['trm.sn as terminal_sn', settledDateSql('t').as('settled_date')]).where('t.id', '=', id).executeTakeFirst();
}

export interface DailyTotal {
  date: string; method: TransactionMethod; salesCount: number; gross: number; fees: number; voids: number; refunds: number; net: number;
}

/**
 * Per business day and method, approved and non-training only: gross sales (voided ones included,
 * as in settlement), fees net of fees returned, voided and refunded amounts, and the net.
 */
export async function dailyTotals(db: Executor, merchantId: string, from: string, to: string): Promise<DailyTotal[]> {
  const result = await sql<{ date: string; method: TransactionMethod; sales_count: number; gross: number; sale_fees: number; returned_fees: number; voids: number; refunds: number }>`
    select business_date::text as date, method,
      count(*) filter (where kind = 'sale')::bigint as sales_count,
      coalesce(sum(amount_fen) filter (where kind = 'sale'), 0)::bigint as gross,
      coalesce(sum(fee_fen) filter (where kind = 'sale'), 0)::bigint as sale_fees,
      coalesce(sum(fee_fen) filter (where kind <> 'sale'), 0)::bigint as returned_fees,
      coalesce(sum(amount_fen) filter (where kind = 'void'), 0)::bigint as voids,
      coalesce(sum(amount_fen) filter (where kind = 'refund'), 0)::bigint as refunds
    from transactions
    where merchant_id = ${merchantId} and status = 'approved' and training = false
      and business_date between ${from} and ${to}
    group by business_date, method
    order by business_date, method`.execute(db);
  return result.rows.map((r) => {
    const fees = Number(r.sale_fees) - Number(r.returned_fees);
    const gross = Number(r.gross);
    return {
      date: r.date, method: r.method, salesCount: Number(r.sales_count), gross, fees, voids: Number(r.voids), refunds: Number(r.refunds),
      net: gross - fees - Number(r.voids) - Number(r.refunds),
    };
  });
}
