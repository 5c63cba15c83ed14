// Backup and restore for both backends (SPEC §13), with an integrity report: the audit chain, the
// ledger balance, and a row count and content hash per table, compared with the manifest written
// at backup time. PostgreSQL uses pg_dump/pg_restore; PGlite its own data-directory dump.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import { verifyAudit } from './audit.js';
import type { AppContext } from './context.js';
import type { DatabaseHandle } from './db/database.js';
import type { Executor } from './db/schema.js';

export interface TableDigest { table: string; rows: number; hash: string }
export interface BackupManifest { format: 'pglite' | 'pg_dump'; createdAt: string; tables: TableDigest[] }

export interface IntegrityReport {
  ok: boolean;
  audit: { ok: boolean; rows: number; problem: string | null };
  ledger: { ok: boolean; entries: number; totalFen: string; unbalancedEntries: number };
  tables: Array<TableDigest & { expectedRows: number | null; matches: boolean | null }>;
}

export class BackupError extends Error {}

/** Row count and an order-independent content hash of every table of the public schema. */
export async function digestTables(db: Executor): Promise<TableDigest[]> {
  const tables = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`.execute(db);
  const digests: TableDigest[] = [];
  for (const { name } of tables.rows) {
    const ident = sql.id(name);
    const row = await sql<{ rows: string; hash: string | null }>`
      select count(*)::text as rows, md5(coalesce(string_agg(md5(t::text), '' order by md5(t::text)), '')) as hash
      from ${ident} t`.execute(db);
    digests.push({ table: name, rows: Number(row.rows[0]!.rows), hash: row.rows[0]!.hash ?? '' });
  }
  return digests;
}

async function ledgerCheck(db: Executor): Promise<IntegrityReport['ledger']> {
  const exists = await sql<{ present: boolean }>`select to_regclass('public.journal_lines') is not null as present`.execute(db);
  if (!exists.rows[0]?.present) return { ok: true, entries: 0, totalFen: '0', unbalancedEntries: 0 };
  const r = await sql<{ entries: string; total: string; unbalanced: string }>`
    select (select count(*) from journal_entries)::text as entries,
           (select coalesce(sum(amount_fen), 0) from journal_lines)::text as total,
           (select count(*) from (select entry_id from journal_lines group by entry_id having sum(amount_fen) <> 0) u)::text as unbalanced`.execute(db);
  const row = r.rows[0]!;
  return { ok: row.total === '0' && row.unbalanced === '0', entries: Number(row.entries), totalFen: row.total, unbalancedEntries: Number(row.unbalanced) };
}

export async function integrityReport(ctx: AppContext, manifest: BackupManifest | null): Promise<IntegrityReport> {
  const audit = await verifyAudit(ctx.db, ctx.config.secrets.hmacKey);
  const ledger = await ledgerCheck(ctx.db);
  const expected = new Map((manifest?.tables ?? []).map((t) => [t.table, t]));
  const tables = (await digestTables(ctx.db)).map((t) => {
    const e = expected.get(t.table);
    return { ...t, expectedRows: e ? e.rows : null, matches: e ? e.rows === t.rows && e.hash === t.hash : null };
  });
  const tablesOk = manifest === null || (tables.every((t) => t.matches !== false) && manifest.tables.every((t) => tables.some((x) => x.table === t.table)));
  return {
    ok: audit.ok && ledger.ok && tablesOk,
    audit: { ok: audit.ok, rows: audit.rows, problem: audit.problem }, ledger, tables,
  };
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) throw new BackupError(`${command} could not run: ${result.error.message}`);
  if (result.status !== 0) throw new BackupError(`${command} failed: ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' ')}`);
}

export function manifestPath(file: string): string { return `${file}.manifest.json`; }

/** Writes FILE (the dump) and FILE.manifest.json. A consistent snapshot: one pg_dump, or one PGlite dump. */
export async function backup(ctx: AppContext, handle: DatabaseHandle, file: string): Promise<BackupManifest> {
  const tables = await digestTables(ctx.db);
  let format: BackupManifest['format'];
  if (handle.kind === 'postgres') {
    format = 'pg_dump';
    run('pg_dump', ['--format=custom', '--no-owner', '--file', file, ctx.config.databaseUrl!]);
  } else {
    format = 'pglite';
    const dump = await handle.pglite!.dumpDataDir('gzip');
    writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  }
  const manifest: BackupManifest = { format, createdAt: ctx.clock.now().toISOString(), tables };
  writeFileSync(manifestPath(file), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

export function readManifest(file: string): BackupManifest {
  const path = manifestPath(file);
  if (!existsSync(path)) throw new BackupError(`${path} is missing: restore needs the manifest written with the backup`);
  return JSON.parse(readFileSync(path, 'utf8')) as BackupManifest;
}

/** PostgreSQL: replaces the schema with the dump in one transaction. */
export function restorePostgres(databaseUrl: string, file: string): void {
  run('psql', ['--quiet', '--no-psqlrc', '-v', 'ON_ERROR_STOP=1', '-c', 'drop schema if exists public cascade; create schema public;', databaseUrl]);
  run('pg_restore', ['--no-owner', '--single-transaction', '--exit-on-error', '--dbname', databaseUrl, file]);
}

/** PGlite: replaces the data directory with the dump (the old one is kept beside it until it works). */
export async function restorePglite(dataDir: string, file: string): Promise<void> {
  const target = join(dataDir, 'pgdata');
  const previous = `${target}.before-restore`;
  rmSync(previous, { recursive: true, force: true });
  if (existsSync(target)) renameSync(target, previous);
  try {
    const db = await PGlite.create(target, { loadDataDir: new Blob([readFileSync(file)]) });
    await db.close();
    rmSync(previous, { recursive: true, force: true });
  } catch (err) {
    rmSync(target, { recursive: true, force: true });
    if (existsSync(previous)) renameSync(previous, target);
    throw new BackupError(`The backup could not be loaded: ${(err as Error).message}`);
  }
}
