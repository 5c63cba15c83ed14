// Test harness: a fresh database per call (PGlite from the migrated dump, or a PostgreSQL database
// created from the migrated template), a context with fixed secrets and a movable clock, and the
// application driven in-process (`app.inject`) or listening on a free port.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KyselyPlugin } from 'kysely';
import pg from 'pg';
import { inject } from 'vitest';
import { ensureBootstrapKey } from '../src/platform/api-keys.js';
import { SystemClock } from '../src/platform/clock.js';
import { testConfig, type Config } from '../src/platform/config.js';
import { createContext, type AppContext } from '../src/platform/context.js';
import { openDatabase } from '../src/platform/db/database.js';
import { buildApp } from '../src/platform/http/app.js';
import { createLogger, type Logger } from '../src/platform/log.js';
import type { JihuoApp, JihuoModule } from '../src/platform/module.js';
import { modules as allModules } from '../src/modules/index.js';

export const adminKey = 'test-admin-key-0123456789';

export type TestDbKind = 'pglite' | 'postgres';

export function testDbKind(): TestDbKind {
  const kind = process.env.JIHUO_TEST_DB;
  if (kind !== 'pglite' && kind !== 'postgres') throw new Error('Database tests run in the pglite or postgres project');
  return kind;
}

let dumpCache: Blob | undefined;

export interface TestDatabase { url: string | undefined; dumpBlob: Blob | undefined; drop(): Promise<void> }

/** A fresh, migrated, empty database for one test file (or one test). */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (testDbKind() === 'pglite') {
    dumpCache ??= new Blob([readFileSync(inject('pgliteDumpPath'))]);
    return { url: undefined, dumpBlob: dumpCache, drop: async () => {} };
  }
  const adminUrl = inject('postgresUrl');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name} template jihuo_template`);
  await admin.end();
  return {
    url: adminUrl.replace(/\/postgres$/, `/${name}`),
    dumpBlob: undefined,
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export interface TestContext { ctx: AppContext; database: TestDatabase; close(): Promise<void> }

/** `log` replaces the silent logger (a test that reads the log output passes its own). */
export async function createTestContext(overrides: Partial<Config> = {}, log?: Logger): Promise<TestContext> {
  const database = await createTestDatabase();
  const handle = await openDatabase({ databaseUrl: database.url, pgliteDump: database.dumpBlob });
  const config = testConfig({ databaseUrl: database.url, ...overrides });
  const ctx = createContext({ config, db: handle.db, dbKind: handle.kind, clock: new SystemClock(), log: log ?? createLogger('silent') });
  return { ctx, database, async close() { await handle.close(); await database.drop(); } };
}

export interface InjectOptions { body?: unknown; key?: string | null; headers?: Record<string, string>; rawBody?: string }

export interface TestResponse<T = any> { status: number; body: T; headers: Record<string, unknown>; text: string }

export interface TestApp extends TestContext {
  app: JihuoApp;
  /** Calls the API in-process. `key` defaults to the ops_admin bootstrap key; null sends none. */
  request<T = any>(method: string, url: string, options?: InjectOptions): Promise<TestResponse<T>>;
  /** Sets the business clock. */
  setNow(iso: string): Promise<void>;
}

export async function createTestApp(options: {
  config?: Partial<Config>; modules?: readonly JihuoModule[]; log?: Logger;
} = {}): Promise<TestApp> {
  const base = await createTestContext(options.config, options.log);
  await ensureBootstrapKey(base.ctx, adminKey);
  const app = await buildApp(base.ctx, options.modules ?? allModules, { logger: options.log !== undefined });
  await app.ready();
  const request = async <T>(method: string, url: string, opts: InjectOptions = {}): Promise<TestResponse<T>> => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const key = opts.key === undefined ? adminKey : opts.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let payload: string | undefined = opts.rawBody;
    if (payload === undefined && opts.body !== undefined) payload = JSON.stringify(opts.body);
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    const response = await app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload } : {}) });
    let body: unknown = response.body;
    try { body = response.json(); } catch { /* not JSON */ }
    return { status: response.statusCode, body: body as T, headers: response.headers, text: response.body };
  };
  return {
    ...base, app, request,
    async setNow(iso) { base.ctx.clock.set(new Date(iso)); },
    async close() { await app.close(); await base.close(); },
  };
}

/** The same context with a database that counts the queries sent through it (set-based checks). */
export function countingContext(ctx: AppContext): { ctx: AppContext; queries: () => number } {
  let count = 0;
  const plugin: KyselyPlugin = {
    transformQuery: (args) => { count++; return args.node; },
    transformResult: async (args) => args.result,
  };
  return { ctx: { ...ctx, db: ctx.db.withPlugin(plugin) }, queries: () => count };
}
