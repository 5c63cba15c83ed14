// Proves per-merchant business hours (SPEC §7): GET/PUT /v1/merchants/{id}/business-hours with its
// access and validation; a change reschedules open grace cases, a deadline at 14:00 blocks at the
// merchant's configured quiet start and not before, and the picked effect window follows it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/platform/api-keys.js';
import { sweepBlocking } from '../src/modules/reactivation/reactivation.workers.js';
import { insertDeviceModel, insertMerchant, insertTerminal } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';
import { terminalRequest } from './terminal-client.js';

let t: TestApp;
let modelCode: string;
let merchantId: string;
let keys: Record<'owner' | 'manager' | 'cashier' | 'other' | 'agent', string>;

beforeAll(async () => {
  t = await createTestApp();
  t.ctx.clock.set(new Date('2025-03-10T10:00:00+08:00'));
  modelCode = await insertDeviceModel(t.ctx, { minFirmware: '2.0.0' });
  merchantId = (await insertMerchant(t.ctx)).id;
  const otherId = (await insertMerchant(t.ctx)).id;
  const key = async (role: 'merchant_owner' | 'merchant_manager' | 'merchant_cashier' | 'ops_agent', merchant: string | null) =>
    (await createApiKey(t.ctx, { name: role, role, merchantId: merchant })).key;
  keys = {
    owner: await key('merchant_owner', merchantId), manager: await key('merchant_manager', merchantId),
    cashier: await key('merchant_cashier', merchantId), other: await key('merchant_owner', otherId), agent: await key('ops_agent', null),
  };
});
afterAll(async () => { await t.close(); });

const path = () => `/v1/merchants/${merchantId}/business-hours`;
const put = (body: unknown, key: string = keys.owner) => t.request('PUT', path(), { body, key });

