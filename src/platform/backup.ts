// Backup and restore for both backends (SPEC §13), with an integrity report: the audit chain, the
// ledger balance, and a row count and content hash per table, compared with the manifest written
// at backup time. PostgreSQL uses pg_dump/pg_restore; PGlite its own data-directory dump.
import { spawn, type ChildProcess } from 'node:child_process';
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

interface Exit { code: number | null; stderr: string }

/** Waits for a child to exit (its output streams closed), keeping the tail of its stderr. */
function exitOf(child: ChildProcess): Promise<Exit> {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4_000); });
  return new Promise((resolve, reject) => {
    child.once('error', (err) => reject(new BackupError(`${child.spawnfile} could not run: ${err.message}`)));
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' ');
}

async function run(command: string, args: string[]): Promise<void> {
  const exit = await exitOf(spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] }));
  if (exit.code !== 0) throw new BackupError(`${command} failed: ${lastLines(exit.stderr)}`);
}

export function manifestPath(file: string): string { return `${file}.manifest.json`; }

/**
 * Writes FILE (the dump) and FILE.manifest.json from one consistent snapshot, also while servers
 * write. PostgreSQL: a REPEATABLE READ transaction exports its snapshot, pg_dump dumps exactly
 * that snapshot (`--snapshot`) while the transaction stays open, and the manifest's digests are
 * computed in the same transaction. PGlite: one process, so the digests and the dump see the same data.
 */
export async function backup(ctx: AppContext, handle: DatabaseHandle, file: string): Promise<BackupManifest> {
  let format: BackupManifest['format'];
  let tables: TableDigest[];
  if (handle.kind === 'postgres') {
    format = 'pg_dump';
    tables = await ctx.db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only')
      .execute(async (trx) => {
        const snapshot = (await sql<{ id: string }>`select pg_export_snapshot() as id`.execute(trx)).rows[0]!.id;
        const [digests] = await Promise.all([
          digestTables(trx),
          run('pg_dump', ['--format=custom', '--no-owner', `--snapshot=${snapshot}`, '--file', file, ctx.config.databaseUrl!]),
        ]);
        return digests;
      });
  } else {
    format = 'pglite';
    tables = await digestTables(ctx.db);
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

/**
 * PostgreSQL, all or nothing: pg_restore turns the dump into SQL, which psql runs after dropping
 * and re-creating the schema, all in one transaction that commits only when pg_restore read the
 * whole file and every statement succeeded. A corrupt file or a failed statement leaves the old
 * data as it was.
 */
export async function restorePostgres(databaseUrl: string, file: string): Promise<void> {
  const psql = spawn('psql', ['--quiet', '--no-psqlrc', '-v', 'ON_ERROR_STOP=1', '--dbname', databaseUrl],
    { stdio: ['pipe', 'ignore', 'pipe'] });
  const restore = spawn('pg_restore', ['--no-owner', '--exit-on-error', '--file=-', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  psql.stdin!.on('error', () => { /* psql stopped on an error: reported by its exit code */ });
  const psqlExit = exitOf(psql);
  const restoreExit = exitOf(restore);
  // If psql stops first, stop pg_restore too (nobody reads its output any more).
  void psqlExit.then(() => { if (restore.exitCode === null) restore.kill(); }, () => {});
  psql.stdin!.write('begin;\ndrop schema if exists public cascade;\ncreate schema public;\n');
  restore.stdout!.pipe(psql.stdin!, { end: false });
  const restored = await restoreExit;
  // Only a complete script commits; otherwise psql ends with the transaction open: rolled back.
  psql.stdin!.end(restored.code === 0 ? 'commit;\n' : 'rollback;\n');
  const applied = await psqlExit;
  if (restored.code !== 0) throw new BackupError(`pg_restore failed, nothing was changed: ${lastLines(restored.stderr)}`);
  if (applied.code !== 0) throw new BackupError(`The restore failed and was rolled back: ${lastLines(applied.stderr)}`);
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
