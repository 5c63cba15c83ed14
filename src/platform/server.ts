// `jihuo serve`: open the database, migrate, ensure the bootstrap key, optionally seed, start
// workers, listen. Used by the CLI and by tests that need a real listening server.
import { writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBootstrapKey } from './api-keys.js';
import { SystemClock } from './clock.js';
import type { Config } from './config.js';
import { createContext, type AppContext } from './context.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { migrate } from './db/migrate.js';
import { buildApp } from './http/app.js';
import { createLogger } from './log.js';
import type { JihuoApp, JihuoModule } from './module.js';
import { startWorkers, type WorkerRunner } from './workers.js';
import { purgeNonces } from '../terminal-api/terminal-auth.js';

export interface RunningServer {
  app: JihuoApp;
  ctx: AppContext;
  url: string;
  close(): Promise<void>;
}

export async function openContext(config: Config): Promise<{ ctx: AppContext; handle: DatabaseHandle }> {
  const log = createLogger(config.logLevel);
  const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const clock = new SystemClock();
  const ctx = createContext({ config, db: handle.db, dbKind: handle.kind, clock, log });
  return { ctx, handle };
}

/** Loads the test clock's offset (set by any instance) into this instance. */
export async function syncTestClock(ctx: AppContext): Promise<void> {
  if (!ctx.config.enableTestClock) return;
  const row = await ctx.db.selectFrom('platform_settings').select('value')
    .where('key', '=', 'test_clock_offset_ms').executeTakeFirst();
  if (row && typeof row.value === 'number') ctx.clock.setOffsetMs(row.value);
}

export async function startServer(config: Config, modules: readonly JihuoModule[], options: { seed?: boolean } = {}): Promise<RunningServer> {
  const { ctx, handle } = await openContext(config);
  await migrate(ctx.db);
  if (config.bootstrapKey) await ensureBootstrapKey(ctx, config.bootstrapKey);
  if (options.seed) for (const m of modules) if (m.seed) await m.seed(ctx);
  await syncTestClock(ctx);
  const app = await buildApp(ctx, modules);
  let workers: WorkerRunner | undefined;
  if (config.runWorkers) {
    workers = startWorkers(ctx, modules, [
      { name: 'terminal-nonces', intervalMs: 60_000, run: purgeNonces },
      { name: 'test-clock', intervalMs: 1_000, run: syncTestClock },
    ]);
  }
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const pidFile = handle.kind === 'pglite' ? join(config.dataDir, 'server.pid') : undefined;
  if (pidFile) { mkdirSync(config.dataDir, { recursive: true }); writeFileSync(pidFile, `${process.pid}\n${port}\n`); }
  return {
    app, ctx, url: `http://127.0.0.1:${port}`,
    async close() {
      await workers?.stop();
      await app.close();
      await handle.close();
      if (pidFile) rmSync(pidFile, { force: true });
    },
  };
}
