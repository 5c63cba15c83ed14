// activation: portal codes issued and redeemed for N imported terminals (10,000; --quick 500).
// Setup in-process on the same database (not measured): a device model and an approved merchant,
// the terminals imported with known factory keys by the import service and assigned one by one
// with assignTerminal. Then, against a running server over HTTP: issue one code per terminal
// (operator API), and redeem each with a request signed with the factory key, unwrapping the
// terminal key (measured: redemptions/s). Baseline, same run: the one-INSERT route at the same
// concurrency for the same number of requests.
import { randomBytes } from 'node:crypto';
import { signedHeaders } from '../../src/platform/crypto/request-signature.js';
import { unwrapTerminalKey, type WrappedKey } from '../../src/platform/crypto/terminal-keys.js';
import { systemActor } from '../../src/platform/actor.js';
import { newId } from '../../src/platform/ids.js';
import { assignTerminal } from '../../src/modules/terminals/terminal.service.js';
import { importTerminals } from '../../src/modules/terminals/terminal-import.service.js';
import { cpuPerRequest, usageSnapshot } from '../lib/cpu.js';
import { issueCode, pool, type BenchTerminal } from '../lib/fleet.js';
import { withBenchContext } from '../lib/inproc.js';
import { runLoad } from '../lib/load.js';
import { benchDataDir, startBenchServer } from '../lib/server.js';
import type { BenchRow, Scenario } from '../lib/types.js';
import { ratio } from '../lib/types.js';

const activatePath = '/terminal/v1/activate';

export const activation: Scenario = {
  name: 'activation',
  backends: ['postgres', 'pglite'],
  async run(env) {
    if (env.backend === 'none') return [];
    const count = env.quick ? 500 : 10_000;
    const concurrency = 32;
    const dataDir = benchDataDir();
    const terminals: BenchTerminal[] = Array.from({ length: count }, (_, i) => ({
      sn: `BAC${String(i).padStart(7, '0')}`, factoryKey: randomBytes(32), terminalKey: null, code: null,
    }));
    const setupStart = Date.now();
    await withBenchContext(env.backend, env.databaseUrl, dataDir, async (ctx) => {
      const modelCode = `BENCHACT${randomBytes(2).toString('hex').toUpperCase()}`;
      const now = ctx.clock.now();
      await ctx.db.insertInto('device_models').values({
        code: modelCode, name: 'Bench POS', kind: 'traditional', price_fen: 30000, deposit_fen: null, deposit_threshold_fen: null,
        deposit_window_days: null, required_self_tests: JSON.stringify(['cardReader', 'printer', 'network']), min_firmware: '1.0.0', created_at: now,
      }).execute();
      const merchantId = newId('mch');
      await ctx.db.insertInto('merchants').values({
        id: merchantId, mid: `898${String(Date.now()).slice(-12)}`, type: 'individual', status: 'approved', legal_name: '压测小店',
        phone: '13800138000', email: 'bench@example.com', id_number_enc: null, id_number_hash: null, id_number_mask: '110***********1234',
        id_name: '张三', id_expiry: '2040-01-01', uscc: null, license_name: null, license_expiry: null, mcc: '5812', province: '北京市',
        city: '北京市', city_code: '110100', district: '朝阳区', address_line: '建国路 1 号', bank_name: '中国银行', account_number_enc: null,
        account_number_hash: null, account_number_mask: '6222********1234', account_holder: '张三', risk_score: 10, risk_level: 'low',
        risk_reasons: '[]', pricing_plan_id: null, submitted_at: now, approved_at: now, created_at: now, updated_at: now,
      }).execute();
      const imported = await importTerminals(ctx, systemActor, terminals.map((t) => ({ sn: t.sn, modelCode, factoryKey: t.factoryKey.toString('hex') })));
      if (imported.imported !== count) throw new Error(`activation setup: imported ${imported.imported} of ${count}`);
      for (const t of terminals) {
        await ctx.db.transaction().execute((trx) => assignTerminal(ctx, trx, systemActor, { sn: t.sn, merchantId }));
      }
    });
    const setupMs = Date.now() - setupStart;
    const server = await startBenchServer({ backend: env.backend, databaseUrl: env.databaseUrl, dataDir });
    try {
      // Each phase is bounded in time too: what is done by the budget is what is measured.
      const budgetMs = env.quick ? 30_000 : 120_000;
      const issueStart = performance.now();
      const issued = await pool(terminals, concurrency, (t) => issueCode(server, t), Date.now() + budgetMs);
      const issueS = (performance.now() - issueStart) / 1000;
      const withCodes = terminals.slice(0, issued);
      // Redemptions from autocannon, like the baseline (a cheaper client than fetch, leaving the
      // CPU to the server): each request signs the next terminal's code with its factory key; each
      // answer's terminal key is unwrapped and checked.
      let next = 0;
      let failed = 0;
      let firstFailure = '';
      const cpu0 = await usageSnapshot(server);
      const redeemStart = performance.now();
      const load = await runLoad({
        url: server.url, method: 'POST', path: activatePath, connections: concurrency, amount: withCodes.length,
        setupRequest(request, context) {
          const t = withCodes[next++ % withCodes.length]!;
          context.terminal = t;
          const body = JSON.stringify({ activationCode: t.code });
          return { ...request, body, headers: { ...request.headers, ...signedHeaders({ key: t.factoryKey, sn: t.sn, method: 'POST', path: activatePath, body }) } };
        },
        onResponse(status, body, context) {
          const t = context.terminal as BenchTerminal;
          try {
            if (status !== 200) throw new Error(`HTTP ${status} ${body.slice(0, 200)}`);
            t.terminalKey = unwrapTerminalKey(t.factoryKey, t.sn, (JSON.parse(body) as { terminalKey: WrappedKey }).terminalKey);
          } catch (error) {
            failed++;
            firstFailure ||= `${t.sn}: ${(error as Error).message}`;
          }
        },
      });
      const redeemS = (performance.now() - redeemStart) / 1000;
      const cpu1 = await usageSnapshot(server);
      const redeemed = load.requests - failed;
      if (failed > 0 || load.errors > 0) throw new Error(`activation: ${failed} failed, ${load.errors} errors; first: ${firstFailure}`);
      const throughput = Math.round(redeemed / redeemS);
      const baseline = await runLoad({
        url: server.url, method: 'POST', path: '/v1/bench/insert', connections: concurrency, amount: Math.max(redeemed, concurrency),
        body: JSON.stringify({ payload: 'x'.repeat(64) }),
      });
      return [{
        scenario: 'activation', throughput, p50Ms: load.p50Ms, p99Ms: load.p99Ms, peakRssMb: server.peakRssMb(),
        baseline: baseline.throughput, ratio: ratio(throughput, baseline.throughput),
        notes: `${count} terminals imported, ${issued} codes issued (within a ${budgetMs / 1000}s budget) and ${redeemed} redeemed (autocannon, ${concurrency} connections): redemptions/s (signed /terminal/v1/activate, key unwrapped; ${cpuPerRequest(cpu0, cpu1, redeemed)}); ` +
          `issuing portal codes ran at ${Math.round(issued / issueS)}/s; baseline = one-INSERT route req/s for as many requests at ${concurrency} connections; ` +
          `ratio = redemptions/s ÷ insert req/s (target ≥ 1,000 redemptions/s); in-process setup (import + assign) ${setupMs} ms`,
      }];
    } finally {
      await server.stop();
    }
  },
};
