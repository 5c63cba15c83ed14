// Opens the scenario's database in this process with the same configuration the server and the
// CLI use (PGlite: only while no server holds its data directory).
import { loadConfig } from '../../src/platform/config.js';
import type { AppContext } from '../../src/platform/context.js';
import { migrate } from '../../src/platform/db/migrate.js';
import type { DatabaseHandle } from '../../src/platform/db/database.js';
import { openContext } from '../../src/platform/server.js';
import { benchEnv, type Backend } from './server.js';

export async function withBenchContext<T>(backend: Backend, databaseUrl: string | undefined, dataDir: string,
  fn: (ctx: AppContext, handle: DatabaseHandle) => Promise<T>): Promise<T> {
  const config = loadConfig(benchEnv(backend, databaseUrl, dataDir));
  const { ctx, handle } = await openContext(config);
  try {
    await migrate(ctx.db);
    return await fn(ctx, handle);
  } finally {
    await handle.close();
  }
}

/** Milliseconds taken by `fn`. */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}
