// Database access for CLI commands. With PGlite only one process can open the data directory:
// while `jihuo serve` runs there, commands that need the database refuse and name its PID.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../platform/config.js';
import type { AppContext } from '../platform/context.js';
import { migrate } from '../platform/db/migrate.js';
import { openContext } from '../platform/server.js';

export class CliError extends Error {}

export function runningServerPid(config: Config): number | undefined {
  if (config.databaseUrl) return undefined;
  const file = join(config.dataDir, 'server.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try { process.kill(pid, 0); return pid; } catch { return undefined; }
}

export async function withDatabase<T>(config: Config, fn: (ctx: AppContext) => Promise<T>, options: { migrate?: boolean } = {}): Promise<T> {
  const pid = runningServerPid(config);
  if (pid !== undefined) {
    throw new CliError(`The embedded database in ${config.dataDir} is in use by the running server (PID ${pid}). ` +
      'Stop it first, or use the server\'s admin API.');
  }
  const { ctx, handle } = await openContext(config);
  try {
    if (options.migrate !== false) await migrate(ctx.db);
    return await fn(ctx);
  } finally {
    await handle.close();
  }
}
