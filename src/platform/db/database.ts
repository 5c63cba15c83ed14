// Opens the database: PGlite in a data directory (embedded default) or PostgreSQL by URL.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { coalescingPool } from './coalescing-pool.js';
import { PGliteDialect } from './pglite-dialect.js';
import type { Database, Db } from './schema.js';

export type DatabaseKind = 'pglite' | 'postgres';

export interface DatabaseHandle {
  db: Db;
  kind: DatabaseKind;
  /** The PGlite instance, for its own dump; undefined on PostgreSQL. */
  pglite: PGlite | undefined;
  close(): Promise<void>;
}

function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${value} is beyond 2^53`);
  return n;
}

// int8 (bigint fen) as a JS number, checked to be exact; `numeric` stays a string.
pg.types.setTypeParser(20, parseInt8);
// `date` as the YYYY-MM-DD string, never a Date shifted by the local time zone.
pg.types.setTypeParser(1082, (value: string) => value);

export interface OpenOptions {
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  /** A PGlite dump (tar) to start from, in memory: used by the tests. */
  pgliteDump?: Blob | undefined;
  poolSize?: number;
}

const pgliteParsers = { 1082: (value: string) => value, 20: parseInt8 };

export async function openDatabase(options: OpenOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 20 });
    pool.on('error', () => { /* idle client errors are reported by the next query */ });
    const client = await pool.connect(); // fail fast when the server cannot be reached
    client.release();
    // Statements queued on a transaction's connection go together (coalescing-pool.ts).
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: coalescingPool(pool) as unknown as pg.Pool }) });
    return { db, kind: 'postgres', pglite: undefined, close: () => db.destroy() };
  }
  let pglite: PGlite;
  if (options.pgliteDump) {
    pglite = await PGlite.create({ loadDataDir: options.pgliteDump, parsers: pgliteParsers });
  } else if (options.dataDir) {
    const dir = join(options.dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true });
    pglite = await PGlite.create(dir, { parsers: pgliteParsers });
  } else {
    pglite = await PGlite.create({ parsers: pgliteParsers });
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  return {
    db, kind: 'pglite', pglite,
    close: async () => { await db.destroy(); await pglite.close(); },
  };
}
