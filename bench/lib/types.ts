// The shape of one benchmark row (Appendix B: bench/results/<date>.json).
export interface BenchRow {
  scenario: string;
  throughput: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMb: number;
  /** Throughput (or time, for batch scenarios) of the baseline measured in the same run. */
  baseline: number | null;
  /** Scenario ÷ baseline throughput (≥ 1 is faster than the baseline); null without a baseline. */
  ratio: number | null;
  backend?: string;
  notes?: string;
}

export interface BenchEnv {
  /** 'none' for in-process scenarios that use no database. */
  backend: 'postgres' | 'pglite' | 'none';
  databaseUrl: string | undefined;
  quick: boolean;
}

export interface Scenario {
  name: string;
  backends: ReadonlyArray<'postgres' | 'pglite' | 'none'>;
  run(env: BenchEnv): Promise<BenchRow[]>;
}

export function ratio(value: number, baseline: number): number {
  return baseline > 0 ? Math.round((value / baseline) * 100) / 100 : 0;
}

/** The database backend of a scenario that needs one ('none' is only for in-process scenarios). */
export function databaseBackend(env: BenchEnv): 'postgres' | 'pglite' {
  if (env.backend === 'none') throw new Error('this scenario needs a database backend');
  return env.backend;
}
