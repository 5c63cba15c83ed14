// Field-encryption key rotation (SPEC §13): re-seals every sealed column under the active key id,
// in small batches (each its own short transaction, so the server keeps serving), resumable after
// a crash because progress is simply "values not yet under the active key". Batches walk the
// table's key forward, so a pass reads each row once.
import { sql } from 'kysely';
import type { AppContext } from './context.js';
import { FieldCipher } from './crypto/seal.js';
import type { SealedColumn } from './module.js';

export const rotationBatchRows = 500;

export interface RotationProgress { column: string; done: number; remaining: number }

async function remaining(ctx: AppContext, c: SealedColumn, prefix: string): Promise<number> {
  const r = await sql<{ n: string }>`select count(*)::text as n from ${sql.table(c.table)}
    where ${sql.ref(c.column)} is not null and ${sql.ref(c.column)} not like ${prefix + '%'}`.execute(ctx.db);
  return Number(r.rows[0]!.n);
}

interface Batch { scanned: number; moved: number; lastKey: string | null }

/**
 * Re-seals one batch of one column, walking the key forward from `afterKey` (keyset pagination:
 * each batch reads only its own rows, so a pass over the table is linear, not quadratic).
 */
async function rotateBatch(ctx: AppContext, c: SealedColumn, prefix: string, afterKey: string | null, batchRows: number): Promise<Batch> {
  return ctx.db.transaction().execute(async (trx) => {
    const after = afterKey === null ? sql`true` : sql`${sql.ref(c.key)} > ${afterKey}`;
    const rows = await sql<{ k: string; v: string }>`select ${sql.ref(c.key)} as k, ${sql.ref(c.column)} as v
      from ${sql.table(c.table)} where ${after} and ${sql.ref(c.column)} is not null and ${sql.ref(c.column)} not like ${prefix + '%'}
      order by ${sql.ref(c.key)} limit ${batchRows} for update skip locked`.execute(trx);
    let moved = 0;
    for (const row of rows.rows) {
      const plain = ctx.cipher.open(c.field, row.v);
      const resealed = ctx.cipher.seal(c.field, plain);
      // Compare-and-set: a value changed meanwhile by the application is left for the next pass.
      const updated = await sql`update ${sql.table(c.table)} set ${sql.ref(c.column)} = ${resealed}
        where ${sql.ref(c.key)} = ${row.k} and ${sql.ref(c.column)} = ${row.v}`.execute(trx);
      moved += Number(updated.numAffectedRows ?? 0n);
    }
    return { scanned: rows.rows.length, moved, lastKey: rows.rows.at(-1)?.k ?? null };
  });
}

export interface RotationOptions {
  /** Rows per batch (each batch is one short transaction); default `rotationBatchRows`. */
  batchRows?: number;
}

/** Passes over one column at most: rows locked or changed meanwhile are retried by a later pass. */
export const rotationPassesMax = 5;

/**
 * Re-seals every value of `columns` that is not under the active key. Each batch commits on its
 * own, so an interrupted run (a crash, or `onProgress` throwing) keeps what it did, and running
 * again resumes with what is left. Counts once per pass, not after every batch.
 */
export async function rotateFieldKeys(ctx: AppContext, columns: readonly SealedColumn[],
  onProgress: (p: RotationProgress) => void = () => {}, options: RotationOptions = {}): Promise<RotationProgress[]> {
  const prefix = `v1.${ctx.cipher.activeKeyId}.`;
  const batchRows = options.batchRows ?? rotationBatchRows;
  const results: RotationProgress[] = [];
  for (const c of columns) {
    const name = `${c.table}.${c.column}`;
    let done = 0;
    let left = await remaining(ctx, c, prefix);
    for (let pass = 0; pass < rotationPassesMax && left > 0; pass++) {
      const total = done + left;
      let movedInPass = 0;
      let afterKey: string | null = null;
      for (;;) {
        const batch = await rotateBatch(ctx, c, prefix, afterKey, batchRows);
        movedInPass += batch.moved;
        done += batch.moved;
        if (batch.scanned > 0) onProgress({ column: name, done, remaining: Math.max(total - done, 0) });
        if (batch.scanned < batchRows) break;
        afterKey = batch.lastKey;
      }
      left = await remaining(ctx, c, prefix);
      if (movedInPass === 0) break;
    }
    onProgress({ column: name, done, remaining: left });
    results.push({ column: name, done, remaining: left });
  }
  return results;
}

/** How many sealed values each key id still protects (for `jihuo keys status`). */
export async function keyUsage(ctx: AppContext, columns: readonly SealedColumn[]): Promise<Record<string, number>> {
  const usage: Record<string, number> = {};
  for (const c of columns) {
    const r = await sql<{ v: string }>`select ${sql.ref(c.column)} as v from ${sql.table(c.table)} where ${sql.ref(c.column)} is not null`.execute(ctx.db);
    for (const row of r.rows) {
      const id = FieldCipher.keyIdOf(row.v) ?? 'unknown';
      usage[id] = (usage[id] ?? 0) + 1;
    }
  }
  return usage;
}
