// Bulk import of terminals into stock (SPEC §4, Appendix A): per-row errors while good rows
// import, or all-or-none with `atomic`. Rows go in `importBatchRows` at a time, each batch one
// statement (the columns as arrays through unnest, the terminals and their `imported` timeline
// events in one writable CTE), so 100,000 rows are ~20 statements and their parameters are five
// arrays, never one round trip (or one bound parameter list) per row. While PostgreSQL writes one
// batch, the next batch's factory keys are sealed, so the two processes' work overlaps.
import { sql } from 'kysely';
import type { Actor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import { newId } from '../../platform/ids.js';
import { checkRowShapes, type ImportRow, type ImportRowError, type RejectedRow } from './terminal-import.js';

export const importBatchRows = 5000;

export interface ImportResult { imported: number; rejected: RejectedRow[] }

export interface ImportOptions {
  atomic?: boolean;
  onProgress?(done: number, total: number): void;
}

class AtomicImportAborted extends Error {}

async function snsInStock(db: Executor, sns: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < sns.length; i += importBatchRows) {
    const chunk = sns.slice(i, i + importBatchRows);
    const rows = await sql<{ sn: string }>`select sn from terminals where sn = any(${chunk}::text[])`.execute(db);
    for (const r of rows.rows) found.add(r.sn);
  }
  return found;
}

/** A batch ready to insert: the columns as arrays, factory keys sealed. */
interface PreparedBatch { ids: string[]; sns: string[]; models: string[]; keys: string[] }

function prepareBatch(ctx: AppContext, batch: ImportRow[]): PreparedBatch {
  return {
    ids: batch.map(() => newId('trm')), sns: batch.map((row) => row.sn), models: batch.map((row) => row.modelCode),
    keys: batch.map((row) => ctx.cipher.seal('terminals.factory_key', row.factoryKey.toLowerCase())),
  };
}

/** Inserts one batch (rows and their `imported` timeline events) in one statement; returns the SNs that went in. */
async function insertBatch(ctx: AppContext, db: Executor, actor: Actor, batch: PreparedBatch): Promise<Set<string>> {
  const now = ctx.clock.now();
  const inserted = await sql<{ sn: string }>`
    with inserted as (
      insert into terminals (id, sn, model_code, status, factory_key_enc, created_at, updated_at)
      select r.id, r.sn, r.model_code, 'in_stock', r.factory_key_enc, ${now}, ${now}
      from unnest(${batch.ids}::text[], ${batch.sns}::text[], ${batch.models}::text[], ${batch.keys}::text[])
        as r(id, sn, model_code, factory_key_enc)
      on conflict (sn) do nothing
      returning id, sn
    ), events as (
      insert into terminal_events (terminal_id, merchant_id, at, kind, from_status, to_status, actor_kind, actor_id, reason, details)
      select id, null, ${now}, 'imported', null, 'in_stock', ${actor.kind}, ${actor.id}, 'inventory_import', '{}' from inserted
    )
    select sn from inserted`.execute(db);
  return new Set(inserted.rows.map((t) => t.sn));
}

export async function importTerminals(ctx: AppContext, actor: Actor, rows: readonly ImportRow[], options: ImportOptions = {}): Promise<ImportResult> {
  const models = new Set((await ctx.db.selectFrom('device_models').select('code').execute()).map((m) => m.code));
  const errors = checkRowShapes(rows, models);
  const candidates = rows.flatMap((row, index) => (errors[index] === null ? [row.sn] : []));
  const existing = await snsInStock(ctx.db, candidates);
  const rejected: RejectedRow[] = [];
  const good: { row: ImportRow; index: number }[] = [];
  rows.forEach((row, index) => {
    const error: ImportRowError | null = errors[index] ?? (existing.has(row.sn) ? 'duplicate_sn_in_stock' : null);
    if (error) rejected.push({ index, sn: typeof row.sn === 'string' ? row.sn : null, error });
    else good.push({ row, index });
  });
  const total = good.length;
  if (options.atomic && rejected.length > 0) return { imported: 0, rejected: sortRejected(rejected) };

  let imported = 0;
  // Each batch is one statement, atomic on its own; `atomic` runs them all in one transaction.
  const runBatches = async (trx: Executor | null) => {
    const batches: { row: ImportRow; index: number }[][] = [];
    for (let i = 0; i < good.length; i += importBatchRows) batches.push(good.slice(i, i + importBatchRows));
    let next = batches.length > 0 ? prepareBatch(ctx, batches[0]!.map((b) => b.row)) : null;
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i]!;
      const inFlight = insertBatch(ctx, trx ?? ctx.db, actor, next!);
      inFlight.catch(() => undefined); // awaited below; this only keeps a failure from counting as unhandled meanwhile
      // Seal the next batch while this one is written (a failed write still surfaces below).
      next = i + 1 < batches.length ? prepareBatch(ctx, batches[i + 1]!.map((b) => b.row)) : null;
      const went = await inFlight;
      for (const b of batch) {
        if (went.has(b.row.sn)) imported++;
        else rejected.push({ index: b.index, sn: b.row.sn, error: 'duplicate_sn_in_stock' });
      }
      // A concurrent import took an SN between the check and the insert: all or none means none.
      if (trx && went.size !== batch.length) throw new AtomicImportAborted();
      options.onProgress?.(Math.min((i + 1) * importBatchRows, total), total);
    }
  };
  try {
    if (options.atomic) {
      await ctx.db.transaction().execute(async (trx) => {
        await runBatches(trx);
        await ctx.audit(trx, actor, { action: 'terminals.imported', subjectType: 'terminal_import', details: { imported, atomic: true } });
      });
    } else {
      await runBatches(null);
      await ctx.db.transaction().execute((trx) => ctx.audit(trx, actor, {
        action: 'terminals.imported', subjectType: 'terminal_import', details: { imported, rejected: rejected.length, atomic: false },
      }));
    }
  } catch (error) {
    if (error instanceof AtomicImportAborted) return { imported: 0, rejected: sortRejected(rejected) };
    throw error;
  }
  return { imported, rejected: sortRejected(rejected) };
}

function sortRejected(rejected: RejectedRow[]): RejectedRow[] {
  return rejected.sort((a, b) => a.index - b.index);
}
