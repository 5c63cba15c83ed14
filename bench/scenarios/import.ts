// import: N terminals from a CSV file (100,000; --quick 10,000) on the scenario's database, measured
// in-process like the baseline: read and parse the file and run the import service, the two calls
// `jihuo terminals import` makes (an open connection, as COPY has). Then the CLI itself, a separate
// process importing another file of as many rows (its time, which includes process start-up and
// TypeScript loading, is in the notes). Baseline, same run, same file: COPY of the same rows into a
// scratch table (PostgreSQL: server-side COPY FROM the file; PGlite: COPY FROM '/dev/blob'
// in-process). Throughput is rows/s; ratio = import rows/s ÷ COPY rows/s (target "import ≤ 3×
// COPY" means ratio ≥ 0.33).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { systemActor } from '../../src/platform/actor.js';
import { parseCsv } from '../../src/modules/terminals/terminal-import.js';
import { importTerminals } from '../../src/modules/terminals/terminal-import.service.js';
import { withBenchContext, timeMs } from '../lib/inproc.js';
import { benchDataDir, benchEnv, peakRssMbOf } from '../lib/server.js';
import type { Scenario } from '../lib/types.js';
import { databaseBackend, ratio } from '../lib/types.js';

export const importScenario: Scenario = {
  name: 'import',
  backends: ['postgres', 'pglite'],
  async run(env) {
    if (env.backend === 'none') return [];
    const count = env.quick ? 10_000 : 100_000;
    const dataDir = benchDataDir();
    const writeCsv = (name: string, prefix: string) => {
      const lines = ['sn,modelCode,factoryKey'];
      for (let i = 0; i < count; i++) lines.push(`${prefix}${String(i).padStart(8, '0')},BENCHIMP,${randomBytes(32).toString('hex')}`);
      writeFileSync(join(dataDir, name), `${lines.join('\n')}\n`);
      return join(dataDir, name);
    };
    const file = writeCsv('terminals.csv', 'BIM');
    const cliFile = writeCsv('terminals-cli.csv', 'BIC');
    chmodSync(dataDir, 0o755); // the PostgreSQL server process reads the file for COPY
    chmodSync(file, 0o644);
    let inProcess: { imported: number; rejected: unknown[] } = { imported: 0, rejected: [] };
    let importMs = 0;
    const copyMs = await withBenchContext(env.backend, env.databaseUrl, dataDir, async (ctx, handle) => {
      await sql`insert into device_models (code, name, kind, price_fen, deposit_fen, deposit_threshold_fen, deposit_window_days, required_self_tests, min_firmware, created_at)
        values ('BENCHIMP', 'Bench POS', 'traditional', 30000, null, null, null, '["cardReader"]', '1.0.0', now())`.execute(ctx.db);
      await sql`create table bench_copy (sn text primary key, model_code text not null, factory_key text not null)`.execute(ctx.db);
      const copy = handle.pglite
        ? await timeMs(() => handle.pglite!.query(`copy bench_copy from '/dev/blob' with (format csv, header true)`, [], { blob: new Blob([readFileSync(file)]) }))
        : await timeMs(() => sql.raw(`copy bench_copy from '${file}' with (format csv, header true)`).execute(ctx.db));
      importMs = await timeMs(async () => {
        const rows = parseCsv(readFileSync(file, 'utf8')).flatMap((r) => ('row' in r ? [r.row] : []));
        inProcess = await importTerminals(ctx, systemActor, rows);
      });
      return copy;
    });
    if (inProcess.imported !== count) throw new Error(`import: ${inProcess.imported} of ${count} imported, ${inProcess.rejected.length} rejected`);
    let report = '';
    let peakRssMb = 0;
    const cliMs = await timeMs(async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'terminals', 'import', cliFile, '--json'], {
        env: { ...process.env, ...benchEnv(databaseBackend(env), env.databaseUrl, dataDir) }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-2000); });
      // VmHWM is gone once the process exits: sample it while the CLI runs.
      const sampler = setInterval(() => { peakRssMb = Math.max(peakRssMb, peakRssMbOf(child.pid!)); }, 100);
      const status = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      clearInterval(sampler);
      if (status !== 0) throw new Error(`jihuo terminals import exited ${status}: ${stderr.slice(-500)}`);
      report = stdout.trim().split('\n').at(-1) ?? '';
    });
    const cliImported = (JSON.parse(report) as { imported: number }).imported;
    if (cliImported !== count) throw new Error(`jihuo terminals import: ${report.slice(0, 300)}`);
    const throughput = Math.round(count / (importMs / 1000));
    const baseline = Math.round(count / (copyMs / 1000));
    return [{
      scenario: 'import', throughput, p50Ms: Math.round(importMs), p99Ms: Math.round(importMs), peakRssMb,
      baseline, ratio: ratio(throughput, baseline),
      notes: `${count} CSV rows: read, parsed and imported in-process in ${Math.round(importMs)} ms (factory keys checked and sealed, ` +
        `an imported timeline event per terminal), COPY into a scratch table ${Math.round(copyMs)} ms; rows/s; ratio = import ÷ COPY rows/s ` +
        `(target ≥ 0.33, i.e. import ≤ 3× COPY); \`jihuo terminals import\` of another ${count} rows as a CLI process took ${Math.round(cliMs)} ms ` +
        `(including its start-up and migrations check); p50/p99 = the in-process run's time; peak RSS = the CLI process's VmHWM, sampled every 100 ms`,
    }];
  },
};
