// settlement: the settlement service, in-process on the scenario's database, over N generated
// approved sales of one day across 10,000 merchants (1,000,000; --quick 50,000). Merchants,
// terminals and transactions are generated set-based in SQL (INSERT … SELECT generate_series).
// Baseline, same run, same rows: a bare SELECT merchant_id, sum(...) … GROUP BY over the day.
// Throughput is transactions/s; ratio = settle rows/s ÷ GROUP BY rows/s (= GROUP BY time ÷ settle
// time; the target "settle ≤ 2× the GROUP BY" means ratio ≥ 0.5).
import { sql } from 'kysely';
import type { AppContext } from '../../src/platform/context.js';
import { runSettlement } from '../../src/modules/settlement/settlement.service.js';
import { withBenchContext, timeMs } from '../lib/inproc.js';
import { benchDataDir, peakRssMbOf } from '../lib/server.js';
import type { Scenario } from '../lib/types.js';
import { ratio } from '../lib/types.js';

const day = '2026-01-15';
const at = '2026-01-15T04:00:00Z'; // 12:00 in Shanghai

/** Merchants with one terminal each and `count` approved sales of the day, set-based in SQL. */
export async function generateDay(ctx: AppContext, merchants: number, count: number): Promise<void> {
  const sealed = ctx.cipher.seal('terminals.factory_key', 'ab'.repeat(32));
  await sql`insert into device_models (code, name, kind, price_fen, deposit_fen, deposit_threshold_fen, deposit_window_days, required_self_tests, min_firmware, created_at)
    values ('BENCHSET', 'Bench POS', 'traditional', 30000, null, null, null, '["cardReader"]', '1.0.0', ${at}::timestamptz)`.execute(ctx.db);
  await sql`insert into merchants (id, mid, type, status, legal_name, phone, email, id_number_mask, id_name, id_expiry, mcc, province, city,
      city_code, district, address_line, bank_name, account_number_mask, account_holder, risk_score, risk_level, risk_reasons,
      submitted_at, approved_at, created_at, updated_at)
    select 'mch_bench' || lpad(g::text, 15, '0'), '898' || lpad(g::text, 12, '0'), 'individual', 'approved', '压测小店' || g,
      '138' || lpad(g::text, 8, '0'), 'bench@example.com', '110***********1234', '张三', '2040-01-01', '5812', '北京市', '北京市',
      '110100', '朝阳区', '建国路 1 号', '中国银行', '6222********1234', '张三', 10, 'low', '[]',
      ${at}::timestamptz, ${at}::timestamptz, ${at}::timestamptz, ${at}::timestamptz
    from generate_series(1, ${merchants}) g`.execute(ctx.db);
  await sql`insert into terminals (id, sn, model_code, status, merchant_id, tid, factory_key_enc, firmware_version, activated_at, created_at, updated_at)
    select 'trm_bench' || lpad(g::text, 15, '0'), 'BST' || lpad(g::text, 8, '0'), 'BENCHSET', 'active', 'mch_bench' || lpad(g::text, 15, '0'),
      lpad((10000000 + g)::text, 8, '0'), ${sealed}, '2.0.0', ${at}::timestamptz, ${at}::timestamptz, ${at}::timestamptz
    from generate_series(1, ${merchants}) g`.execute(ctx.db);
  await sql`insert into transactions (id, merchant_id, terminal_id, kind, status, method, amount_fen, fee_fen, net_fen, occurred_at, business_date, created_at)
    select 'txn_bench' || lpad(g::text, 15, '0'), 'mch_bench' || lpad((g % ${merchants} + 1)::text, 15, '0'),
      'trm_bench' || lpad((g % ${merchants} + 1)::text, 15, '0'), 'sale', 'approved', 'credit_card',
      10000 + (g % 997) * 100, 60 + (g % 997) * 0, 9940 + (g % 997) * 100, ${at}::timestamptz, ${day}, ${at}::timestamptz
    from generate_series(1, ${count}) g`.execute(ctx.db);
  await sql`analyze`.execute(ctx.db);
}

export const settlement: Scenario = {
  name: 'settlement',
  backends: ['postgres', 'pglite'],
  async run(env) {
    if (env.backend === 'none') return [];
    const merchants = 10_000;
    // PGlite (single-process WASM) gets the quick size: a million rows there would take too long for one run.
    const count = env.quick || env.backend === 'pglite' ? 50_000 : 1_000_000;
    const dataDir = benchDataDir();
    return withBenchContext(env.backend, env.databaseUrl, dataDir, async (ctx) => {
      const genMs = await timeMs(() => generateDay(ctx, merchants, count));
      const groupMs = await timeMs(() => sql`select merchant_id, sum(amount_fen) as gross, sum(fee_fen) as fees, count(*) as n
        from transactions where business_date = ${day} and status = 'approved' and training = false group by merchant_id`.execute(ctx.db));
      let result: Awaited<ReturnType<typeof runSettlement>> | undefined;
      const steps: string[] = [];
      let stepStart = performance.now();
      const settleMs = await timeMs(async () => {
        result = await runSettlement(ctx, day, {
          onProgress: (_done, _total, step) => {
            const now = performance.now();
            steps.push(`${step} ${Math.round(now - stepStart)} ms`);
            stepStart = now;
          },
        });
      });
      const throughput = Math.round(count / (settleMs / 1000));
      const baseline = Math.round(count / (groupMs / 1000));
      return [{
        scenario: 'settlement', throughput, p50Ms: Math.round(settleMs), p99Ms: Math.round(settleMs), peakRssMb: peakRssMbOf(process.pid),
        baseline, ratio: ratio(throughput, baseline),
        notes: `${count} sales of ${day} across ${merchants} merchants: runSettlement in-process took ${Math.round(settleMs)} ms ` +
          `(${result?.merchants} statements, ${result?.transactions} transactions; steps: ${steps.join(', ')}), the bare GROUP BY ${Math.round(groupMs)} ms; ` +
          `throughput and baseline are rows/s; ratio = settle ÷ GROUP BY rows/s (target ≥ 0.5, i.e. settle ≤ 2× the GROUP BY time); ` +
          `p50/p99 = the one run's time; RSS is the bench process (PGlite runs inside it); set-based generation took ${Math.round(genMs)} ms`,
      }];
    });
  },
};
