// import: N terminals from a CSV file via `jihuo terminals import FILE.csv` (100,000; --quick
// 10,000), a separate CLI process on the scenario's database (its time includes process start).
// Baseline, same run, same file: COPY of the same rows into a scratch table (PostgreSQL: server-side
// COPY FROM the file; PGlite: COPY FROM '/dev/blob' in-process). Throughput is rows/s; ratio =
// import rows/s ÷ COPY rows/s (target "import ≤ 3× COPY" means ratio ≥ 0.33).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
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
    const file = join(dataDir, 'terminals.csv');
    const lines = ['sn,modelCode,factoryKey'];
    for (let i = 0; i < count; i++) lines.push(`BIM${String(i).padStart(8, '0')},BENCHIMP,${randomBytes(32).toString('hex')}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    chmodSync(dataDir, 0o755); // the PostgreSQL server process reads the file for COPY
    chmodSync(file, 0o644);
    const copyMs = await withBenchContext(env.backend, env.databaseUrl, dataDir, async (ctx, handle) => {
      await sql`insert into device_models (code, name, kind, price_fen, deposit_fen, deposit_threshold_fen, deposit_window_days, required_self_tests, min_firmware, created_at)
        values ('BENCHIMP', 'Bench POS', 'traditional', 30000, null, null, null, '["cardReader"]', '1.0.0', now())`.execute(ctx.db);
      await sql`create table bench_copy (sn text primary key, model_code text not null, factory_key text not null)`.execute(ctx.db);
      if (handle.pglite) {
        const blob = new Blob([readFileSync(file)]);
        return timeMs(() => handle.pglite!.query(`copy bench_copy from '/dev/blob' with (format csv, header true)`, [], { blob }));
      }
      return timeMs(() => sql.raw(`copy bench_copy from '${file}' with (format csv, header true)`).execute(ctx.db));
    });
    let report = '';
    let peakRssMb = 0;
    const importMs = await timeMs(async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'terminals', 'import', file, '--json'], {
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
    const imported = (JSON.parse(report) as { imported: number }).imported;
    if (imported !== count) throw new Error(`import: ${report.slice(0, 300)}`);
    const throughput = Math.round(count / (importMs / 1000));
    const baseline = Math.round(count / (copyMs / 1000));
    return [{
      scenario: 'import', throughput, p50Ms: Math.round(importMs), p99Ms: Math.round(importMs), peakRssMb,
      baseline, ratio: ratio(throughput, baseline),
      notes: `${count} CSV rows: \`jihuo terminals import\` took ${Math.round(importMs)} ms (a CLI process, including its start-up and migrations check), ` +
        `COPY into a scratch table ${Math.round(copyMs)} ms; rows/s; ratio = import ÷ COPY rows/s (target ≥ 0.33, i.e. import ≤ 3× COPY); ` +
        `p50/p99 = the one run's time; peak RSS = the CLI process's VmHWM, sampled every 100 ms`,
    }];
  },
};
