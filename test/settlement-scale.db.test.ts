// Proves settlement is set-based: 100,000 transactions of 20 merchants settle in one run whose
// statements add up to the rows (PostgreSQL only; the same SQL settles a million).
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSettlement } from '../src/modules/settlement/settlement.service.js';
import { insertDeviceModel, insertMerchant, insertTerminal } from './fixtures.js';
import { createTestApp, testDbKind, type TestApp } from './harness.js';
import { shanghaiAt } from './settlement-fixtures.js';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

const transactionCount = 100_000;

describe('settlement at scale', () => {
  it.skipIf(testDbKind() !== 'postgres')('settles 100,000 transactions in one run', async () => {
    t.ctx.clock.set(shanghaiAt('2033-02-01', 9));
    const model = await insertDeviceModel(t.ctx, { kind: 'mobile', depositFen: null, thresholdFen: null, windowDays: null });
    const terminals: string[] = [];
    for (let i = 0; i < 20; i++) {
      const merchant = await insertMerchant(t.ctx);
      terminals.push((await insertTerminal(t.ctx, { modelCode: model, merchantId: merchant.id, status: 'active' })).id);
    }
    // Rows only (no ledger entries): the run's own entries are what this test checks.
    await sql`
      insert into transactions (id, merchant_id, terminal_id, kind, status, method, amount_fen, fee_fen, net_fen,
        occurred_at, business_date, created_at)
      select 'txn_scale' || lpad(g::text, 11, '0'), tm.merchant_id, tm.id, 'sale', 'approved', 'credit_card', 10000, 60, 9940,
        ${shanghaiAt('2033-02-01', 12)}, '2033-02-01', ${shanghaiAt('2033-02-01', 12)}
      from generate_series(1, ${transactionCount}) g
      join (select id, merchant_id, row_number() over (order by id) - 1 as n from terminals where id in (${sql.join(terminals)})) tm
        on tm.n = g % 20`.execute(t.ctx.db);
    t.ctx.clock.set(shanghaiAt('2033-02-02', 9));
    const result = await runSettlement(t.ctx, '2033-02-01');
    expect(result).toMatchObject({ merchants: 20, transactions: transactionCount, gross: transactionCount * 10_000, net: transactionCount * 9940 });
    const unsettled = await t.ctx.db.selectFrom('transactions').select((eb) => eb.fn.countAll<string>().as('n'))
      .where('business_date', '=', '2033-02-01').where('settled_date', 'is', null).executeTakeFirstOrThrow();
    expect(Number(unsettled.n)).toBe(0);
    const payouts = await t.ctx.db.selectFrom('journal_entries').select((eb) => eb.fn.countAll<string>().as('n'))
      .where('kind', '=', 'settlement.payout').where('business_date', '=', '2033-02-01').executeTakeFirstOrThrow();
    expect(Number(payouts.n)).toBe(20);
  }, 180_000);
});
