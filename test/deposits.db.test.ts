// Proves device deposits (SPEC §9, Appendix B) with the test clock: pending from activation, collected
// from settlements, refunded on day 170 when credit volume reaches ¥600,000, forfeited on day 181,
// replacement terminals keeping the deposit (or following their own model's policy when the old
// terminal had none), the ledger entries of each step (deposit refunds payable) and merchant scoping.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/platform/api-keys.js';
import { addDays, shanghaiDate } from '../src/platform/clock.js';
import { accountBalance, accounts, verifyLedger } from '../src/modules/ledger/ledger.service.js';
import { runSettlement } from '../src/modules/settlement/settlement.service.js';
import { sweepDeposits } from '../src/modules/deposits/deposit.service.js';
import { insertDeviceModel, insertMerchant, insertTerminal } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';
import { refundOf, sale, shanghaiAt, voidOf } from './settlement-fixtures.js';

let t: TestApp;
let traditional: string;
const day0 = shanghaiAt('2031-01-01', 10);
const day = (n: number, hour = 10) => addDays(new Date(day0.getTime() + (hour - 10) * 3_600_000), n);
const dateOf = (n: number) => shanghaiDate(day(n));

beforeAll(async () => {
  t = await createTestApp();
  t.ctx.clock.set(day0);
  traditional = await insertDeviceModel(t.ctx, { kind: 'traditional', depositFen: 29_800, thresholdFen: 60_000_000, windowDays: 180 });
});
afterAll(async () => { await t.close(); });

/** An active terminal activated exactly at `at` (the clock runs on while a test works). */
async function activeTerminal(merchantId: string, at: Date, modelCode = traditional) {
  const terminal = await insertTerminal(t.ctx, { modelCode, merchantId, status: 'active' });
  await t.ctx.db.updateTable('terminals').set({ activated_at: at }).where('id', '=', terminal.id).execute();
  return terminal;
}

async function templatesSent(merchantId: string): Promise<string[]> {
  const rows = await t.ctx.db.selectFrom('notification_messages').select('template').where('merchant_id', '=', merchantId).execute();
  return rows.map((r) => r.template);
}

async function settle(n: number): Promise<void> {
  t.ctx.clock.set(day(n + 1, 6));
  await runSettlement(t.ctx, dateOf(n));
}

