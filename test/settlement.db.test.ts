// Proves daily T+1 settlement: exact statement amounts (Appendix B), JSON and CSV, refund shortfalls
// carried to later statements, statements that reconcile with the ledger (payouts = payable
// movement), deposit deduction across days, idempotent and concurrent runs, date rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/platform/api-keys.js';
import { accountBalance, accounts, verifyLedger } from '../src/modules/ledger/ledger.service.js';
import { runSettlement } from '../src/modules/settlement/settlement.service.js';
import { insertDeviceModel, insertMerchant, insertTerminal } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';
import { refundOf, sale, shanghaiAt, voidOf } from './settlement-fixtures.js';
import { settledDateSql } from '../src/modules/settlement/settled-days.js';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

async function entryCount(): Promise<number> {
  const row = await t.ctx.db.selectFrom('journal_entries').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('settlement statements', () => {
  it('computes gross, fees, voids, refunds and net per merchant and day, and pays the net out', async () => {
    t.ctx.clock.set(shanghaiAt('2030-03-01', 9));
    const noDeposit = await insertDeviceModel(t.ctx, { kind: 'qr_box', depositFen: null, thresholdFen: null, windowDays: null });
    const merchant = await insertMerchant(t.ctx);
    const terminal = await insertTerminal(t.ctx, { modelCode: noDeposit, merchantId: merchant.id, status: 'active' });
    const base = { merchantId: merchant.id, terminalId: terminal.id };
    const day1 = '2030-03-01';
    const big = await sale(t.ctx, { ...base, amountFen: 1_000_000, feeFen: 6000, at: shanghaiAt(day1, 10) });
    const voided = await sale(t.ctx, { ...base, method: 'debit_card', amountFen: 200_000, feeFen: 1000, at: shanghaiAt(day1, 11) });
    await voidOf(t.ctx, voided, shanghaiAt(day1, 12));
    await sale(t.ctx, { ...base, method: 'wechat_qr', amountFen: 50_000, feeFen: 190, at: shanghaiAt(day1, 23) });
    await sale(t.ctx, { ...base, amountFen: 70_000, at: shanghaiAt(day1, 13), training: true });
    await sale(t.ctx, { ...base, amountFen: 80_000, at: shanghaiAt(day1, 14), status: 'declined' });
    // Midnight in Shanghai starts the next day (the cut-off).
    await sale(t.ctx, { ...base, amountFen: 10_000, feeFen: 60, at: shanghaiAt('2030-03-02', 0) });

    t.ctx.clock.set(shanghaiAt('2030-03-02', 1));
    const run = await t.request('POST', '/v1/settlements/run', { body: { date: day1 } });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ date: day1, merchants: 1, transactions: 4, gross: 1_250_000, alreadySettled: false });

    const statements = await t.request('GET', `/v1/merchants/${merchant.id}/settlements?date=${day1}`);
    expect(statements.status).toBe(200);
    // gross counts the voided sale; fees are net of the voided sale's fee; training and declined rows are out.
    expect(statements.body).toEqual([{
      date: day1, gross: 1_250_000, fees: 6190, voids: 200_000, refunds: 0, depositDeduction: 0, net: 1_043_810,
    }]);
    // Day 1 is paid out; only the next day's sale (10,000 − 60) remains on the payable.
    expect(await accountBalance(t.ctx.db, accounts.merchantPayable(merchant.id).code)).toBe(-9940);
    const settled = await t.ctx.db.selectFrom('transactions as t').select(['t.training', 't.status', settledDateSql('t').as('settled_date')])
      .where('t.merchant_id', '=', merchant.id).where('t.business_date', '=', day1).execute();
    expect(settled.length).toBeGreaterThan(3);
    for (const row of settled) expect(row.settled_date).toBe(row.training || row.status === 'declined' ? null : day1);

    // Day 2: a refund of part of day 1's sale; the fee is kept.
    await refundOf(t.ctx, big, 300_000, shanghaiAt('2030-03-02', 15));
    t.ctx.clock.set(shanghaiAt('2030-03-03', 8));
    await runSettlement(t.ctx, '2030-03-02');
    const day2 = await t.request('GET', `/v1/merchants/${merchant.id}/settlements?date=2030-03-02`);
    expect(day2.body).toEqual([{ date: '2030-03-02', gross: 10_000, fees: 60, voids: 0, refunds: 300_000, depositDeduction: 0, net: 0 }]);
    // A day whose refunds exceed its sales pays nothing (net never negative); the shortfall is
    // carried to the next statements and stays owed on the payable until they recover it.
    expect(await accountBalance(t.ctx.db, accounts.merchantPayable(merchant.id).code)).toBe(300_000 - 9940);
    const details2 = await t.request('GET', `/v1/merchants/${merchant.id}/settlements?date=2030-03-02&details=true`);
    expect(details2.body).toEqual([{
      date: '2030-03-02', gross: 10_000, fees: 60, voids: 0, refunds: 300_000, depositDeduction: 0, net: 0,
      depositRefund: 0, shortfallCarriedIn: 0, shortfallDeduction: 0, shortfallCarried: 290_060, payout: 0,
    }]);

    const csv = await t.request('GET', `/v1/merchants/${merchant.id}/settlements.csv?from=2030-03-01&to=2030-03-02`);
    expect(csv.status).toBe(200);
    expect(String(csv.headers['content-type'])).toMatch(/^text\/csv/);
    expect(csv.text.trim().split('\n')).toEqual([
      'merchant_id,date,sale_count,gross_fen,fees_fen,voids_fen,refunds_fen,deposit_deduction_fen,net_fen,deposit_refund_fen,payout_fen,'
        + 'shortfall_carried_in_fen,shortfall_deduction_fen,shortfall_carried_fen',
      `${merchant.id},2030-03-01,3,1250000,6190,200000,0,0,1043810,0,1043810,0,0,0`,
      `${merchant.id},2030-03-02,1,10000,60,0,300000,0,0,0,0,0,0,290060`,
    ]);
    const csv2 = await t.request('GET', `/v1/merchants/${merchant.id}/settlements?date=2030-03-01&format=csv`);
    expect(csv2.text.split('\n')[1]).toBe(`${merchant.id},2030-03-01,3,1250000,6190,200000,0,0,1043810,0,1043810,0,0,0`);

    // Day 3: the next statement deducts the carried shortfall before paying out; net keeps its formula.
    await sale(t.ctx, { ...base, amountFen: 500_000, feeFen: 3000, at: shanghaiAt('2030-03-03', 10) });
    t.ctx.clock.set(shanghaiAt('2030-03-04', 8));
    await runSettlement(t.ctx, '2030-03-03');
    const day3 = await t.request('GET', `/v1/merchants/${merchant.id}/settlements?date=2030-03-03&details=true`);
    expect(day3.body).toEqual([{
      date: '2030-03-03', gross: 500_000, fees: 3000, voids: 0, refunds: 0, depositDeduction: 0, net: 497_000,
      depositRefund: 0, shortfallCarriedIn: 290_060, shortfallDeduction: 290_060, shortfallCarried: 0, payout: 206_940,
    }]);
    // Statements reconcile with the ledger: the payouts over the days are the payable movement.
    expect(await accountBalance(t.ctx.db, accounts.merchantPayable(merchant.id).code)).toBe(0);
    const payouts = await t.ctx.db.selectFrom('journal_lines').select('amount_fen').where('account_code', '=', accounts.settlementBank().code)
      .where('merchant_id', '=', merchant.id).execute();
    const paid = -payouts.reduce((sum, l) => sum + l.amount_fen, 0);
    expect(paid).toBe(1_043_810 + 0 + 206_940);
    expect(paid).toBe((1_250_000 - 6190 - 200_000) + (10_000 - 60 - 300_000) + (500_000 - 3000));
    expect((await verifyLedger(t.ctx.db)).ok).toBe(true);
    const messages = await t.ctx.db.selectFrom('notification_messages').select(['template', 'subject'])
      .where('merchant_id', '=', merchant.id).execute();
    expect(messages.filter((m) => m.template === 'settlement_ready')).toHaveLength(3);
  });

  it('refuses today, future and impossible dates with settlement_date_invalid', async () => {
    t.ctx.clock.set(shanghaiAt('2030-04-10', 0));
    for (const date of ['2030-04-10', '2030-04-11', '2031-01-01', '2030-02-30']) {
      const res = await t.request('POST', '/v1/settlements/run', { body: { date } });
      expect(res.status, date).toBe(400);
      expect(res.body.error.code).toBe('settlement_date_invalid');
    }
    expect((await t.request('POST', '/v1/settlements/run', { body: { date: '10/04/2030' } })).body.error.code).toBe('validation_failed');
    expect((await t.request('POST', '/v1/settlements/run', { body: { date: '2030-04-09' } })).status).toBe(200);
  });

  it('settles a day once: a re-run returns the same result and writes nothing', async () => {
    t.ctx.clock.set(shanghaiAt('2030-05-01', 9));
    const model = await insertDeviceModel(t.ctx, { kind: 'mobile', depositFen: null, thresholdFen: null, windowDays: null });
    const merchant = await insertMerchant(t.ctx);
    const terminal = await insertTerminal(t.ctx, { modelCode: model, merchantId: merchant.id, status: 'active' });
    await sale(t.ctx, { merchantId: merchant.id, terminalId: terminal.id, amountFen: 123_456, at: shanghaiAt('2030-05-01', 10) });
    t.ctx.clock.set(shanghaiAt('2030-05-03', 9));
    const first = await t.request('POST', '/v1/settlements/run', { body: { date: '2030-05-01' } });
    const entries = await entryCount();
    const again = await t.request('POST', '/v1/settlements/run', { body: { date: '2030-05-01' } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, alreadySettled: true });
    expect(await entryCount()).toBe(entries);
    const statements = await t.request('GET', `/v1/merchants/${merchant.id}/settlements?date=2030-05-01`);
    expect(statements.body).toHaveLength(1);
  });

  it('settles each merchant once when runs race', async () => {
    t.ctx.clock.set(shanghaiAt('2030-06-01', 9));
    const model = await insertDeviceModel(t.ctx, { kind: 'mobile', depositFen: null, thresholdFen: null, windowDays: null });
    const merchants = await Promise.all([0, 1, 2].map(() => insertMerchant(t.ctx)));
    for (const m of merchants) {
      const terminal = await insertTerminal(t.ctx, { modelCode: model, merchantId: m.id, status: 'active' });
      await sale(t.ctx, { merchantId: m.id, terminalId: terminal.id, amountFen: 10_000, feeFen: 60, at: shanghaiAt('2030-06-01', 12) });
    }
    t.ctx.clock.set(shanghaiAt('2030-06-02', 9));
    const results = await Promise.all([0, 1, 2, 3].map(() => runSettlement(t.ctx, '2030-06-01')));
    expect(results.filter((r) => !r.alreadySettled)).toHaveLength(1);
    expect(new Set(results.map((r) => r.runId)).size).toBe(1);
    const payouts = await t.ctx.db.selectFrom('journal_entries').select('merchant_id')
      .where('kind', '=', 'settlement.payout').where('business_date', '=', '2030-06-01').execute();
    expect(payouts.map((p) => p.merchant_id).sort()).toEqual(merchants.map((m) => m.id).sort());
    for (const m of merchants) expect(await accountBalance(t.ctx.db, accounts.merchantPayable(m.id).code)).toBe(0);
  });

  it('shows a merchant only its own statements', async () => {
    const mine = await insertMerchant(t.ctx);
    const other = await insertMerchant(t.ctx);
    const owner = (await createApiKey(t.ctx, { name: 'owner', role: 'merchant_owner', merchantId: mine.id })).key;
    expect((await t.request('GET', `/v1/merchants/${mine.id}/settlements`, { key: owner })).body).toEqual([]);
    const foreign = await t.request('GET', `/v1/merchants/${other.id}/settlements`, { key: owner });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('merchant_not_found');
    expect((await t.request('POST', '/v1/settlements/run', { key: owner, body: { date: '2030-01-01' } })).status).toBe(403);
  });
});

