// Proves re-activation campaigns: filtered dry-run (model, firmware, city, risk level, MCC,
// activated before/after), rate-limited rollout per hour on the test clock, pause/resume/cancel, no
// duplicate cases across passes — and, on PostgreSQL, across two concurrent worker connections.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../src/platform/actor.js';
import { SystemClock } from '../src/platform/clock.js';
import { testConfig } from '../src/platform/config.js';
import { createContext, type AppContext } from '../src/platform/context.js';
import { openDatabase } from '../src/platform/db/database.js';
import { createLogger } from '../src/platform/log.js';
import { runCampaignPass, startCampaign } from '../src/modules/reactivation/campaign.service.js';
import { createTestApp, createTestDatabase, type TestApp } from './harness.js';
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

describe('campaign filters: risk level, MCC, activation date', () => {
  const guangzhou = '440100';
  const sns: Record<'a' | 'b' | 'c' | 'd', string> = { a: '', b: '', c: '', d: '' };

  beforeAll(async () => {
    const low = (await insertMerchant(t.ctx, { cityCode: guangzhou, riskLevel: 'low', mcc: '5812' })).id;
    const high = (await insertMerchant(t.ctx, { cityCode: guangzhou, riskLevel: 'high', mcc: '7995' })).id;
    const medium = (await insertMerchant(t.ctx, { cityCode: guangzhou, riskLevel: 'medium', mcc: '5411' })).id;
    const place = async (key: keyof typeof sns, merchantId: string, activatedAt: string) => {
      const terminal = await insertTerminal(t.ctx, { modelCode, merchantId, status: 'active', firmwareVersion: '3.0.0' });
      await t.ctx.db.updateTable('terminals').set({ activated_at: new Date(activatedAt) }).where('id', '=', terminal.id).execute();
      sns[key] = terminal.sn;
    };
    await place('a', low, '2025-01-01T00:00:00Z');
    await place('b', low, '2025-02-15T00:00:00Z');
    await place('c', high, '2025-03-01T00:00:00Z');
    await place('d', medium, '2024-12-01T00:00:00Z');
  });

  const dryRun = async (extra: Record<string, unknown>) => {
    const res = await t.request('POST', '/v1/reactivation-campaigns/dry-run', { body: { filter: { cityCodes: [guangzhou], ...extra } } });
    expect(res.status, res.text).toBe(200);
    return { count: res.body.count as number, sns: (res.body.sample as { sn: string }[]).map((x) => x.sn).sort() };
  };
  const only = (...keys: (keyof typeof sns)[]) => ({ count: keys.length, sns: keys.map((k) => sns[k]).sort() });

  it('filters by merchant risk level', async () => {
    expect(await dryRun({ riskLevels: ['high'] })).toEqual(only('c'));
    expect(await dryRun({ riskLevels: ['low', 'medium'] })).toEqual(only('a', 'b', 'd'));
    expect(await dryRun({})).toEqual(only('a', 'b', 'c', 'd'));
  });

  it('filters by MCC', async () => {
    expect(await dryRun({ mccs: ['5812'] })).toEqual(only('a', 'b'));
    expect(await dryRun({ mccs: ['7995', '5411'] })).toEqual(only('c', 'd'));
    expect(await dryRun({ mccs: ['0000'] })).toEqual({ count: 0, sns: [] });
  });

  it('filters by activation date: before is exclusive, after is inclusive', async () => {
    expect(await dryRun({ activatedBefore: '2025-02-15T00:00:00Z' })).toEqual(only('a', 'd'));
    expect(await dryRun({ activatedAfter: '2025-02-15T00:00:00Z' })).toEqual(only('b', 'c'));
    expect(await dryRun({ activatedAfter: '2025-01-01T00:00:00Z', activatedBefore: '2025-03-01T00:00:00Z' })).toEqual(only('a', 'b'));
    expect(await dryRun({ riskLevels: ['low'], mccs: ['5812'], activatedAfter: '2025-01-15T00:00:00Z' })).toEqual(only('b'));
    const sample = await t.request('POST', '/v1/reactivation-campaigns/dry-run', { body: { filter: { cityCodes: [guangzhou], riskLevels: ['medium'] } } });
    expect(sample.body.sample).toEqual([{ sn: sns.d, modelCode, firmwareVersion: '3.0.0', merchantId: expect.stringMatching(/^mch_/),
      cityCode: guangzhou, activatedAt: '2024-12-01T00:00:00.000Z' }]);
  });

  it('refuses malformed filters with 400', async () => {
    for (const filter of [{ riskLevels: ['extreme'] }, { mccs: ['58'] }, { activatedBefore: 'yesterday' }, { firmwareBelow: 'v-next' }]) {
      const res = await t.request('POST', '/v1/reactivation-campaigns/dry-run', { body: { filter } });
      expect(res.status, JSON.stringify(filter)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });

  it('a rollout opens cases only for the filtered terminals', async () => {
    const start = await t.request('POST', '/v1/reactivation-campaigns', { body: { name: 'risky gambling', reason: 'security_verification',
      filter: { cityCodes: [guangzhou], riskLevels: ['high', 'medium'], mccs: ['7995'] }, ratePerHour: 10 } });
    expect(start.body).toMatchObject({ status: 'running', total: 1 });
    expect(await runCampaignPass(t.ctx)).toBe(1);
    await runCampaignPass(t.ctx);
    expect((await t.request('GET', `/v1/reactivation-campaigns/${start.body.id}`)).body).toMatchObject({ status: 'completed', opened: 1, remaining: 0 });
    const cases = await t.ctx.db.selectFrom('reactivation_cases').innerJoin('terminals', 'terminals.id', 'reactivation_cases.terminal_id')
      .select('terminals.sn').where('campaign_id', '=', start.body.id).execute();
    expect(cases).toEqual([{ sn: sns.c }]);
  });
});

describe.skipIf(process.env.JIHUO_TEST_DB !== 'postgres')('two concurrent campaign workers on PostgreSQL', () => {
  it('over the same campaign create no duplicate cases and keep to the hourly rate', async () => {
    const database = await createTestDatabase();
    const instances: { ctx: AppContext; close: () => Promise<void> }[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const handle = await openDatabase({ databaseUrl: database.url, poolSize: 2 });
        const ctx = createContext({ config: testConfig({ databaseUrl: database.url }), db: handle.db, dbKind: handle.kind,
          clock: new SystemClock(), log: createLogger('silent') });
        instances.push({ ctx, close: () => handle.close() });
      }
      const [a, b] = instances.map((x) => x.ctx) as [AppContext, AppContext];
      const setClock = (iso: string) => { for (const ctx of [a, b]) ctx.clock.set(new Date(iso)); };
      setClock('2025-03-10T10:00:00+08:00');
      const model = await insertDeviceModel(a, { minFirmware: '1.0.0' });
      const merchant = (await insertMerchant(a, { cityCode: '320100' })).id;
      const terminalCount = 23;
      for (let i = 0; i < terminalCount; i++) await insertTerminal(a, { modelCode: model, merchantId: merchant, status: 'active' });
      const campaign = await a.db.transaction().execute((trx) => startCampaign(a, trx, {
        name: 'concurrent', reason: 'security_verification', note: null, filter: { cityCodes: ['320100'] }, ratePerHour: 10, actor: systemActor,
      }));
      expect(campaign.total_count).toBe(terminalCount);
      const openedInHour = async () => {
        let opened = 0;
        for (let round = 0; round < 4; round++) {
          const passes = await Promise.all([runCampaignPass(a), runCampaignPass(b), runCampaignPass(a), runCampaignPass(b)]);
          opened += passes.reduce((sum, n) => sum + n, 0);
        }
        return opened;
      };
      expect(await openedInHour()).toBe(10);
      setClock('2025-03-10T11:00:30+08:00');
      expect(await openedInHour()).toBe(10);
      setClock('2025-03-10T12:01:00+08:00');
      expect(await openedInHour()).toBe(3);
      const row = await a.db.selectFrom('reactivation_campaigns').selectAll().where('id', '=', campaign.id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: 'completed', opened_count: terminalCount, skipped_count: 0 });
      const cases = await b.db.selectFrom('reactivation_cases').select(['terminal_id', 'created_at']).where('campaign_id', '=', campaign.id).execute();
      expect(cases).toHaveLength(terminalCount);
      expect(new Set(cases.map((c) => c.terminal_id)).size).toBe(terminalCount);
      const perHour = new Map<number, number>();
      for (const c of cases) {
        const hour = Math.floor((c.created_at.getTime() - Date.parse('2025-03-10T02:00:00Z')) / 3_600_000);
        perHour.set(hour, (perHour.get(hour) ?? 0) + 1);
      }
      expect([...perHour.entries()].sort()).toEqual([[0, 10], [1, 10], [2, 3]]);
    } finally {
      for (const instance of instances) await instance.close();
      await database.drop();
    }
  });
});
