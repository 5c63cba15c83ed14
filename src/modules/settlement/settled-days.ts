// Whether a transaction is settled, for the modules that show or reverse transactions. Settlement
// does not mark transaction rows (a run over a million rows would spend most of its time rewriting
// them): an approved, non-training transaction is settled exactly when the settlement run of its
// business_date exists. That holds because business_date is the Shanghai day a row is made and only
// days before today are settled (assertSettleableDate), so no row joins a day after its run.
import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../platform/db/schema.js';

/** Whether the day has been settled (its run exists). */
export async function isDaySettled(db: Executor, date: string): Promise<boolean> {
  const run = await db.selectFrom('settlement_runs').select('date').where('date', '=', date).executeTakeFirst();
  return run !== undefined;
}

/** SQL for the settlement date of the transaction row aliased `alias` (null while unsettled or never settled). */
export function settledDateSql(alias: string): RawBuilder<string | null> {
  const t = sql.table(alias);
  return sql<string | null>`(select r.date::text from settlement_runs r
    where r.date = ${t}.business_date and ${t}.status = 'approved' and not ${t}.training)`;
}
