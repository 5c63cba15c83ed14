// CPU time by process group from /proc (Linux): the server process, PostgreSQL's processes and this
// bench process (the load generator), so a scenario can say where each request's CPU goes.
import { readdirSync, readFileSync } from 'node:fs';

const ticksPerSecond = 100; // USER_HZ on Linux

export interface CpuSnapshot { server: number; postgres: number; bench: number; roundTrips?: number; statements?: number }

function cpuMsOf(pid: string): { comm: string; ms: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // After "pid (comm) ": state is fields[0], utime fields[11], stime fields[12] (stat fields 14 and 15).
    return { comm, ms: ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond };
  } catch { return null; }
}

/** Cumulative CPU milliseconds of the server `serverPid`, every `postgres` process and this process. */
export function cpuSnapshot(serverPid: number): CpuSnapshot {
  let postgres = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const p = cpuMsOf(pid);
    if (p && p.comm === 'postgres') postgres += p.ms;
  }
  return { server: cpuMsOf(String(serverPid))?.ms ?? 0, postgres, bench: cpuMsOf(String(process.pid))?.ms ?? 0 };
}

/** The CPU snapshot plus the server's PostgreSQL traffic so far (its /metrics counters). */
export async function usageSnapshot(server: { pid: number; url: string }): Promise<CpuSnapshot> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const counter = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { ...cpuSnapshot(server.pid), roundTrips: counter('jihuo_db_round_trips_total'), statements: counter('jihuo_db_statements_total') };
}

/** CPU milliseconds per request between two snapshots, as "server x / postgres y / load z ms", and PostgreSQL round trips. */
export function cpuPerRequest(before: CpuSnapshot, after: CpuSnapshot, requests: number): string {
  const per = (k: keyof CpuSnapshot, digits = 2) => (((after[k] ?? 0) - (before[k] ?? 0)) / Math.max(requests, 1)).toFixed(digits);
  const cpu = `CPU per request: server ${per('server')} ms, PostgreSQL ${per('postgres')} ms, load generator ${per('bench')} ms`;
  // PGlite has no round trips to count.
  return after.roundTrips && after.roundTrips > (before.roundTrips ?? 0)
    ? `${cpu}, ${per('roundTrips', 1)} PostgreSQL round trips carrying ${per('statements', 1)} statements`
    : cpu;
}
