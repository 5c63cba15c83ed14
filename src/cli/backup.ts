// `jihuo backup FILE` and `jihuo restore FILE` (then the integrity report), `jihuo verify` helpers.
import type { Command } from 'commander';
import { backup, integrityReport, readManifest, restorePglite, restorePostgres, type IntegrityReport } from '../platform/backup.js';
import { loadConfig } from '../platform/config.js';
import { openContext } from '../platform/server.js';
import { CliError, runningServerPid } from './database.js';

export function printReport(report: IntegrityReport, out: NodeJS.WritableStream = process.stdout): void {
  out.write(`audit chain: ${report.audit.ok ? 'ok' : `BROKEN (${report.audit.problem})`} (${report.audit.rows} rows)\n`);
  out.write(`ledger: ${report.ledger.ok ? 'balanced' : 'NOT BALANCED'} (${report.ledger.entries} entries, total ${report.ledger.totalFen})\n`);
  for (const t of report.tables) {
    const mark = t.matches === null ? '' : t.matches ? ' ok' : ` MISMATCH (expected ${t.expectedRows})`;
    out.write(`  ${t.table}: ${t.rows} rows${mark}\n`);
  }
  out.write(report.ok ? 'integrity: ok\n' : 'integrity: FAILED\n');
}

function refuseWhileServing(): void {
  const config = loadConfig();
  const pid = runningServerPid(config);
  if (pid !== undefined) {
    throw new CliError(`The embedded database is in use by the running server (PID ${pid}); stop it first.`);
  }
}

export function registerBackupCommands(program: Command): void {
  program.command('backup <file>').description('Write a consistent backup (pg_dump or PGlite dump) and its manifest')
    .action(async (file: string) => {
      refuseWhileServing();
      const { ctx, handle } = await openContext(loadConfig());
      try {
        const manifest = await backup(ctx, handle, file);
        const rows = manifest.tables.reduce((sum, t) => sum + t.rows, 0);
        process.stdout.write(`backup written to ${file} (${manifest.format}, ${manifest.tables.length} tables, ${rows} rows)\n`);
      } finally { await handle.close(); }
    });

  program.command('restore <file>').description('Replace the database with a backup, then check its integrity')
    .action(async (file: string) => {
      refuseWhileServing();
      const config = loadConfig();
      const manifest = readManifest(file);
      if (config.databaseUrl) {
        if (manifest.format !== 'pg_dump') throw new CliError('This backup is a PGlite dump; restore it without DATABASE_URL');
        await restorePostgres(config.databaseUrl, file);
      } else {
        if (manifest.format !== 'pglite') throw new CliError('This backup is a pg_dump; restore it with DATABASE_URL');
        await restorePglite(config.dataDir, file);
      }
      const { ctx, handle } = await openContext(config);
      try {
        const report = await integrityReport(ctx, manifest);
        printReport(report);
        if (!report.ok) process.exitCode = 1;
      } finally { await handle.close(); }
    });
}
