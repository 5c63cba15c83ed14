// Proves settlement is set-based: 100,000 transactions (20,000 on PGlite) of 2,000 merchants
// settle in one run whose statements, payouts and messages add up to the rows, in a number of
// queries that does not grow with the merchants (the same SQL settles a million).
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSettlement } from '../src/modules/settlement/settlement.service.js';
import { insertDeviceModel, insertMerchantsBulk } from './fixtures.js';
import { countingContext, createTestApp, testDbKind, type TestApp } from './harness.js';
import { shanghaiAt } from './settlement-fixtures.js';
import { settledDateSql } from '../src/modules/settlement/settled-days.js';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

const transactionCount = testDbKind() === 'postgres' ? 100_000 : 20_000;
const merchantCount = 2000;
/** What one run may send, whatever the number of merchants (a per-merchant loop sends thousands). */
const runQueriesMax = 60;

describe('settlement at scale', () => {
  it(`settles ${transactionCount} transactions of ${merchantCount} merchants in one run, in a bounded number of queries`, async () => {
    t.ctx.clock.set(shanghaiAt('2033-02-01', 9));
    const model = await insertDeviceModel(t.ctx, { kind: 'mobile', depositFen: null, thresholdFen: null, windowDays: null });
    const merchants = await insertMerchantsBulk(t.ctx, merchantCount);
    const sealedKey = t.ctx.cipher.seal('terminals.factory_key', '00'.repeat(32));
    await sql`
      insert into terminals (id, sn, model_code, status, merchant_id, factory_key_enc, activated_at, created_at, updated_at)
      select 'trm_s' || m.id, 'SNSCALE' || m.n, ${model}, 'active', m.id, ${sealedKey}, ${t.ctx.clock.now()}, ${t.ctx.clock.now()}, ${t.ctx.clock.now()}
      from (select id, row_number() over (order by id) as n from merchants where id in (${sql.join(merchants)})) m`.execute(t.ctx.db);
    // Rows only (no ledger entries): the run's own entries are what this test checks.
    await sql`
      insert into transactions (id, merchant_id, terminal_id, kind, status, method, amount_fen, fee_fen, net_fen,
        occurred_at, business_date, created_at)
      select 'txn_scale' || lpad(g::text, 11, '0'), tm.merchant_id, tm.id, 'sale', 'approved', 'credit_card', 10000, 60, 9940,
        ${shanghaiAt('2033-02-01', 12)}, '2033-02-01', ${shanghaiAt('2033-02-01', 12)}
      from generate_series(1, ${transactionCount}) g
      join (select id, merchant_id, row_number() over (order by id) - 1 as n from terminals where merchant_id in (${sql.join(merchants)})) tm
        on tm.n = g % ${merchantCount}`.execute(t.ctx.db);
    t.ctx.clock.set(shanghaiAt('2033-02-02', 9));
    const counted = countingContext(t.ctx);
    const result = await runSettlement(counted.ctx, '2033-02-01');
    expect(result).toMatchObject({ merchants: merchantCount, transactions: transactionCount, gross: transactionCount * 10_000, net: transactionCount * 9940 });
    expect(counted.queries()).toBeLessThanOrEqual(runQueriesMax);
    const unsettled = await t.ctx.db.selectFrom('transactions as t').select((eb) => eb.fn.countAll<string>().as('n'))
      .where('t.business_date', '=', '2033-02-01').where(settledDateSql('t'), 'is', null).executeTakeFirstOrThrow();
    expect(Number(unsettled.n)).toBe(0);
    const payouts = await t.ctx.db.selectFrom('journal_entries').select((eb) => eb.fn.countAll<string>().as('n'))
      .where('kind', '=', 'settlement.payout').where('business_date', '=', '2033-02-01').executeTakeFirstOrThrow();
    expect(Number(payouts.n)).toBe(merchantCount);
    const messages = await t.ctx.db.selectFrom('notification_messages')
      .select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.count<string>('notice_code_hash').distinct().as('codes')])
      .where('template', '=', 'settlement_ready').executeTakeFirstOrThrow();
    expect([Number(messages.n), Number(messages.codes)]).toEqual([merchantCount, merchantCount]);
  }, 300_000);
});