describe('traditional POS deposit (¥298, ¥600,000 credit volume within 180 days)', () => {
  it('is collected from settlements and refunded on day 170 when the volume reaches the threshold', async () => {
    t.ctx.clock.set(day0);
    const merchant = await insertMerchant(t.ctx);
    const terminal = await activeTerminal(merchant.id, day0);
    const base = { merchantId: merchant.id, terminalId: terminal.id };
    const deadline = addDays(day0, 180).toISOString();

    const fresh = await t.request('GET', `/v1/terminals/${terminal.sn}/deposit`);
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({
      amount: 29_800, collected: 0, status: 'pending', volume: 0, threshold: 60_000_000, deadline, daysLeft: 180,
    });

    await sale(t.ctx, { ...base, amountFen: 1_000_000, feeFen: 6000, at: day(1) });
    await settle(1);
    expect((await t.request('GET', `/v1/terminals/${terminal.sn}/deposit`)).body)
      .toMatchObject({ collected: 29_800, status: 'held', volume: 1_000_000 });

    // Day 100: only approved, non-training credit-card sales count, less voids and refunds.
    await sale(t.ctx, { ...base, amountFen: 30_000_000, feeFen: 180_000, at: day(100) });
    await sale(t.ctx, { ...base, method: 'debit_card', amountFen: 50_000_000, feeFen: 2500, at: day(100) });
    await sale(t.ctx, { ...base, amountFen: 50_000_000, at: day(100), training: true });
    await sale(t.ctx, { ...base, amountFen: 50_000_000, at: day(100), status: 'declined' });
    const voided = await sale(t.ctx, { ...base, amountFen: 5_000_000, feeFen: 30_000, at: day(100, 11) });
    await voidOf(t.ctx, voided, day(100, 12));
    const refunded = await sale(t.ctx, { ...base, amountFen: 2_000_000, feeFen: 12_000, at: day(100, 13) });
    await settle(100);
    await refundOf(t.ctx, refunded, 1_000_000, day(120));
    await sale(t.ctx, { ...base, method: 'debit_card', amountFen: 3_000_000, feeFen: 2500, at: day(120) });
    await settle(120);

    t.ctx.clock.set(day(169));
    expect((await t.request('GET', `/v1/terminals/${terminal.sn}/deposit`)).body)
      .toMatchObject({ status: 'held', volume: 32_000_000, daysLeft: 11 });

    await sale(t.ctx, { ...base, amountFen: 28_000_000, feeFen: 168_000, at: day(170) });
    t.ctx.clock.set(day(170, 11));
    const done = await t.request('GET', `/v1/terminals/${terminal.sn}/deposit`);
    expect(done.body).toMatchObject({
      amount: 29_800, collected: 29_800, status: 'refunded', volume: 60_000_000, threshold: 60_000_000, deadline, daysLeft: null,
    });
    expect(await accountBalance(t.ctx.db, accounts.merchantDepositHeld(merchant.id).code)).toBe(0);
    // Refunded, not paid yet: the deposit refunds payable holds it until the next settlement.
    expect(await accountBalance(t.ctx.db, accounts.merchantDepositRefundPayable(merchant.id).code)).toBe(-29_800);
    expect(await templatesSent(merchant.id)).toContain('deposit_refunded');

    // The refund is paid out with the next settlement, beside the day's net.
    await settle(170);
    const statement = await t.ctx.db.selectFrom('settlement_statements').selectAll()
      .where('merchant_id', '=', merchant.id).where('date', '=', dateOf(170)).executeTakeFirstOrThrow();
    expect(statement).toMatchObject({ net_fen: 28_000_000 - 168_000, deposit_refund_fen: 29_800, payout_fen: 28_000_000 - 168_000 + 29_800 });
    expect(await accountBalance(t.ctx.db, accounts.merchantPayable(merchant.id).code)).toBe(0);
    expect(await accountBalance(t.ctx.db, accounts.merchantDepositRefundPayable(merchant.id).code)).toBe(0);
    const paidEntries = await t.ctx.db.selectFrom('journal_entries').select(['kind', 'business_date'])
      .where('merchant_id', '=', merchant.id).where('kind', 'in', ['deposit.refunded', 'deposit.refund_paid']).orderBy('kind').execute();
    expect(paidEntries).toEqual([{ kind: 'deposit.refund_paid', business_date: dateOf(170) }, { kind: 'deposit.refunded', business_date: dateOf(170) }]);
    // Refunded stays refunded; the window closing later changes nothing.
    t.ctx.clock.set(day(200));
    expect((await t.request('GET', `/v1/terminals/${terminal.sn}/deposit`)).body.status).toBe('refunded');
    expect((await verifyLedger(t.ctx.db)).ok).toBe(true);
  });

  it('is forfeited on day 181 when the volume stays below the threshold', async () => {
    t.ctx.clock.set(day0);
    const merchant = await insertMerchant(t.ctx);
    const terminal = await activeTerminal(merchant.id, day0);
    const base = { merchantId: merchant.id, terminalId: terminal.id };
    await sale(t.ctx, { ...base, amountFen: 59_999_999, feeFen: 360_000, at: day(10) });
    await settle(10);

    t.ctx.clock.set(day(179));
    expect((await t.request('GET', `/v1/terminals/${terminal.sn}/deposit`)).body)
      .toMatchObject({ status: 'held', collected: 29_800, volume: 59_999_999, daysLeft: 1 });

    // A sale after the window does not count.
    await sale(t.ctx, { ...base, amountFen: 1_000_000, at: day(181) });
    const forfeitsBefore = await accountBalance(t.ctx.db, accounts.depositForfeitRevenue().code);
    t.ctx.clock.set(day(181, 12));
    expect(await sweepDeposits(t.ctx)).toBeGreaterThanOrEqual(1);
    expect((await t.request('GET', `/v1/terminals/${terminal.sn}/deposit`)).body).toMatchObject({
      amount: 29_800, collected: 29_800, status: 'forfeited', volume: 59_999_999, deadline: addDays(day0, 180).toISOString(),
    });
    expect(await accountBalance(t.ctx.db, accounts.depositForfeitRevenue().code)).toBe(forfeitsBefore - 29_800);
    expect(await templatesSent(merchant.id)).toContain('deposit_forfeited');
    expect(await accountBalance(t.ctx.db, accounts.merchantDepositHeld(merchant.id).code)).toBe(0);
    expect((await verifyLedger(t.ctx.db)).ok).toBe(true);
  });
});

