// Proves the audit log viewer's API: operators with oversight (ops_admin, ops_risk) page through the
// log newest first with filters (action or action prefix, subject, actor, merchant, time window),
// other roles are refused, and no secret or personal number leaves in the details.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/platform/api-keys.js';
import { insertMerchant } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';

let t: TestApp;
let merchantId: string;
let riskKey: string;
let riskKeyId: string;

interface Entry { id: string; seq: number; at: string; action: string; actor: { kind: string; id: string | null; role: string | null }; subjectType: string | null; subjectId: string | null; merchantId: string | null; details: Record<string, unknown> }

async function list(query: string, key?: string): Promise<{ status: number; body: { data: Entry[]; hasMore: boolean; nextCursor: string | null; error?: { code: string; details: { fields: { field: string }[] } } } }> {
  return t.request('GET', `/v1/audit${query}`, key === undefined ? {} : { key });
}

beforeAll(async () => {
  t = await createTestApp();
  t.ctx.clock.set(new Date('2031-05-01T02:00:00Z'));
  merchantId = (await insertMerchant(t.ctx, { phone: '13700001111' })).id;
  const risk = await createApiKey(t.ctx, { name: 'risk', role: 'ops_risk' });
  riskKey = risk.key;
  riskKeyId = risk.id;
  // Three audited actions by the admin key, one by the risk key, one written with careless details.
  for (const name of ['甲店', '乙店', '丙店']) {
    expect((await t.request('POST', '/v1/merchants', { body: { type: 'individual', legalName: name } })).status).toBe(201);
  }
  t.ctx.clock.set(new Date('2031-05-02T02:00:00Z'));
  expect((await t.request('PUT', `/v1/pricing/merchants/${merchantId}/plan`, { body: { planId: null } })).status).toBe(200);
  expect((await t.request('POST', '/v1/merchant-blacklist', { key: riskKey, body: { kind: 'phone', value: '13700002222', reason: 'fraud ring' } })).status).toBe(201);
  await t.ctx.db.transaction().execute((trx) => t.ctx.audit(trx, { kind: 'system', id: null, role: null, merchantId: null }, {
    action: 'test.careless', subjectType: 'merchant', subjectId: merchantId, merchantId,
    details: { idNumber: '110105199003071239', password: 'Secret-Phrase-2031', phone: '13700001111', account: { number: '6222021000000000017' }, mid: '898110054110001' },
  }));
});
afterAll(async () => { await t.close(); });

describe('GET /v1/audit', () => {
  it('lists newest first in the list shape, with actor and subject', async () => {
    const res = await list('?limit=2');
    expect(res.status).toBe(200);
    expect(res.body.data.map((e) => e.action)).toEqual(['test.careless', 'merchant.blacklist_added']);
    expect(res.body.hasMore).toBe(true);
    expect(res.body.data[1]).toMatchObject({ actor: { kind: 'api_key', id: riskKeyId, role: 'ops_risk' }, subjectType: 'blacklist' });
    expect(res.body.data[0]!.seq).toBeGreaterThan(res.body.data[1]!.seq);
    const next = await list(`?limit=2&cursor=${res.body.nextCursor}`);
    expect(next.body.data.map((e) => e.action)).toEqual(['pricing.plan_assigned', 'merchant.created']);
  });

  it('never shows secrets or personal numbers in clear', async () => {
    const [entry] = (await list('?action=test.careless')).body.data;
    expect(entry!.details).toEqual({
      idNumber: '[redacted]', password: '[redacted]', phone: '137****1111', account: { number: '6222***********0017' }, mid: '898110054110001',
    });
    const blacklisted = (await list('?action=merchant.blacklist_added')).body.data[0]!;
    expect(JSON.stringify(blacklisted.details)).not.toContain('13700002222');
  });

  it('filters by action, action prefix, subject, actor, merchant and time window', async () => {
    expect((await list('?action=merchant.created')).body.data).toHaveLength(3);
    expect((await list('?action=merchant.')).body.data.map((e) => e.action)).toEqual(['merchant.blacklist_added', 'merchant.created', 'merchant.created', 'merchant.created']);
    expect((await list('?action=merchant')).body.data).toEqual([]);
    expect((await list(`?subjectType=merchant&subjectId=${merchantId}`)).body.data.map((e) => e.action)).toEqual(['test.careless', 'pricing.plan_assigned']);
    expect((await list(`?actorId=${riskKeyId}`)).body.data.map((e) => e.action)).toEqual(['merchant.blacklist_added']);
    expect((await list(`?merchantId=${merchantId}`)).body.data).toHaveLength(2);
    const day1 = await list('?from=2031-05-01T00:00:00Z&to=2031-05-02T00:00:00Z');
    // Newest first: the three merchants, then the ops_risk API key created before them (audited too).
    expect(day1.body.data.map((e) => e.action)).toEqual(['merchant.created', 'merchant.created', 'merchant.created', 'api_key.created']);
    expect((await list('?from=2031-05-02T00:00:00Z')).body.data).toHaveLength(3);
    expect((await list('?from=2031-06-01T00:00:00Z')).body.data).toEqual([]);
  });

  it('refuses bad windows and cursors with field errors', async () => {
    const backwards = await list('?from=2031-05-02T00:00:00Z&to=2031-05-01T00:00:00Z');
    expect(backwards.status).toBe(400);
    expect(backwards.body.error!.details.fields[0]!.field).toBe('to');
    const notTime = await list('?from=yesterday');
    expect(notTime.status).toBe(400);
    expect((await list('?cursor=nonsense')).body.error!.code).toBe('validation_failed');
  });

  it('is for ops_admin and ops_risk only', async () => {
    expect((await list('', riskKey)).status).toBe(200);
    const agent = (await createApiKey(t.ctx, { name: 'agent', role: 'ops_agent' })).key;
    const owner = (await createApiKey(t.ctx, { name: 'owner', role: 'merchant_owner', merchantId })).key;
    expect((await list('', agent)).body.error!.code).toBe('forbidden');
    expect((await list('', owner)).status).toBe(403);
    expect((await t.request('GET', '/v1/audit', { key: null })).status).toBe(401);
  });
});
