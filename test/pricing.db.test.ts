// Proves pricing over HTTP on a real database: the seeded default plan quotes the SPEC examples,
// rate rules lower the rate (lowest wins, recorded, capped by the plan), plans are assignable,
// writes are audited, and merchant keys see only their own quotes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/platform/api-keys.js';
import { pricingModule } from '../src/modules/pricing/pricing.module.js';
import { quoteFee } from '../src/modules/pricing/pricing.service.js';
import { insertMerchant } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';

let t: TestApp;
let merchantId: string;
let otherMerchantId: string;

beforeAll(async () => {
  t = await createTestApp();
  await t.setNow('2026-05-01T04:00:00Z');
  merchantId = (await insertMerchant(t.ctx, { mcc: '5812', province: '北京市', cityCode: '110100', riskLevel: 'low' })).id;
  otherMerchantId = (await insertMerchant(t.ctx, { mcc: '7011', province: '上海市', cityCode: '310100', riskLevel: 'medium' })).id;
});
afterAll(async () => { await t.close(); });

const quote = (body: unknown, key?: string) => t.request('POST', '/v1/fees/quote', { body, ...(key ? { key } : {}) });

describe('default plan', () => {
  it.each([
    ['credit_card', 6000, 6000, null],
    ['debit_card', 2500, 5000, 2500],
    ['wechat_qr', 3800, 3800, null],
    ['alipay_qr', 3800, 3800, null],
    ['unionpay_qr', 6000, 6000, null],
  ])('%s ¥10,000 → %i fen', async (method, fee, rate, cap) => {
    const res = await quote({ merchantId, method, amount: 1_000_000 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ fee, rate, cap, rule: { kind: 'plan', id: 'pln_default0000000000000' } });
  });

  it('seeding again is idempotent', async () => {
    await pricingModule.seed!(t.ctx);
    await pricingModule.seed!(t.ctx);
    const plans = await t.request('GET', '/v1/pricing/plans');
    expect(plans.body.data.filter((p: { isDefault: boolean }) => p.isDefault)).toHaveLength(1);
    expect(plans.body.data[0].rates.debit_card).toEqual({ rate: 5000, cap: 2500 });
  });

  it('refuses an unknown method, a negative amount and an unknown merchant', async () => {
    expect((await quote({ merchantId, method: 'cash', amount: 1 })).status).toBe(400);
    expect((await quote({ merchantId, method: 'credit_card', amount: -1 })).status).toBe(400);
    const missing = await quote({ merchantId: 'mch_nope', method: 'credit_card', amount: 1 });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('merchant_not_found');
  });
});

