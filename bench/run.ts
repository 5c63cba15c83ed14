// `npm run bench`: runs each scenario on each backend it applies to (a throw-away PostgreSQL 15
// cluster and PGlite), prints a table and writes bench/results/<date>.json. Speed is measured
// here, never asserted in tests. `--quick` shortens every scenario; `--only a,b` picks scenarios,
// `--backend=postgres|pglite` one backend. The cluster keeps PostgreSQL's durability settings
// (fsync and synchronous commit on, as in production); `--no-fsync` turns them off as tests do.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { startCluster } from '../test/setup/postgres-cluster.js';
import { openDatabase } from '../src/platform/db/database.js';
import { migrate } from '../src/platform/db/migrate.js';
import { projectRoot } from '../src/platform/paths.js';
import type { BenchRow, Scenario } from './lib/types.js';
import { scenarios } from './scenarios/index.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const only = onlyArg ? new Set(onlyArg.split(',')) : null;
const backendArg = args.find((a) => a.startsWith('--backend='))?.slice('--backend='.length);
const selected: Scenario[] = scenarios.filter((s) => !only || only.has(s.name));

async function freshPostgresDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = adminUrl.replace(/\/postgres$/, `/${name}`);
  const handle = await openDatabase({ databaseUrl: url, poolSize: 2 });
  await migrate(handle.db);
  await handle.close();
  return url;
}

function printTable(rows: BenchRow[]): void {
  const header = ['scenario', 'backend', 'throughput', 'p50 ms', 'p99 ms', 'peak RSS MB', 'baseline', 'ratio'];
  const lines = rows.map((r) => [r.scenario, r.backend ?? '', String(r.throughput), String(r.p50Ms), String(r.p99Ms),
    String(r.peakRssMb), r.baseline === null ? '—' : String(r.baseline), r.ratio === null ? '—' : String(r.ratio)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write(`${fmt(header)}\n| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |\n${lines.map(fmt).join('\n')}\n`);
}

const cluster = await startCluster({ durable: !args.includes('--no-fsync') });
const rows: BenchRow[] = [];
try {
  for (const scenario of selected) {
    for (const backend of scenario.backends.filter((b) => !backendArg || b === backendArg)) {
      process.stderr.write(`bench: ${scenario.name} on ${backend}…\n`);
      const databaseUrl = backend === 'postgres'
        ? await freshPostgresDatabase(cluster.url('postgres'), `bench_${scenario.name.replace(/-/g, '_')}`)
        : undefined;
      const result = await scenario.run({ backend, databaseUrl, quick });
      rows.push(...result.map((r) => ({ ...r, backend })));
    }
  }
} finally {
  cluster.stop();
}
printTable(rows);
const dir = join(projectRoot(), 'bench', 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `${new Date().toISOString().slice(0, 10)}.json`);
// A run of some scenarios (`--only`) updates that day's file: its rows replace the rows of the same
// scenario and backend, the others stay.
const measured = new Set(rows.map((r) => `${r.scenario}|${r.backend ?? ''}`));
const kept: BenchRow[] = only && existsSync(file)
  ? (JSON.parse(readFileSync(file, 'utf8')) as BenchRow[]).filter((r) => !measured.has(`${r.scenario}|${r.backend ?? ''}`))
  : [];
writeFileSync(file, `${JSON.stringify([...kept, ...rows], null, 2)}\n`);
process.stdout.write(`\nwritten ${file}\n`);
