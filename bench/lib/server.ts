// Starts a Jihuo server as a separate process for a benchmark, on PostgreSQL or PGlite, and reads
// its peak resident memory from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/setup/postgres-cluster.js';

export type Backend = 'postgres' | 'pglite';

export const benchSecrets = {
  JIHUO_SECRET_KEY: 'ab'.repeat(32),
  JIHUO_FIELD_KEYS: `k1:${'cd'.repeat(32)}`,
  JIHUO_FIELD_KEY_ID: 'k1',
  JIHUO_BOOTSTRAP_KEY: 'bench-admin-key-0123456789',
};

export interface BenchServer {
  url: string;
  pid: number;
  dataDir: string;
  env: Record<string, string>;
  peakRssMb(): number;
  stop(): Promise<void>;
}

export function peakRssMbOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match ? Math.round(Number(match[1]) / 1024) : 0;
  } catch { return 0; }
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('server did not become healthy in time');
}

/** The environment of a bench server or CLI run on this backend (PGlite: its data directory). */
export function benchEnv(backend: Backend, databaseUrl: string | undefined, dataDir: string): Record<string, string> {
  return {
    ...benchSecrets, JIHUO_DATA_DIR: dataDir, JIHUO_WORKERS: '0', LOG_LEVEL: 'warn', JIHUO_ENABLE_TEST_CLOCK: '1',
    ...(backend === 'postgres' ? { DATABASE_URL: databaseUrl! } : {}),
  };
}

/** A fresh data directory for one scenario (PGlite's database lives in it). */
export function benchDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'jihuo-bench-'));
}

/** `dataDir`: an existing directory prepared in-process (it is removed on stop either way). */
export async function startBenchServer(options: { backend: Backend; databaseUrl?: string; extraEnv?: Record<string, string>; dataDir?: string }): Promise<BenchServer> {
  const port = await freePort();
  const dataDir = options.dataDir ?? benchDataDir();
  const env: Record<string, string> = {
    ...benchSecrets, PORT: String(port), HOST: '127.0.0.1', JIHUO_DATA_DIR: dataDir, JIHUO_BENCH_ROUTES: '1',
    JIHUO_WORKERS: '0', LOG_LEVEL: 'warn', JIHUO_ENABLE_TEST_CLOCK: '1',
    ...(options.backend === 'postgres' ? { DATABASE_URL: options.databaseUrl! } : {}),
    ...(options.extraEnv ?? {}),
  };
  // JIHUO_BENCH_PROFILE=<dir>: the server writes a V8 CPU profile there when it stops (for finding hot spots).
  const profile = process.env.JIHUO_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.JIHUO_BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, child, 120_000);
  return {
    url, pid: child.pid!, dataDir, env,
    peakRssMb: () => peakRssMbOf(child.pid!),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => { child.once('exit', r); setTimeout(r, 10_000); });
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
