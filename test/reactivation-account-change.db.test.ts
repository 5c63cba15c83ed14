// Proves the account_change trigger end to end: changing an approved merchant's settlement
// account opens a blocking re-activation case on each of its active terminals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertDeviceModel, insertMerchant, insertTerminal } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

describe('settlement account change', () => {
  it("blocks the merchant's active terminals with an account_change case", async () => {
    const merchant = await insertMerchant(t.ctx);
    const model = await insertDeviceModel(t.ctx);
    const a = await insertTerminal(t.ctx, { modelCode: model, merchantId: merchant.id, status: 'active' });
    const b = await insertTerminal(t.ctx, { modelCode: model, merchantId: merchant.id, status: 'delivered' });
    const res = await t.request('PUT', `/v1/merchants/${merchant.id}/settlement-account`, {
      body: { bank: '招商银行', number: '6225880137705316', holder: '张三' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const active = await t.request('GET', `/v1/terminals/${a.sn}`);
    expect(active.body.status).toBe('reactivation_required');
    expect(active.body.reactivation).toMatchObject({ reason: 'account_change', policy: 'blocking' });
    expect((await t.request('GET', `/v1/terminals/${b.sn}`)).body.reactivation).toBeNull();
  });
});