describe('deposit status, replacement and scope', () => {
  it('answers none for models without a deposit and terminals not yet active', async () => {
    t.ctx.clock.set(day(300));
    const merchant = await insertMerchant(t.ctx);
    const free = await insertDeviceModel(t.ctx, { kind: 'mobile', depositFen: null, thresholdFen: null, windowDays: null });
    const mobile = await insertTerminal(t.ctx, { modelCode: free, merchantId: merchant.id, status: 'active' });
    const delivered = await insertTerminal(t.ctx, { modelCode: traditional, merchantId: merchant.id, status: 'delivered' });
    expect((await t.request('GET', `/v1/terminals/${mobile.sn}/deposit`)).body)
      .toMatchObject({ amount: 0, collected: 0, status: 'none', volume: 0, threshold: null, deadline: null });
    expect((await t.request('GET', `/v1/terminals/${delivered.sn}/deposit`)).body)
      .toMatchObject({ amount: 29_800, collected: 0, status: 'none', volume: 0, threshold: 60_000_000, deadline: null });
    const missing = await t.request('GET', '/v1/terminals/NOPE/deposit');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('terminal_not_found');
  });

  it('keeps the deposit with the merchant when a terminal is replaced, counting volume across both', async () => {
    t.ctx.clock.set(day(400));
    const merchant = await insertMerchant(t.ctx);
    const old = await activeTerminal(merchant.id, day(400));
    await sale(t.ctx, { merchantId: merchant.id, terminalId: old.id, amountFen: 10_000_000, feeFen: 60_000, at: day(400, 11) });
    await settle(400);
    t.ctx.clock.set(day(410));
    // The real replace endpoint (换机); the new device then activates (the fixture stands in for it).
    const replacement = await insertTerminal(t.ctx, { modelCode: traditional });
    const swapped = await t.request('POST', `/v1/terminals/${old.sn}/replace`, { body: { newSn: replacement.sn, reason: 'broken' } });
    expect(swapped.status).toBe(200);
    expect((await t.request('GET', `/v1/terminals/${replacement.sn}/deposit`)).body)
      .toMatchObject({ status: 'held', collected: 29_800, volume: 10_000_000, sn: replacement.sn });
    await t.ctx.db.updateTable('terminals').set({ status: 'active', activated_at: day(410) }).where('id', '=', replacement.id).execute();
    await sale(t.ctx, { merchantId: merchant.id, terminalId: replacement.id, amountFen: 5_000_000, feeFen: 30_000, at: day(410, 11) });
    const view = await t.request('GET', `/v1/terminals/${replacement.sn}/deposit`);
    expect(view.body).toMatchObject({
      status: 'held', collected: 29_800, volume: 15_000_000, deadline: addDays(day(400), 180).toISOString(),
    });
    const list = await t.request('GET', `/v1/merchants/${merchant.id}/deposits`);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).toMatchObject({ sn: replacement.sn, status: 'held', id: view.body.id });
    // The replacement never gets a deposit of its own, however often deposits are swept.
    await sweepDeposits(t.ctx);
    expect(await t.ctx.db.selectFrom('deposits').select('id').where('merchant_id', '=', merchant.id).execute()).toHaveLength(1);
  });

  it('gives a replacement its own model’s deposit when the old terminal’s model had none', async () => {
    t.ctx.clock.set(day(420));
    const merchant = await insertMerchant(t.ctx);
    const free = await insertDeviceModel(t.ctx, { kind: 'mobile', depositFen: null, thresholdFen: null, windowDays: null });
    const old = await activeTerminal(merchant.id, day(420), free);
    expect((await t.request('GET', `/v1/terminals/${old.sn}/deposit`)).body.status).toBe('none');
    t.ctx.clock.set(day(425));
    const replacement = await activeTerminal(merchant.id, day(425));
    await t.ctx.db.updateTable('terminals').set({ status: 'retired', replaced_by: replacement.sn }).where('id', '=', old.id).execute();
    await sweepDeposits(t.ctx);
    const view = await t.request('GET', `/v1/terminals/${replacement.sn}/deposit`);
    expect(view.body).toMatchObject({
      amount: 29_800, collected: 0, status: 'pending', volume: 0, threshold: 60_000_000, deadline: addDays(day(425), 180).toISOString(),
    });
    const deposits = await t.ctx.db.selectFrom('deposits').select(['origin_terminal_id', 'terminal_id']).where('merchant_id', '=', merchant.id).execute();
    expect(deposits).toEqual([{ origin_terminal_id: replacement.id, terminal_id: replacement.id }]);
  });

  it('shows the merchant owner its own deposits and 404 for others', async () => {
    t.ctx.clock.set(day(500));
    const mine = await insertMerchant(t.ctx);
    const other = await insertMerchant(t.ctx);
    const myTerminal = await insertTerminal(t.ctx, { modelCode: traditional, merchantId: mine.id, status: 'active' });
    const otherTerminal = await insertTerminal(t.ctx, { modelCode: traditional, merchantId: other.id, status: 'active' });
    const owner = (await createApiKey(t.ctx, { name: 'owner', role: 'merchant_owner', merchantId: mine.id })).key;
    expect((await t.request('GET', `/v1/terminals/${myTerminal.sn}/deposit`, { key: owner })).body.status).toBe('pending');
    expect((await t.request('GET', `/v1/terminals/${otherTerminal.sn}/deposit`, { key: owner })).status).toBe(404);
    const list = await t.request('GET', `/v1/merchants/${mine.id}/deposits`, { key: owner });
    expect(list.body.data.map((d: { sn: string }) => d.sn)).toEqual([myTerminal.sn]);
    expect((await t.request('GET', `/v1/merchants/${other.id}/deposits`, { key: owner })).status).toBe(404);
  });
});
