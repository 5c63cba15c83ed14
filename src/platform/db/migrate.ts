// One set of SQL migrations for both backends. Each module keeps its own in
// `src/modules/<module>/migrations/NNNN_name.sql`; all run in the order of their file names
// (the number ranges per module are listed in the README), each recorded in `schema_migrations`.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { sql } from 'kysely';
import { projectRoot } from '../paths.js';
import type { Db } from './schema.js';

export interface Migration { name: string; path: string; sql: string; checksum: string }

function findMigrationDirs(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (!statSync(full).isDirectory()) continue;
    if (entry === 'migrations') out.push(full);
    else findMigrationDirs(full, out);
  }
  return out;
}

export function listMigrations(root = projectRoot()): Migration[] {
  const migrations: Migration[] = [];
  for (const dir of findMigrationDirs(join(root, 'src'))) {
    for (const file of readdirSync(dir).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))) {
      const path = join(dir, file);
      const text = readFileSync(path, 'utf8');
      const checksum = createHash('sha256').update(text).digest('hex');
      migrations.push({ name: basename(file, '.sql'), path, sql: text, checksum });
    }
  }
  migrations.sort((a, b) => a.name.localeCompare(b.name));
  const seen = new Set<string>();
  for (const m of migrations) {
    const number = m.name.slice(0, 4);
    if (seen.has(number)) throw new Error(`Two migrations share the number ${number}`);
    seen.add(number);
  }
  return migrations;
}

const migrationLockId = 7_141_001;

/** Applies every pending migration in one transaction, under an advisory lock across instances. */
export async function migrate(db: Db, onApplied: (name: string) => void = () => {}): Promise<string[]> {
  const migrations = listMigrations();
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${migrationLockId})`.execute(trx);
    await sql`create table if not exists schema_migrations (
      name text primary key, checksum text not null, applied_at timestamptz not null default now())`.execute(trx);
    const rows = await sql<{ name: string; checksum: string }>`select name, checksum from schema_migrations`.execute(trx);
    const applied = new Map(rows.rows.map((r) => [r.name, r.checksum]));
    const done: string[] = [];
    for (const m of migrations) {
      const previous = applied.get(m.name);
      if (previous !== undefined) {
        if (previous !== m.checksum) throw new Error(`Migration ${m.name} changed after it was applied`);
        continue;
      }
      await sql.raw(m.sql).execute(trx);
      await sql`insert into schema_migrations (name, checksum) values (${m.name}, ${m.checksum})`.execute(trx);
      done.push(m.name);
      onApplied(m.name);
    }
    return done;
  });
}
