// Proves settlement end to end with real terminal transactions (signed /terminal/v1 sale, void and
// refund): the statement of Appendix B, the deposit deduction, and statement = ledger.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/platform/api-keys.js';
import { accountBalance, accounts, verifyLedger } from '../src/modules/ledger/ledger.service.js';
import { insertDeviceModel, insertMerchant, insertTerminal } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';
import { terminalRequest, type TerminalIdentity } from './terminal-client.js';

let t: TestApp;
let keySeq = 0;
const nextKey = () => `stl-${++keySeq}-${Math.random().toString(36).slice(2)}`;

beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

function sale(pos: TerminalIdentity, method: string, amount: number, card?: { bin: string; last4: string }) {
  return terminalRequest(t, pos, 'POST', '/terminal/v1/transactions', { idempotencyKey: nextKey(), method, amount, ...(card ? { card } : {}) });
}
function reverse(pos: TerminalIdentity, id: string, op: 'void' | 'refund', body: Record<string, unknown> = {}) {
  return terminalRequest(t, pos, 'POST', `/terminal/v1/transactions/${id}/${op}`, { idempotencyKey: nextKey(), supervisorPassword: '246810', ...body });
}

describe('a merchant day from terminal to statement', () => {
  it('settles real sales, voids and refunds into statements that agree with the ledger', async () => {
    await t.setNow('2026-05-01T04:00:00Z'); // 12:00 in Shanghai
    const merchant = await insertMerchant(t.ctx);
    const owner = (await createApiKey(t.ctx, { name: 'owner', role: 'merchant_owner', merchantId: merchant.id })).key;
    const model = await insertDeviceModel(t.ctx, { kind: 'traditional' });
    const inserted = await insertTerminal(t.ctx, { modelCode: model, merchantId: merchant.id, status: 'active' });
    const pos = { sn: inserted.sn, key: inserted.terminalKey! };
    expect((await t.request('PUT', `/v1/terminals/${pos.sn}/supervisor-password`, { key: owner, body: { password: '246810' } })).status).toBe(200);

    const credit = await sale(pos, 'credit_card', 1_000_000, { bin: '622588', last4: '1234' });
    expect(credit.body).toMatchObject({ status: 'approved', fee: 6000 });
    expect((await sale(pos, 'debit_card', 2_000_000)).body).toMatchObject({ status: 'approved', fee: 2500 });
    const qr = await sale(pos, 'wechat_qr', 100_000);
    expect(qr.body).toMatchObject({ status: 'approved', fee: 380 });
    expect((await reverse(pos, qr.body.id, 'void')).status).toBeLessThan(300);

    await t.setNow('2026-05-02T01:00:00Z');
    const run = await t.request('POST', '/v1/settlements/run', { body: { date: '2026-05-01' } });
    expect(run.body).toMatchObject({ merchants: 1, transactions: 4, gross: 3_100_000, alreadySettled: false });
    expect((await t.request('GET', `/v1/merchants/${merchant.id}/settlements?date=2026-05-01`, { key: owner })).body).toEqual([{
      date: '2026-05-01', gross: 3_100_000, fees: 8500, voids: 100_000, refunds: 0, depositDeduction: 29_800, net: 2_961_700,
    }]);

    const refund = await reverse(pos, credit.body.id, 'refund', { amount: 300_000 });
    expect(refund.status, JSON.stringify(refund.body)).toBeLessThan(300);
    expect((await sale(pos, 'credit_card', 500_000, { bin: '622588', last4: '1234' })).body).toMatchObject({ fee: 3000 });
    await t.setNow('2026-05-03T01:00:00Z');
    await t.request('POST', '/v1/settlements/run', { body: { date: '2026-05-02' } });
    const both = await t.request('GET', `/v1/merchants/${merchant.id}/settlements?from=2026-05-01&to=2026-05-02`, { key: owner });
    expect(both.body[1]).toEqual({
      date: '2026-05-02', gross: 500_000, fees: 3000, voids: 0, refunds: 300_000, depositDeduction: 0, net: 197_000,
    });

    // Statement = ledger: every fen the transactions put on the payable is paid out or deducted.
    expect(await accountBalance(t.ctx.db, accounts.merchantPayable(merchant.id).code)).toBe(0);
    expect(await accountBalance(t.ctx.db, accounts.merchantDepositHeld(merchant.id).code)).toBe(-29_800);
    const paid = await t.ctx.db.selectFrom('journal_lines').select('amount_fen')
      .where('account_code', '=', accounts.settlementBank().code).where('merchant_id', '=', merchant.id).execute();
    expect(-paid.reduce((s, l) => s + l.amount_fen, 0)).toBe(2_961_700 + 197_000);
    expect((await verifyLedger(t.ctx.db)).ok).toBe(true);

    const deposit = await t.request('GET', `/v1/terminals/${pos.sn}/deposit`, { key: owner });
    expect(deposit.body).toMatchObject({ amount: 29_800, collected: 29_800, status: 'held', volume: 1_200_000, threshold: 60_000_000 });
  });
});
