// Proves risk rules against the database: audited, versioned configuration with 400 for bad
// thresholds; inline decline rules; asynchronous evaluation of the transaction stream and of
// heartbeats with evidence and de-duplicated hits; review; the merchant risk level.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../src/platform/ids.js';
import { shanghaiDate } from '../src/platform/clock.js';
import { evaluateHeartbeats, evaluateInline, evaluateTransactionStream } from '../src/modules/risk/risk.service.js';
import { insertDeviceModel, insertMerchant, insertTerminal } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';
import { terminalRequest } from './terminal-client.js';

let t: TestApp;
let merchant: { id: string };
let terminal: { id: string; sn: string; terminalKey: Buffer | null };

async function insertSale(amountFen: number, at: Date, status: 'approved' | 'declined' = 'approved'): Promise<string> {
  const id = newId('txn');
  await t.ctx.db.insertInto('transactions').values({
    id, merchant_id: merchant.id, terminal_id: terminal.id, kind: 'sale', original_id: null, status, decline_code: status === 'declined' ? 'insufficient_funds' : null,
    method: 'credit_card', amount_fen: amountFen, fee_fen: 0, net_fen: amountFen, rate_ppm: null, cap_fen: null, fee_rule_kind: null, fee_rule_id: null,
    card_bin: null, card_last4: null, operator_no: null, training: false, refunded_fen: 0, voided_at: null, occurred_at: at,
    business_date: shanghaiDate(at), settled_date: null, created_at: at,
  }).execute();
  return id;
}

beforeAll(async () => {
  t = await createTestApp();
  merchant = await insertMerchant(t.ctx, { mcc: '5411', cityCode: '110100' });
  const model = await insertDeviceModel(t.ctx);
  terminal = await insertTerminal(t.ctx, { modelCode: model, merchantId: merchant.id, status: 'active' });
});
afterAll(async () => { await t.close(); });