describe('deposit deduction and reconciliation', () => {
  it('recovers a carried refund shortfall before collecting a deposit, and the payouts still equal the payable movement', async () => {
    t.ctx.clock.set(shanghaiAt('2030-08-01', 9));
    const noDeposit = await insertDeviceModel(t.ctx, { kind: 'qr_box', depositFen: null, thresholdFen: null, windowDays: null });
    const traditional = await insertDeviceModel(t.ctx, { kind: 'traditional' });
    const merchant = await insertMerchant(t.ctx);
    const terminal = await insertTerminal(t.ctx, { modelCode: noDeposit, merchantId: merchant.id, status: 'active' });
    const base = { merchantId: merchant.id, terminalId: terminal.id };
    const first = await sale(t.ctx, { ...base, amountFen: 100_000, feeFen: 600, at: shanghaiAt('2030-08-01', 10) });
    t.ctx.clock.set(shanghaiAt('2030-08-02', 6));
    await runSettlement(t.ctx, '2030-08-01');
    await refundOf(t.ctx, first, 100_000, shanghaiAt('2030-08-02', 10));
    t.ctx.clock.set(shanghaiAt('2030-08-03', 6));
    await runSettlement(t.ctx, '2030-08-02');
    // A second terminal, with a ¥298 deposit, turns active on day 3.
    t.ctx.clock.set(shanghaiAt('2030-08-03', 9));
    const pos = await insertTerminal(t.ctx, { modelCode: traditional, merchantId: merchant.id, status: 'active' });
    await sale(t.ctx, { ...base, amountFen: 120_000, feeFen: 720, at: shanghaiAt('2030-08-03', 10) });
    t.ctx.clock.set(shanghaiAt('2030-08-04', 6));
    await runSettlement(t.ctx, '2030-08-03');
    await sale(t.ctx, { ...base, amountFen: 50_000, feeFen: 300, at: shanghaiAt('2030-08-04', 10) });
    t.ctx.clock.set(shanghaiAt('2030-08-05', 6));
    await runSettlement(t.ctx, '2030-08-04');

    const res = await t.request('GET', `/v1/merchants/${merchant.id}/settlements?from=2030-08-01&to=2030-08-04&details=true`);
    expect(res.body).toEqual([
      { date: '2030-08-01', gross: 100_000, fees: 600, voids: 0, refunds: 0, depositDeduction: 0, net: 99_400,
        depositRefund: 0, shortfallCarriedIn: 0, shortfallDeduction: 0, shortfallCarried: 0, payout: 99_400 },
      { date: '2030-08-02', gross: 0, fees: 0, voids: 0, refunds: 100_000, depositDeduction: 0, net: 0,
        depositRefund: 0, shortfallCarriedIn: 0, shortfallDeduction: 0, shortfallCarried: 100_000, payout: 0 },
      // The shortfall comes first: the deposit only takes what is left after it.
      { date: '2030-08-03', gross: 120_000, fees: 720, voids: 0, refunds: 0, depositDeduction: 19_280, net: 100_000,
        depositRefund: 0, shortfallCarriedIn: 100_000, shortfallDeduction: 100_000, shortfallCarried: 0, payout: 0 },
      { date: '2030-08-04', gross: 50_000, fees: 300, voids: 0, refunds: 0, depositDeduction: 10_520, net: 39_180,
        depositRefund: 0, shortfallCarriedIn: 0, shortfallDeduction: 0, shortfallCarried: 0, payout: 39_180 },
    ]);
    for (const r of res.body as Array<Record<string, number>>) {
      expect(r.net).toBe(Math.max(r.gross! - r.fees! - r.voids! - r.refunds! - r.depositDeduction!, 0));
    }
    expect((await t.request('GET', `/v1/terminals/${pos.sn}/deposit`)).body).toMatchObject({ collected: 29_800, status: 'held' });
    const payouts = await t.ctx.db.selectFrom('journal_lines').select('amount_fen').where('account_code', '=', accounts.settlementBank().code)
      .where('merchant_id', '=', merchant.id).execute();
    const movement = (100_000 - 600) - 100_000 + (120_000 - 720) + (50_000 - 300);
    expect(-payouts.reduce((sum, l) => sum + l.amount_fen, 0)).toBe(movement - 29_800);
    expect(await accountBalance(t.ctx.db, accounts.merchantPayable(merchant.id).code)).toBe(0);
    const owed = await t.ctx.db.selectFrom('settlement_shortfalls').select('owed_fen').where('merchant_id', '=', merchant.id).executeTakeFirstOrThrow();
    expect(owed.owed_fen).toBe(0);
    expect((await verifyLedger(t.ctx.db)).ok).toBe(true);
  });

  it('collects a deposit from the next settlements, partially across days, and reconciles with the ledger', async () => {
    t.ctx.clock.set(shanghaiAt('2030-07-01', 9));
    const traditional = await insertDeviceModel(t.ctx, { kind: 'traditional' });
    const merchant = await insertMerchant(t.ctx);
    const terminal = await insertTerminal(t.ctx, { modelCode: traditional, merchantId: merchant.id, status: 'active' });
    const base = { merchantId: merchant.id, terminalId: terminal.id };
    await sale(t.ctx, { ...base, amountFen: 10_000, feeFen: 60, at: shanghaiAt('2030-07-01', 10) });
    await sale(t.ctx, { ...base, amountFen: 100_000, feeFen: 600, at: shanghaiAt('2030-07-02', 10) });
    await sale(t.ctx, { ...base, amountFen: 50_000, feeFen: 300, at: shanghaiAt('2030-07-03', 10) });
    t.ctx.clock.set(shanghaiAt('2030-07-04', 9));
    for (const date of ['2030-07-01', '2030-07-02', '2030-07-03']) await runSettlement(t.ctx, date);
    const res = await t.request('GET', `/v1/merchants/${merchant.id}/settlements?from=2030-07-01&to=2030-07-03`);
    expect(res.body).toEqual([
      { date: '2030-07-01', gross: 10_000, fees: 60, voids: 0, refunds: 0, depositDeduction: 9940, net: 0 },
      { date: '2030-07-02', gross: 100_000, fees: 600, voids: 0, refunds: 0, depositDeduction: 19_860, net: 79_540 },
      { date: '2030-07-03', gross: 50_000, fees: 300, voids: 0, refunds: 0, depositDeduction: 0, net: 49_700 },
    ]);
    const deposit = await t.request('GET', `/v1/terminals/${terminal.sn}/deposit`);
    expect(deposit.body).toMatchObject({ amount: 29_800, collected: 29_800, status: 'held' });
    // Σ net = what the transactions credited to the payable − deductions; the payout empties it.
    const nets = (res.body as Array<{ net: number }>).reduce((s, r) => s + r.net, 0);
    const payouts = await t.ctx.db.selectFrom('journal_lines').select('amount_fen').where('account_code', '=', 'bank:settlement')
      .where('merchant_id', '=', merchant.id).execute();
    expect(-payouts.reduce((s, l) => s + l.amount_fen, 0)).toBe(nets);
    expect(nets + 29_800).toBe(160_000 - 960);
    expect(await accountBalance(t.ctx.db, accounts.merchantPayable(merchant.id).code)).toBe(0);
    expect(await accountBalance(t.ctx.db, accounts.merchantDepositHeld(merchant.id).code)).toBe(-29_800);
    expect((await verifyLedger(t.ctx.db)).ok).toBe(true);
  });
});
