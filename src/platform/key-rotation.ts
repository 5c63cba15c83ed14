// Field-encryption key rotation (SPEC §13): re-seals every sealed column under the active key id,
// in small batches (each its own short transaction, so the server keeps serving), resumable after
// a crash because progress is simply "values not yet under the active key".
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

/** Re-seals one batch of one column; returns how many values moved to the active key. */
async function rotateBatch(ctx: AppContext, c: SealedColumn, prefix: string): Promise<number> {
  return ctx.db.transaction().execute(async (trx) => {
    const rows = await sql<{ k: string; v: string }>`select ${sql.ref(c.key)} as k, ${sql.ref(c.column)} as v
      from ${sql.table(c.table)} where ${sql.ref(c.column)} is not null and ${sql.ref(c.column)} not like ${prefix + '%'}
      order by ${sql.ref(c.key)} limit ${rotationBatchRows} for update skip locked`.execute(trx);
    for (const row of rows.rows) {
      const plain = ctx.cipher.open(c.field, row.v);
      const resealed = ctx.cipher.seal(c.field, plain);
      // Compare-and-set: a value changed meanwhile by the application is left for the next pass.
      await sql`update ${sql.table(c.table)} set ${sql.ref(c.column)} = ${resealed}
        where ${sql.ref(c.key)} = ${row.k} and ${sql.ref(c.column)} = ${row.v}`.execute(trx);
    }
    return rows.rows.length;
  });
}

export async function rotateFieldKeys(ctx: AppContext, columns: readonly SealedColumn[],
  onProgress: (p: RotationProgress) => void = () => {}): Promise<RotationProgress[]> {
  const prefix = `v1.${ctx.cipher.activeKeyId}.`;
  const results: RotationProgress[] = [];
  for (const c of columns) {
    const name = `${c.table}.${c.column}`;
    let done = 0;
    for (;;) {
      const moved = await rotateBatch(ctx, c, prefix);
      done += moved;
      const left = await remaining(ctx, c, prefix);
      onProgress({ column: name, done, remaining: left });
      if (moved === 0 || left === 0) break;
    }
    results.push({ column: name, done, remaining: await remaining(ctx, c, prefix) });
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
