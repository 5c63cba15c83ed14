// SQL of the reactivation module: cases, steps, warning dedupe. Plain functions taking db/trx.
import type { Selectable } from 'kysely';
import type { Executor } from '../../platform/db/schema.js';
import type { ReactivationCaseTable, ReactivationStepTable } from './reactivation.table.js';

export type CaseRow = Selectable<ReactivationCaseTable>;
export type StepRow = Selectable<ReactivationStepTable>;

export const openStatuses = ['open', 'in_progress'] as const;

export async function findOpenCase(db: Executor, terminalId: string, lock = false): Promise<CaseRow | undefined> {
  let query = db.selectFrom('reactivation_cases').selectAll()
    .where('terminal_id', '=', terminalId).where('status', 'in', openStatuses);
  if (lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function findCase(db: Executor, id: string, lock = false): Promise<CaseRow | undefined> {
  let query = db.selectFrom('reactivation_cases').selectAll().where('id', '=', id);
  if (lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function listSteps(db: Executor, caseId: string): Promise<StepRow[]> {
  return db.selectFrom('reactivation_steps').selectAll().where('case_id', '=', caseId).orderBy('position').execute();
}

export async function listCasesOfTerminal(db: Executor, terminalId: string, before: { at: Date; id: string } | undefined,
  limit: number): Promise<CaseRow[]> {
  let query = db.selectFrom('reactivation_cases').selectAll().where('terminal_id', '=', terminalId);
  if (before) {
    query = query.where((eb) => eb.or([
      eb('created_at', '<', before.at),
      eb.and([eb('created_at', '=', before.at), eb('id', '<', before.id)]),
    ]));
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/** Records that a warning was sent; false when it already was (each warning goes out once). */
export async function claimNotice(db: Executor, input: { caseId: string; kind: string; merchantId: string | null; at: Date }): Promise<boolean> {
  const row = await db.insertInto('reactivation_notices')
    .values({ case_id: input.caseId, kind: input.kind, merchant_id: input.merchantId, sent_at: input.at })
    .onConflict((oc) => oc.columns(['case_id', 'kind']).doNothing())
    .returning('case_id').executeTakeFirst();
  return row !== undefined;
}

/**
 * When the terminal was last re-confirmed by a closed case: a `dormant` case completed or
 * cancelled, or any case completed with a new activation code. Dormancy counts from the later of
 * this and the last sale (SPEC §7: "no transaction for 180 days" restarts once the merchant has
 * re-confirmed the terminal).
 */
export async function lastReconfirmedAt(db: Executor, terminalId: string): Promise<Date | null> {
  const row = await db.selectFrom('reactivation_cases').select((eb) => eb.fn.max('closed_at').as('at'))
    .where('terminal_id', '=', terminalId)
    .where((eb) => eb.or([
      eb.and([eb('reason', '=', 'dormant'), eb('status', 'in', ['completed', 'cancelled'])]),
      eb.and([eb('needs_code', '=', true), eb('status', '=', 'completed')]),
    ])).executeTakeFirst();
  const at = row?.at ?? null;
  return at === null ? null : new Date(at as unknown as string | Date);
}

export async function terminalSn(db: Executor, terminalId: string): Promise<string> {
  const row = await db.selectFrom('terminals').select('sn').where('id', '=', terminalId).executeTakeFirstOrThrow();
  return row.sn;
}
