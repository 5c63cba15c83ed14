// Proves re-activation campaigns: filtered dry-run, rate-limited rollout per hour on the test clock,
// pause/resume/cancel, no duplicate cases across passes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCampaignPass } from '../src/modules/reactivation/campaign.service.js';
import { createTestApp, type TestApp } from './harness.js';
import { insertDeviceModel, insertMerchant, insertTerminal } from './fixtures.js';

let t: TestApp;
let modelCode: string;

beforeAll(async () => {
  t = await createTestApp();
  t.ctx.clock.set(new Date('2025-03-10T10:00:00+08:00'));
  modelCode = await insertDeviceModel(t.ctx, { minFirmware: '1.0.0' });
  const shanghai = (await insertMerchant(t.ctx, { cityCode: '310100' })).id;
  const beijing = (await insertMerchant(t.ctx, { cityCode: '110100' })).id;
  for (let i = 0; i < 5; i++) await insertTerminal(t.ctx, { modelCode, merchantId: shanghai, status: 'active', firmwareVersion: `1.${i + 1}.0` });
  await insertTerminal(t.ctx, { modelCode, merchantId: shanghai, status: 'active', firmwareVersion: '2.10.0' });
  await insertTerminal(t.ctx, { modelCode, merchantId: beijing, status: 'active', firmwareVersion: '1.1.0' });
});
afterAll(async () => { await t.close(); });

const filter = { modelCodes: [], cityCodes: ['310100'], firmwareBelow: '2.9.0' };

describe('reactivation campaigns', () => {
  it('dry-run counts and samples the filtered terminals', async () => {
    const res = await t.request('POST', '/v1/reactivation-campaigns/dry-run', { body: { filter: { ...filter, modelCodes: [modelCode] } } });
    expect(res.status).toBe(200);
    expect(res.body.count).toBe(5);
    expect(res.body.sample).toHaveLength(5);
    const from = await t.request('POST', '/v1/reactivation-campaigns/dry-run', { body: { filter: { cityCodes: ['310100'], firmwareFrom: '1.3.0' } } });
    expect(from.body.count).toBe(4);
  });

  it('rolls out at most ratePerHour cases an hour, pauses, resumes and completes without duplicates', async () => {
    const start = await t.request('POST', '/v1/reactivation-campaigns', {
      body: { name: 'firmware 2.9', reason: 'system_upgrade', filter, ratePerHour: 2 } });
    expect(start.status).toBe(201);
    expect(start.body).toMatchObject({ status: 'running', total: 5, opened: 0, ratePerHour: 2 });
    const id = start.body.id as string;
    expect(await runCampaignPass(t.ctx)).toBe(2);
    expect(await runCampaignPass(t.ctx)).toBe(0);
    expect((await t.request('GET', `/v1/reactivation-campaigns/${id}`)).body).toMatchObject({ opened: 2, remaining: 3 });
    expect((await t.request('POST', `/v1/reactivation-campaigns/${id}/pause`)).body.status).toBe('paused');
    t.ctx.clock.set(new Date('2025-03-10T11:01:00+08:00'));
    expect(await runCampaignPass(t.ctx)).toBe(0);
    expect((await t.request('POST', `/v1/reactivation-campaigns/${id}/resume`)).body.status).toBe('running');
    expect(await runCampaignPass(t.ctx)).toBe(2);
    t.ctx.clock.set(new Date('2025-03-10T12:02:00+08:00'));
    expect(await runCampaignPass(t.ctx)).toBe(1);
    t.ctx.clock.set(new Date('2025-03-10T13:03:00+08:00'));
    await runCampaignPass(t.ctx);
    const progress = (await t.request('GET', `/v1/reactivation-campaigns/${id}`)).body;
    expect(progress).toMatchObject({ status: 'completed', opened: 5, skipped: 0, remaining: 0 });
    const cases = await t.ctx.db.selectFrom('reactivation_cases').select(['terminal_id', 'reason', 'policy'])
      .where('campaign_id', '=', id).execute();
    expect(cases).toHaveLength(5);
    expect(new Set(cases.map((c) => c.terminal_id)).size).toBe(5);
    expect(cases.every((c) => c.reason === 'system_upgrade' && c.policy === 'grace')).toBe(true);
  });

  it('refuses an unknown reason and an illegal state change', async () => {
    const bad = await t.request('POST', '/v1/reactivation-campaigns', { body: { name: 'x', reason: 'new_device', filter, ratePerHour: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('reactivation_reason_invalid');
    const start = await t.request('POST', '/v1/reactivation-campaigns', { body: { name: 'y', reason: 'security_verification', filter: { cityCodes: ['999999'] }, ratePerHour: 1 } });
    expect((await t.request('POST', `/v1/reactivation-campaigns/${start.body.id}/cancel`)).body.status).toBe('cancelled');
    const again = await t.request('POST', `/v1/reactivation-campaigns/${start.body.id}/resume`);
    expect(again.status).toBe(409);
    expect((await t.request('GET', '/v1/reactivation-campaigns/cmp_missing')).status).toBe(404);
  });
});
