// tx-path-risk: what inline risk rules cost the sale path (issue 11: rules with the `decline`
// action are evaluated inline and must not slow it by more than 20%). The same server, fleet, load
// generator and concurrency as tx-path: sales/s with no decline rule (baseline, same run), then with
// one enabled decline rule of each inline kind whose thresholds no bench sale reaches, so every
// rule is evaluated on every sale and none fires. Ratio = with ÷ without (target ≥ 0.8).
import { activeFleet, api } from '../lib/fleet.js';
import { startBenchServer } from '../lib/server.js';
import type { Scenario } from '../lib/types.js';
import { databaseBackend, ratio } from '../lib/types.js';
import { sales } from './tx-path.js';

/** Decline rules that evaluate on every sale and never fire at bench amounts and rates. */
const declineRules = [
  { kind: 'velocity', name: 'bench velocity', params: { windowMinutes: 60, maxCount: 1_000_000, maxAmountFen: 1_000_000_000_000 } },
  { kind: 'large_after_activation', name: 'bench large after activation', params: { amountFen: 99_999_999, days: 30 } },
  { kind: 'round_amounts', name: 'bench round amounts', params: { count: 10_000, multipleFen: 100_000 } },
  { kind: 'night_activity', name: 'bench night activity', params: { startMinute: 120, endMinute: 121, mccs: ['5812'] } },
] as const;

export const txPathRisk: Scenario = {
  name: 'tx-path-risk',
  backends: ['postgres'],
  async run(env) {
    const server = await startBenchServer({ backend: databaseBackend(env), databaseUrl: env.databaseUrl });
    try {
      const connections = 32;
      const duration = env.quick ? 3 : 10;
      const { terminals } = await activeFleet(server, connections);
      await sales(server, terminals, 8, 1); // warm-up, not measured
      const without = await sales(server, terminals, connections, duration);
      const created: string[] = [];
      for (const rule of declineRules) {
        const res = await api(server, 'POST', '/v1/risk/rules', { ...rule, action: 'decline', enabled: true });
        if (res.status !== 201) throw new Error(`tx-path-risk: creating ${rule.kind}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
        created.push(rule.kind);
      }
      const withRules = await sales(server, terminals, connections, duration);
      return [{
        scenario: 'tx-path-risk', throughput: withRules.throughput, p50Ms: withRules.p50Ms, p99Ms: withRules.p99Ms,
        peakRssMb: server.peakRssMb(), baseline: without.throughput, ratio: ratio(withRules.throughput, without.throughput),
        notes: `${connections} terminals, ${duration}s each; sales/s with ${created.length} enabled decline rules (${created.join(', ')}; ` +
          `thresholds never reached, ${withRules.declined} declined) vs the same load with none (p50 ${without.p50Ms} ms, p99 ${without.p99Ms} ms); ` +
          'ratio = with ÷ without (target ≥ 0.8: inline rules cost at most 20%)',
      }];
    } finally {
      await server.stop();
    }
  },
};
