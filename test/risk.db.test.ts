// Proves risk rules against the database: audited, versioned configuration with 400 for bad
// thresholds; inline decline rules; asynchronous evaluation of the transaction stream and of
// heartbeats with evidence and de-duplicated hits; review; the merchant risk level.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../src/platform/ids.js';
import { shanghaiDate } from '../src/platform/clock.js';
import { enqueueRiskEvaluation, evaluateHeartbeats, evaluateInline, evaluateTransactionStream } from '../src/modules/risk/risk.service.js';
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
    business_date: shanghaiDate(at), created_at: at,
  }).execute();
  // What the sale path does in the sale's transaction (transaction.service → risk).
  await enqueueRiskEvaluation(t.ctx.db, { id, merchant_id: merchant.id, terminal_id: terminal.id, created_at: at });
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

describe('commit-safe evaluation, full scans, derived level, hit lists', () => {
  let shop: { id: string };
  let pos: { id: string; sn: string; terminalKey: Buffer | null };

  beforeAll(async () => {
    shop = await insertMerchant(t.ctx, { mcc: '5999', cityCode: '110100', riskLevel: 'low' });
    pos = await insertTerminal(t.ctx, { modelCode: await insertDeviceModel(t.ctx), merchantId: shop.id, status: 'active' });
  });

  async function saleAt(at: Date, amountFen = 100): Promise<string> {
    const id = newId('txn');
    await t.ctx.db.transaction().execute(async (trx) => {
      await trx.insertInto('transactions').values({
        id, merchant_id: shop.id, terminal_id: pos.id, kind: 'sale', original_id: null, status: 'approved', decline_code: null,
        method: 'wechat_qr', amount_fen: amountFen, fee_fen: 0, net_fen: amountFen, rate_ppm: null, cap_fen: null, fee_rule_kind: null,
        fee_rule_id: null, card_bin: null, card_last4: null, operator_no: null, training: false, refunded_fen: 0, voided_at: null,
        occurred_at: at, business_date: shanghaiDate(at), created_at: at,
      }).execute();
      await enqueueRiskEvaluation(trx, { id, merchant_id: shop.id, terminal_id: pos.id, created_at: at });
    });
    return id;
  }

  it('evaluates a sale stamped earlier than sales already evaluated (late commit, clock moved back)', async () => {
    const rule = await t.request('POST', '/v1/risk/rules', { body: { kind: 'night_activity', name: 'Night 5999', action: 'flag',
      params: { startMinute: 0, endMinute: 300, mccs: ['5999'] } } });
    expect(rule.status).toBe(201);
    await saleAt(new Date('2030-07-01T04:00:00Z')); // 12:00 in Shanghai
    await evaluateTransactionStream(t.ctx);
    const late = await saleAt(new Date('2030-06-30T18:00:00Z')); // 02:00 in Shanghai, stamped before the one evaluated
    expect(await evaluateTransactionStream(t.ctx)).toBe(1);
    const hits = await t.request('GET', `/v1/risk/hits?ruleId=${rule.body.id}`);
    expect(hits.body.data.map((h: { evidence: { transactionIds: string[] } }) => h.evidence.transactionIds)).toEqual([[late]]);
    await t.request('PATCH', `/v1/risk/rules/${rule.body.id}`, { body: { enabled: false } });
  });

  it('shares the queue between concurrent passes: each sale evaluated once', async () => {
    for (let i = 0; i < 6; i++) await saleAt(new Date(Date.parse('2030-07-02T04:00:00Z') + i * 1000));
    const counts = await Promise.all([evaluateTransactionStream(t.ctx, 4), evaluateTransactionStream(t.ctx, 4)]);
    expect(counts[0] + counts[1]).toBe(6);
    expect(await evaluateTransactionStream(t.ctx)).toBe(0);
  });

  it('visits every away terminal, however many, with a cursor that wraps around', async () => {
    const model = await insertDeviceModel(t.ctx);
    const away = [];
    for (let i = 0; i < 3; i++) away.push(await insertTerminal(t.ctx, { modelCode: model, merchantId: shop.id, status: 'active' }));
    await t.ctx.db.updateTable('terminals').set({ last_city_code: '440100', last_seen_at: t.ctx.clock.now() })
      .where('id', 'in', away.map((a) => a.id)).execute();
    // Four terminals are away now (the first one of this file too); two per pass.
    const first = await evaluateHeartbeats(t.ctx, 2);
    const second = await evaluateHeartbeats(t.ctx, 2);
    expect(first + second).toBe(3);
    expect(await evaluateHeartbeats(t.ctx, 2)).toBe(0);
    for (const a of away) {
      expect((await t.request('GET', `/v1/risk/hits?kind=location_mismatch&terminalSn=${a.sn}`)).body.data).toHaveLength(1);
    }
  });

  it('refuses a declines burst that would decline inline', async () => {
    const res = await t.request('POST', '/v1/risk/rules', { body: { kind: 'declines_burst', name: 'x', action: 'decline', params: { count: 3, windowMinutes: 10 } } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields).toEqual([expect.objectContaining({ field: 'action', rule: 'inline_only' })]);
  });

  it('pages hits with a truthful cursor and filters them by time', async () => {
    const all = (await t.request('GET', '/v1/risk/hits?limit=100')).body.data as { id: string; createdAt: string }[];
    expect(all.length).toBeGreaterThan(4);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const res: { status: number; body: any } = await t.request('GET', `/v1/risk/hits?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((h: { id: string }) => h.id));
      expect(res.body.hasMore).toBe(seen.length < all.length);
      cursor = res.body.nextCursor;
      if (!res.body.hasMore) { expect(cursor).toBeNull(); break; }
    }
    expect(seen).toEqual(all.map((h) => h.id));
    const newest = all[0]!.createdAt;
    const from = await t.request('GET', `/v1/risk/hits?limit=100&from=${encodeURIComponent(newest)}`);
    expect(from.body.data.every((h: { createdAt: string }) => h.createdAt >= newest)).toBe(true);
    expect(from.body.data.length).toBeGreaterThan(0);
    const to = await t.request('GET', `/v1/risk/hits?limit=100&to=${encodeURIComponent(newest)}`);
    expect(to.body.data.length + from.body.data.length).toBe(all.length);
    expect((await t.request('GET', '/v1/risk/hits?from=2000-01-01&to=2000-01-01')).body.data).toEqual([]);
    expect((await t.request('GET', '/v1/risk/hits?from=yesterday')).status).toBe(400);
    expect((await t.request('GET', '/v1/risk/hits?limit=0')).status).toBe(400);
    expect((await t.request('GET', '/v1/risk/hits?limit=101')).status).toBe(400);
  });

  it('selects a KYC-low merchant with an open severe hit for a campaign filtering on high risk', async () => {
    const owner = await insertMerchant(t.ctx, { mcc: '5998', cityCode: '110100', riskLevel: 'low' });
    const device = await insertTerminal(t.ctx, { modelCode: await insertDeviceModel(t.ctx), merchantId: owner.id, status: 'active' });
    const filter = (riskLevels: string[]) => t.request('POST', '/v1/reactivation-campaigns/dry-run', { body: { filter: { mccs: ['5998'], riskLevels } } });
    expect((await filter(['low'])).body.count).toBe(1);
    expect((await filter(['high'])).body.count).toBe(0);
    // The decline rule of this file (¥10,000 within 30 days of activation) declines and records an open hit.
    const sale = await terminalRequest(t, { sn: device.sn, key: device.terminalKey! }, 'POST', '/terminal/v1/transactions',
      { idempotencyKey: 'risk-level-1', method: 'wechat_qr', amount: 1_000_000 });
    expect(sale.body.declineCode).toBe('risk_declined');
    expect((await t.request('GET', `/v1/risk/hits?merchantId=${owner.id}`)).body.data.map((h: { status: string }) => h.status)).toEqual(['open']);
    const high = await filter(['high']);
    expect(high.body.count).toBe(1);
    expect(high.body.sample.map((s: { sn: string }) => s.sn)).toEqual([device.sn]);
    expect((await filter(['low'])).body.count).toBe(0);
    expect((await t.request('GET', `/v1/merchants/${owner.id}/risk`)).body).toMatchObject({ kycLevel: 'low', severeHits: 1, level: 'high' });
    // Dismissing the hit brings the derived level back to the KYC level.
    const hit = (await t.request('GET', `/v1/risk/hits?merchantId=${owner.id}`)).body.data[0];
    expect((await t.request('POST', `/v1/risk/hits/${hit.id}/review`, { body: { decision: 'dismiss' } })).status).toBe(200);
    expect((await filter(['low'])).body.count).toBe(1);
    expect((await filter(['high'])).body.count).toBe(0);
  });
});