describe('rate rules', () => {
  it('an industry rate lowers the rate for that MCC only and is recorded', async () => {
    const created = await t.request('POST', '/v1/pricing/rules', { body: { kind: 'industry', name: '餐饮优惠', mcc: '5812', rate: 5000, method: 'credit_card' } });
    expect(created.status).toBe(201);
    const res = await quote({ merchantId, method: 'credit_card', amount: 1_000_000 });
    expect(res.body).toMatchObject({ fee: 5000, rate: 5000, rule: { kind: 'industry', id: created.body.id } });
    const other = await quote({ merchantId: otherMerchantId, method: 'credit_card', amount: 1_000_000 });
    expect(other.body.rule.kind).toBe('plan');
    const audit = await t.ctx.db.selectFrom('audit_log').select('action').where('subject_id', '=', created.body.id).execute();
    expect(audit.map((a) => a.action)).toEqual(['pricing.rule_created']);
  });

  it('the lowest applicable rate wins: region, merchant, promotion', async () => {
    const region = await t.request('POST', '/v1/pricing/rules', { body: { kind: 'region', name: '北京', cityCode: '110100', rate: 4800 } });
    expect((await quote({ merchantId, method: 'credit_card', amount: 1_000_000 })).body.rule).toEqual({ kind: 'region', id: region.body.id });
    const byMerchant = await t.request('POST', '/v1/pricing/rules', { body: { kind: 'merchant', name: 'VIP', merchantId, rate: 4500 } });
    expect((await quote({ merchantId, method: 'credit_card', amount: 1_000_000 })).body).toMatchObject({ fee: 4500, rule: { kind: 'merchant', id: byMerchant.body.id } });
    const promo = await t.request('POST', '/v1/pricing/rules', {
      body: { kind: 'promotion', name: '五一活动', rate: 2000, startsOn: '2026-05-01', endsOn: '2026-05-05', merchantIds: [merchantId] },
    });
    expect((await quote({ merchantId, method: 'credit_card', amount: 1_000_000 })).body).toMatchObject({ fee: 2000, rate: 2000, rule: { kind: 'promotion', id: promo.body.id } });
    expect((await quote({ merchantId: otherMerchantId, method: 'credit_card', amount: 1_000_000 })).body.rule.kind).toBe('plan');
    // The plan's debit cap applies whichever rule gives the rate.
    expect((await quote({ merchantId, method: 'debit_card', amount: 100_000_000 })).body).toMatchObject({ fee: 2500, rate: 2000, cap: 2500 });
    // Outside the window the promotion is gone.
    await t.setNow('2026-05-06T04:00:00Z');
    expect((await quote({ merchantId, method: 'credit_card', amount: 1_000_000 })).body.rule.kind).toBe('merchant');
    // Deactivating a rule removes it from quotes.
    expect((await t.request('DELETE', `/v1/pricing/rules/${byMerchant.body.id}`)).body.active).toBe(false);
    expect((await quote({ merchantId, method: 'credit_card', amount: 1_000_000 })).body.rule.kind).toBe('region');
    await t.request('DELETE', `/v1/pricing/rules/${region.body.id}`);
    await t.setNow('2026-05-01T04:00:00Z');
  });

  it('refuses rules without a target', async () => {
    const res = await t.request('POST', '/v1/pricing/rules', { body: { kind: 'promotion', name: 'x', rate: 1000, startsOn: '2026-05-02', endsOn: '2026-05-01' } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields).toEqual([{ field: 'endsOn', rule: 'order', message: 'the window ends before it starts' }]);
    expect((await t.request('POST', '/v1/pricing/rules', { body: { kind: 'industry', name: 'x', rate: 1000 } })).status).toBe(400);
    expect((await t.request('PATCH', '/v1/pricing/rules/rat_nope', { body: { rate: 1 } })).body.error.code).toBe('pricing_rule_not_found');
  });
});

describe('plans', () => {
  it('a plan assigned to a merchant prices its transactions; null returns it to the default', async () => {
    const plan = await t.request('POST', '/v1/pricing/plans', {
      body: { name: '大商户', rates: { credit_card: { rate: 5500 }, debit_card: { rate: 4500, cap: 2000 } } },
    });
    expect(plan.status).toBe(201);
    expect(plan.body.rates.debit_card).toEqual({ rate: 4500, cap: 2000 });
    const assigned = await t.request('PUT', `/v1/pricing/merchants/${otherMerchantId}/plan`, { body: { planId: plan.body.id } });
    expect(assigned.status).toBe(200);
    expect((await quote({ merchantId: otherMerchantId, method: 'debit_card', amount: 1_000_000 })).body)
      .toMatchObject({ fee: 2000, rate: 4500, cap: 2000, rule: { kind: 'plan', id: plan.body.id } });
    // A method the plan leaves out is priced at the default terms.
    expect((await quote({ merchantId: otherMerchantId, method: 'wechat_qr', amount: 1_000_000 })).body.fee).toBe(3800);
    const direct = await quoteFee(t.ctx.db, { merchantId: otherMerchantId, method: 'credit_card', amountFen: 1_000_000, at: t.ctx.clock.now() });
    expect(direct).toEqual({ feeFen: 5500, ratePpm: 5500, capFen: null, rule: { kind: 'plan', id: plan.body.id } });
    await t.request('PUT', `/v1/pricing/merchants/${otherMerchantId}/plan`, { body: { planId: null } });
    expect((await quote({ merchantId: otherMerchantId, method: 'credit_card', amount: 1_000_000 })).body.fee).toBe(6000);
    expect((await t.request('PUT', `/v1/pricing/merchants/${otherMerchantId}/plan`, { body: { planId: 'pln_nope' } })).body.error.code).toBe('pricing_plan_not_found');
  });
});

describe('access', () => {
  it('merchant keys quote for their own merchant only and cannot change pricing', async () => {
    const own = (await createApiKey(t.ctx, { name: 'o', role: 'merchant_owner', merchantId })).key;
    expect((await quote({ merchantId, method: 'wechat_qr', amount: 100 }, own)).status).toBe(200);
    expect((await quote({ merchantId: otherMerchantId, method: 'wechat_qr', amount: 100 }, own)).status).toBe(404);
    expect((await t.request('POST', '/v1/pricing/rules', { key: own, body: {} })).status).toBe(403);
  });
});
