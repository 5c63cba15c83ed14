// tx-path: signed POST /terminal/v1/transactions from concurrent simulated terminals over HTTP
// keep-alive (each autocannon connection is one active terminal: it signs every request with its
// own terminal key and sends a unique idempotency key). Each approved sale is priced, posts its
// ledger entry and records its idempotency response. Baseline, same run, same load generator and
// concurrency: the bench-only one-INSERT route. Also latency growth at 1, 4, 16 and 64 terminals.
import { randomBytes } from 'node:crypto';
import { signedHeaders } from '../../src/platform/crypto/request-signature.js';
import { cpuPerRequest, usageSnapshot } from '../lib/cpu.js';
import { activeFleet, type BenchTerminal } from '../lib/fleet.js';
import { runLoad, type LoadResult } from '../lib/load.js';
import { startBenchServer, type BenchServer } from '../lib/server.js';
import type { BenchRow, Scenario } from '../lib/types.js';
import { databaseBackend } from '../lib/types.js';
import { ratio } from '../lib/types.js';

const path = '/terminal/v1/transactions';
const methods = ['credit_card', 'debit_card', 'wechat_qr', 'alipay_qr', 'unionpay_qr'] as const;

export async function sales(server: BenchServer, terminals: BenchTerminal[], connections: number, durationSeconds: number): Promise<LoadResult & { approved: number; declined: number; codes: Record<string, number> }> {
  let nextTerminal = 0;
  let seq = 0;
  const run = randomBytes(4).toString('hex');
  let approved = 0;
  let declined = 0;
  const codes: Record<string, number> = {};
  const result = await runLoad({
    url: server.url, method: 'POST', path, connections, durationSeconds,
    setupRequest(request, context) {
      if (!context.terminal) context.terminal = terminals[nextTerminal++ % terminals.length];
      const t = context.terminal as BenchTerminal;
      const n = seq++;
      const method = methods[n % methods.length]!;
      const body = JSON.stringify({
        // Amounts end in 00: the upstream sandbox approves them (its last two digits pick the answer).
        idempotencyKey: `bench-${run}-${n}`, method, amount: 100 * (1 + (n % 5000)),
        ...(method === 'credit_card' ? { card: { bin: '622588', last4: '1234' } } : {}),
        ...(method === 'debit_card' ? { card: { bin: '622202', last4: '1234' } } : {}),
      });
      return { ...request, body, headers: { ...request.headers, ...signedHeaders({ key: t.terminalKey!, sn: t.sn, method: 'POST', path, body }) } };
    },
    onResponse(status, body) {
      if (status !== 201) { codes[String(status)] = (codes[String(status)] ?? 0) + 1; return; }
      if (body.includes('"approved"')) approved++;
      else { declined++; const code = /"declineCode":"([^"]+)"/.exec(body)?.[1] ?? '?'; codes[code] = (codes[code] ?? 0) + 1; }
    },
  });
  return { ...result, approved, declined, codes };
}

function insertLoad(server: BenchServer, connections: number, durationSeconds: number): Promise<LoadResult> {
  return runLoad({ url: server.url, method: 'POST', path: '/v1/bench/insert', connections, durationSeconds, body: JSON.stringify({ payload: 'x'.repeat(64) }) });
}

function describe(r: Awaited<ReturnType<typeof sales>>): string {
  const extra = Object.keys(r.codes).length ? `, other ${JSON.stringify(r.codes)}` : '';
  return `${r.requests} requests: ${r.approved} approved, ${r.declined} declined, ${r.errors} errors${extra}`;
}

export const txPath: Scenario = {
  name: 'tx-path',
  backends: ['postgres', 'pglite'],
  async run(env) {
    const server = await startBenchServer({ backend: databaseBackend(env), databaseUrl: env.databaseUrl });
    try {
      const main = 32;
      const levels = [1, 4, 16, 64];
      const setupStart = Date.now();
      const { terminals } = await activeFleet(server, Math.max(main, ...levels));
      const setupMs = Date.now() - setupStart;
      const duration = env.quick ? 3 : 10;
      const stepDuration = env.quick ? 2 : 5;
      // Warm-up (JIT, pool, plans), not measured.
      await sales(server, terminals, 8, 1);
      await insertLoad(server, 8, 1);
      const cpu0 = await usageSnapshot(server);
      const baseline = await insertLoad(server, main, duration);
      const cpu1 = await usageSnapshot(server);
      const tx = await sales(server, terminals, main, duration);
      const cpu2 = await usageSnapshot(server);
      const rows: BenchRow[] = [{
        scenario: 'tx-path', throughput: tx.throughput, p50Ms: tx.p50Ms, p99Ms: tx.p99Ms, peakRssMb: server.peakRssMb(),
        baseline: baseline.throughput, ratio: ratio(tx.throughput, baseline.throughput),
        notes: `${main} terminals/connections, ${duration}s; sales/s vs one-INSERT route req/s at the same concurrency ` +
          `(baseline p50 ${baseline.p50Ms} ms, p99 ${baseline.p99Ms} ms); ratio = tx ÷ insert (target ≥ 0.7); ${describe(tx)}; ` +
          `setup of ${terminals.length} active terminals over the API took ${setupMs} ms; peak RSS is the server's VmHWM; ` +
          `sales: ${cpuPerRequest(cpu1, cpu2, tx.requests)}; one-INSERT route: ${cpuPerRequest(cpu0, cpu1, baseline.requests)}`,
      }];
      for (const c of levels) {
        const b = await insertLoad(server, c, stepDuration);
        const r = await sales(server, terminals, c, stepDuration);
        rows.push({
          scenario: `tx-path@${c}`, throughput: r.throughput, p50Ms: r.p50Ms, p99Ms: r.p99Ms, peakRssMb: server.peakRssMb(),
          baseline: b.throughput, ratio: ratio(r.throughput, b.throughput),
          notes: `${c} terminals, ${stepDuration}s; one-INSERT route at ${c}: p50 ${b.p50Ms} ms, p99 ${b.p99Ms} ms; ${describe(r)}`,
        });
      }
      return rows;
    } finally {
      await server.stop();
    }
  },
};
