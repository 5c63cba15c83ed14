// Bulk import of terminals into stock (SPEC §4, Appendix A): per-row errors while good rows
// import, or all-or-none with `atomic`. Rows go in with multi-row INSERTs of `importBatchRows`,
// so 100,000 rows are ~100 statements, never one round trip per row.
import type { Actor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import { newId } from '../../platform/ids.js';
import { checkRowShapes, type ImportRow, type ImportRowError, type RejectedRow } from './terminal-import.js';

export const importBatchRows = 1000;

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
    const rows = await db.selectFrom('terminals').select('sn').where('sn', 'in', chunk).execute();
    for (const r of rows) found.add(r.sn);
  }
  return found;
}

/** Inserts one batch (rows and their `imported` timeline events); returns the SNs that went in. */
async function insertBatch(ctx: AppContext, trx: Executor, actor: Actor, batch: ImportRow[]): Promise<Set<string>> {
  const now = ctx.clock.now();
  const values = batch.map((row) => ({
    id: newId('trm'), sn: row.sn, model_code: row.modelCode, status: 'in_stock' as const,
    factory_key_enc: ctx.cipher.seal('terminals.factory_key', row.factoryKey.toLowerCase()),
    created_at: now, updated_at: now,
  }));
  const inserted = await trx.insertInto('terminals').values(values)
    .onConflict((oc) => oc.column('sn').doNothing()).returning(['id', 'sn']).execute();
  if (inserted.length > 0) {
    await trx.insertInto('terminal_events').values(inserted.map((t) => ({
      terminal_id: t.id, merchant_id: null, at: now, kind: 'imported', from_status: null, to_status: 'in_stock',
      actor_kind: actor.kind, actor_id: actor.id, reason: 'inventory_import', details: '{}',
    }))).execute();
  }
  return new Set(inserted.map((t) => t.sn));
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
  const runBatches = async (trx: Executor | null) => {
    for (let i = 0; i < good.length; i += importBatchRows) {
      const batch = good.slice(i, i + importBatchRows);
      const insert = (executor: Executor) => insertBatch(ctx, executor, actor, batch.map((b) => b.row));
      const went = trx ? await insert(trx) : await ctx.db.transaction().execute(insert);
      for (const b of batch) {
        if (went.has(b.row.sn)) imported++;
        else rejected.push({ index: b.index, sn: b.row.sn, error: 'duplicate_sn_in_stock' });
      }
      // A concurrent import took an SN between the check and the insert: all or none means none.
      if (trx && went.size !== batch.length) throw new AtomicImportAborted();
      options.onProgress?.(Math.min(i + importBatchRows, total), total);
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
