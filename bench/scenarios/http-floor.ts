// http-floor: GET /healthz throughput, the framework's floor; and the one-INSERT baseline route.
import { runLoad } from '../lib/load.js';
import { startBenchServer } from '../lib/server.js';
import type { BenchRow, Scenario } from '../lib/types.js';
import { databaseBackend } from '../lib/types.js';

export const httpFloor: Scenario = {
  name: 'http-floor',
  backends: ['postgres', 'pglite'],
  async run(env) {
    const server = await startBenchServer({ backend: databaseBackend(env), databaseUrl: env.databaseUrl });
    try {
      const duration = env.quick ? 2 : 5;
      const floor = await runLoad({ url: server.url, path: '/healthz', connections: 32, durationSeconds: duration });
      const insert = await runLoad({
        url: server.url, method: 'POST', path: '/v1/bench/insert', connections: 32, durationSeconds: duration,
        body: JSON.stringify({ payload: 'x'.repeat(64) }),
      });
      const rows: BenchRow[] = [
        { scenario: 'http-floor', throughput: floor.throughput, p50Ms: floor.p50Ms, p99Ms: floor.p99Ms, peakRssMb: server.peakRssMb(), baseline: null, ratio: null },
        { scenario: 'one-insert-baseline', throughput: insert.throughput, p50Ms: insert.p50Ms, p99Ms: insert.p99Ms, peakRssMb: server.peakRssMb(), baseline: null, ratio: null,
          notes: 'bench-only route, one INSERT per request through the same pool' },
      ];
      return rows;
    } finally {
      await server.stop();
    }
  },
};