describe('business hours', () => {
  it('answers the default quiet window 22:00–07:00 Asia/Shanghai, to the merchant and operators only', async () => {
    const res = await t.request('GET', path(), { key: keys.manager });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ merchantId, timeZone: 'Asia/Shanghai', quietStart: '22:00', quietEnd: '07:00', businessHours: { start: '07:00', end: '22:00' } });
    expect((await t.request('GET', path(), { key: keys.agent })).status).toBe(200);
    expect((await t.request('GET', path(), { key: keys.cashier })).status).toBe(403);
    expect((await t.request('GET', path(), { key: keys.other })).body.error.code).toBe('merchant_not_found');
    expect((await put({ quietStart: '23:00', quietEnd: '06:00' }, keys.agent)).status).toBe(403);
    expect((await put({ quietStart: '23:00', quietEnd: '06:00' }, keys.cashier)).status).toBe(403);
    expect((await put({ quietStart: '23:00', quietEnd: '06:00' }, keys.other)).status).toBe(404);
    expect((await t.request('PUT', path(), { key: null, body: { quietStart: 'nonsense' } })).status).toBe(401);
  });

  it('refuses nonsense with 400 and changes nothing', async () => {
    for (const body of [{ quietStart: '25:00', quietEnd: '07:00' }, { quietStart: '22:00', quietEnd: '7:00' }, { quietStart: '22:00' },
      { quietStart: '22:00', quietEnd: '07:00', timeZone: 'UTC' }, { quietStart: 2200, quietEnd: 700 }]) {
      const res = await put(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    for (const body of [{ quietStart: '22:00', quietEnd: '22:00' }, { quietStart: '22:00', quietEnd: '22:59' }]) {
      const res = await put(body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', details: { fields: [{ field: 'quietEnd', rule: 'quiet_window_length' }] } });
    }
    expect((await t.request('GET', path(), { key: keys.owner })).body).toMatchObject({ quietStart: '22:00', quietEnd: '07:00' });
  });

  it('a deadline at 14:00 blocks at the configured quiet start (23:30), not before; open cases are rescheduled', async () => {
    const early = await insertTerminal(t.ctx, { modelCode, merchantId, status: 'active' });
    const before = await t.request('POST', `/v1/terminals/${early.sn}/reactivations`, {
      body: { reason: 'policy_change', note: 'x', deadline: '2025-03-12T06:00:00Z' } });
    expect(before.body.blocksAt).toBe('2025-03-12T14:00:00.000Z'); // 22:00 under the default window
    const changed = await put({ quietStart: '23:30', quietEnd: '06:00' });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ merchantId, timeZone: 'Asia/Shanghai', quietStart: '23:30', quietEnd: '06:00',
      businessHours: { start: '06:00', end: '23:30' }, rescheduledCases: [{ caseId: before.body.id, blocksAt: '2025-03-12T15:30:00.000Z' }] });
    expect((await t.request('GET', `/v1/reactivations/${before.body.id}`, { key: keys.owner })).body.blocksAt).toBe('2025-03-12T15:30:00.000Z');
    const audit = await t.ctx.db.selectFrom('audit_log').select('action').where('subject_id', '=', merchantId)
      .where('action', '=', 'merchant.business_hours_changed').execute();
    expect(audit).toHaveLength(1);

    const late = await insertTerminal(t.ctx, { modelCode, merchantId, status: 'active' });
    const after = await t.request('POST', `/v1/terminals/${late.sn}/reactivations`, {
      body: { reason: 'policy_change', note: 'y', deadline: '2025-03-12T06:00:00Z' } });
    expect(after.body.blocksAt).toBe('2025-03-12T15:30:00.000Z');

    let n = 0;
    const sale = async (terminal: typeof early) => (await terminalRequest(t, { sn: terminal.sn, key: terminal.terminalKey! }, 'POST',
      '/terminal/v1/transactions', { idempotencyKey: `bh-${n++}`, method: 'wechat_qr', amount: 1000 })).body;
    t.ctx.clock.set(new Date('2025-03-12T22:30:00+08:00')); // the old quiet start has passed: still business hours
    expect(await sweepBlocking(t.ctx)).toBe(0);
    expect(await sale(early)).toMatchObject({ status: 'approved' });
    expect(await sale(late)).toMatchObject({ status: 'approved' });
    t.ctx.clock.set(new Date('2025-03-12T23:30:00+08:00'));
    expect(await sale(early)).toMatchObject({ status: 'declined', declineCode: 'policy_change' });
    expect(await sweepBlocking(t.ctx)).toBe(1);
    expect(await sale(late)).toMatchObject({ status: 'declined', declineCode: 'policy_change' });
    t.ctx.clock.set(new Date('2025-03-10T10:00:00+08:00'));
  });

  it('the merchant picks the effect window inside its own quiet window; a change that leaves it outside clears the pick', async () => {
    const terminal = await insertTerminal(t.ctx, { modelCode, merchantId, status: 'active' });
    const open = await t.request('POST', `/v1/terminals/${terminal.sn}/reactivations`, { body: { reason: 'security_verification', note: 'z' } });
    const schedule = (effectiveAt: string) => t.request('POST', `/v1/reactivations/${open.body.id}/schedule`, { key: keys.owner, body: { effectiveAt } });
    const outside = await schedule('2025-03-11T14:15:00Z'); // 22:15 Shanghai: quiet by default, not under 23:30–06:00
    expect(outside.status).toBe(400);
    expect(outside.body.error).toMatchObject({ code: 'reactivation_schedule_invalid',
      details: { problems: ['effectiveAt is outside the quiet window'], quietWindow: { startMinute: 1410, endMinute: 360, timeZone: 'Asia/Shanghai' } } });
    const picked = await schedule('2025-03-11T21:30:00Z'); // 05:30 Shanghai
    expect(picked.body.effectiveAt).toBe('2025-03-11T21:30:00.000Z');
    const narrower = await put({ quietStart: '00:00', quietEnd: '05:00' }, keys.manager);
    expect(narrower.status).toBe(200);
    const view = await t.request('GET', `/v1/reactivations/${open.body.id}`, { key: keys.owner });
    expect(view.body).toMatchObject({ effectiveAt: null, blocksAt: '2025-03-17T16:00:00.000Z' });
    expect((await t.request('PUT', path(), { body: { quietStart: '22:00', quietEnd: '07:00' } })).status).toBe(200); // ops_admin
  });
});