describe('risk rules', () => {
  it('refuses nonsensical thresholds with 400', async () => {
    const res = await t.request('POST', '/v1/risk/rules', { body: { kind: 'velocity', name: 'bad', action: 'flag', params: { windowMinutes: 0, maxCount: -2 } } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['params.windowMinutes', 'params.maxCount']);
  });

  it('versions every change and keeps the history', async () => {
    const created = await t.request('POST', '/v1/risk/rules', { body: { kind: 'declines_burst', name: 'Card testing', action: 'flag', params: { count: 3, windowMinutes: 10 } } });
    expect(created.status).toBe(201);
    const changed = await t.request('PATCH', `/v1/risk/rules/${created.body.id}`, { body: { params: { count: 4, windowMinutes: 10 } } });
    expect(changed.body.version).toBe(2);
    const history = await t.request('GET', `/v1/risk/rules/${created.body.id}/history`);
    expect(history.body.data.map((v: { version: number; params: { count: number } }) => [v.version, v.params.count])).toEqual([[1, 3], [2, 4]]);
    const audit = await t.ctx.db.selectFrom('audit_log').select('action').where('subject_id', '=', created.body.id).execute();
    expect(audit.map((a) => a.action)).toEqual(['risk_rule.created', 'risk_rule.changed']);
  });

  it('declines inline with a decline rule at the threshold, not below', async () => {
    await t.request('POST', '/v1/risk/rules', { body: { kind: 'large_after_activation', name: 'Large early', action: 'decline', params: { amountFen: 1_000_000, days: 30 } } });
    const now = t.ctx.clock.now();
    const below = await t.ctx.db.transaction().execute((trx) => evaluateInline(t.ctx, trx, { txnId: newId('txn'), terminalId: terminal.id, merchantId: merchant.id, amountFen: 999_999, at: now, activatedAt: now, mcc: '5411' }));
    expect(below).toBeNull();
    const txnId = newId('txn');
    const hit = await t.ctx.db.transaction().execute((trx) => evaluateInline(t.ctx, trx, { txnId, terminalId: terminal.id, merchantId: merchant.id, amountFen: 1_000_000, at: now, activatedAt: now, mcc: '5411' }));
    expect(hit).toMatchObject({ declineCode: 'risk_declined', ruleKind: 'large_after_activation' });
    const stored = await t.request('GET', '/v1/risk/hits?kind=large_after_activation');
    expect(stored.body.data[0].evidence.transactionIds).toEqual([txnId]);
    expect(stored.body.data[0].ruleVersion).toBe(1);
  });

  it('declines a signed sale on the transaction path with risk_declined and its help article', async () => {
    const sale = await terminalRequest(t, { sn: terminal.sn, key: terminal.terminalKey! }, 'POST', '/terminal/v1/transactions',
      { idempotencyKey: 'risk-inline-1', method: 'wechat_qr', amount: 1_000_000 });
    expect(sale.status).toBe(201);
    expect(sale.body).toMatchObject({ status: 'declined', declineCode: 'risk_declined', helpSlug: 'decline-risk-declined' });
    const small = await terminalRequest(t, { sn: terminal.sn, key: terminal.terminalKey! }, 'POST', '/terminal/v1/transactions',
      { idempotencyKey: 'risk-inline-2', method: 'wechat_qr', amount: 999_999 });
    expect(small.body.status).toBe('approved');
    const hits = await t.request('GET', '/v1/risk/hits?kind=large_after_activation');
    expect(hits.body.data.map((h: { evidence: { transactionIds: string[] } }) => h.evidence.transactionIds[0])).toContain(sale.body.id);
  });

  it('evaluates the transaction stream asynchronously, once per transaction and window', async () => {
    const base = new Date('2030-05-01T03:00:00Z');
    for (let i = 0; i < 4; i++) await insertSale(100, new Date(base.getTime() + i * 60_000), 'declined');
    expect(await evaluateTransactionStream(t.ctx)).toBe(6); // the four declines and the two signed sales above
    expect(await evaluateTransactionStream(t.ctx)).toBe(0);
    const hits = await t.request('GET', '/v1/risk/hits?kind=declines_burst');
    expect(hits.body.data).toHaveLength(1);
    expect(hits.body.data[0].evidence.count).toBe(4);
    // Round amounts: four of the default five is below the threshold.
    for (let i = 0; i < 4; i++) await insertSale(100_000, new Date(base.getTime() + (10 + i) * 60_000));
    await evaluateTransactionStream(t.ctx);
    expect((await t.request('GET', '/v1/risk/hits?kind=round_amounts')).body.data).toHaveLength(0);
  });

  it('records a heartbeat outside the registered city and lets operators review it', async () => {
    await t.request('POST', '/v1/risk/rules', { body: { kind: 'location_mismatch', name: 'Relocation', action: 'flag', params: {} } });
    await t.ctx.db.updateTable('terminals').set({ last_city_code: '310100', last_seen_at: t.ctx.clock.now() }).where('id', '=', terminal.id).execute();
    expect(await evaluateHeartbeats(t.ctx)).toBe(1);
    expect(await evaluateHeartbeats(t.ctx)).toBe(0);
    const hit = (await t.request('GET', `/v1/risk/hits?kind=location_mismatch&terminalSn=${terminal.sn}`)).body.data[0];
    expect(hit.evidence.registeredCityCode).toBe('110100');
    const reviewed = await t.request('POST', `/v1/risk/hits/${hit.id}/review`, { body: { decision: 'dismiss', note: 'trade fair' } });
    expect(reviewed.body.status).toBe('dismissed');
    expect((await t.request('POST', `/v1/risk/hits/${hit.id}/review`, { body: { decision: 'approve' } })).status).toBe(409);
  });

  it('locks the terminal with a risk_control case and the merchant sees the reason', async () => {
    const rule = await t.request('POST', '/v1/risk/rules', { body: { kind: 'velocity', name: 'Burst', action: 'open_risk_case', params: { windowMinutes: 10, maxCount: 2 } } });
    expect(rule.status).toBe(201);
    const base = new Date('2030-05-02T03:00:00Z');
    for (let i = 0; i < 3; i++) await insertSale(1000, new Date(base.getTime() + i * 60_000));
    await evaluateTransactionStream(t.ctx);
    const hit = (await t.request('GET', '/v1/risk/hits?kind=velocity')).body.data[0];
    expect(hit.status).toBe('actioned');
    expect(hit.caseId).toMatch(/^rea_/);
    const view = await t.request('GET', `/v1/terminals/${terminal.sn}`);
    expect(view.body.status).toBe('reactivation_required');
    expect(view.body.reactivation).toMatchObject({ caseId: hit.caseId, reason: 'risk_control', policy: 'blocking' });
    const sale = await terminalRequest(t, { sn: terminal.sn, key: terminal.terminalKey! }, 'POST', '/terminal/v1/transactions',
      { idempotencyKey: 'risk-blocked-1', method: 'wechat_qr', amount: 100 });
    expect(sale.body).toMatchObject({ status: 'declined', declineCode: 'risk_control', helpSlug: 'reactivation-risk-control' });
  });

  it('derives the merchant risk level from KYC and hits', async () => {
    const level = await t.request('GET', `/v1/merchants/${merchant.id}/risk`);
    // Two early large sales, a declines burst and an actioned velocity hit; the dismissed one does not count.
    expect(level.body).toMatchObject({ kycLevel: 'low', recentHits: 4, confirmedHits: 1, level: 'high' });
  });
});
