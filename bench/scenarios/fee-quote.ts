// fee-quote: the pure fee engine (`quote`) over N generated inputs (every method, a plan with a cap
// and a handful of industry/region/merchant/promotion rules), against an empty loop that touches
// the same inputs. In-process, no database: one row per run (backend "none").
import { performance } from 'node:perf_hooks';
import { defaultPlanId, defaultPlanRates, paymentMethods, quote, type FeeInput, type RateRule } from '../../src/modules/pricing/fee.js';
import type { BenchRow, Scenario } from '../lib/types.js';
import { ratio } from '../lib/types.js';

function rule(id: string, kind: RateRule['kind'], ratePpm: number, extra: Partial<RateRule>): RateRule {
  return { id, kind, method: null, ratePpm, mcc: null, province: null, cityCode: null, riskLevel: null, merchantId: null,
    merchantIds: null, startsOn: null, endsOn: null, active: true, ...extra };
}

function inputs(n: number): FeeInput[] {
  const rules: RateRule[] = [
    rule('r_ind', 'industry', 4500, { mcc: '5812' }),
    rule('r_reg', 'region', 5200, { cityCode: '310100' }),
    rule('r_mch', 'merchant', 4000, { riskLevel: 'low', method: 'credit_card' }),
    rule('r_pro', 'promotion', 3000, { startsOn: '2030-01-01', endsOn: '2030-01-31', method: 'wechat_qr' }),
    rule('r_off', 'industry', 1000, { mcc: '5411', active: false }),
  ];
  return Array.from({ length: n }, (_, i) => {
    const method = paymentMethods[i % paymentMethods.length]!;
    return {
      amountFen: 1 + ((i * 7919) % 5_000_000), method, plan: { id: defaultPlanId, rate: defaultPlanRates[method] }, rules,
      merchant: { id: `mch_${i % 97}`, mcc: i % 3 === 0 ? '5812' : '5411', province: '上海市', cityCode: i % 2 ? '310100' : '110100', riskLevel: i % 5 ? 'low' : 'high' },
      date: i % 4 ? '2030-01-15' : '2030-02-15',
    };
  });
}

function timed(fn: () => number): { ms: number; sink: number } {
  const start = performance.now();
  const sink = fn();
  return { ms: performance.now() - start, sink };
}

export const feeQuote: Scenario = {
  name: 'fee-quote',
  backends: ['none'],
  async run(env) {
    const n = env.quick ? 200_000 : 2_000_000;
    const data = inputs(n);
    // Warm up both loops so the JIT has compiled them before the measured passes.
    const quoteAll = () => { let s = 0; for (const input of data) s += quote(input).feeFen; return s; };
    const emptyAll = () => { let s = 0; for (const input of data) s += input.amountFen; return s; };
    quoteAll(); emptyAll();
    const q = timed(quoteAll);
    const e = timed(emptyAll);
    const throughput = Math.round(n / (q.ms / 1000));
    const baseline = Math.round(n / (e.ms / 1000));
    return [{
      scenario: 'fee-quote', throughput, p50Ms: 0, p99Ms: 0, peakRssMb: Math.round(process.memoryUsage().rss / 1024 / 1024),
      baseline, ratio: ratio(throughput, baseline),
      notes: `${n} quotes/s in-process vs an empty loop over the same inputs (items/s); ratio = quote ÷ empty loop (≤ 1, higher is better); p50/p99 not measured per item; checksum ${q.sink}/${e.sink}`,
    }];
  },
};
