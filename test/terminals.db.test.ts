// Proves terminal inventory over HTTP: device models, import (good, bad, atomic), assignment,
// applications → shipping → delivery, replacement, the state machine's 409s, timeline, search,
// merchant scoping, firmware rollout and minimum version (and the update hello offers), and
// concurrent shipments without duplicates.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../src/platform/actor.js';
import { createApiKey } from '../src/platform/api-keys.js';
import { firmwareStatus } from '../src/modules/terminals/firmware.service.js';
import { inRollout } from '../src/modules/terminals/firmware.js';
import { terminalsModule } from '../src/modules/terminals/terminals.module.js';
import { activationReasonFor, findTerminalBySn, transitionTerminal } from '../src/modules/terminals/terminal.service.js';
import { versionKeySql } from '../src/modules/terminals/terminal-query.service.js';
import { compareVersions, versionSortKey } from '../src/modules/terminals/firmware.js';
import { sql } from 'kysely';
import { insertMerchant, insertTerminal } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';
import { terminalRequest } from './terminal-client.js';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

const key = () => randomBytes(32).toString('hex');
let modelSeq = 0;
async function createModel(overrides: Record<string, unknown> = {}): Promise<string> {
  const code = `TM${++modelSeq}${randomBytes(2).toString('hex').toUpperCase()}`;
  const res = await t.request('POST', '/v1/device-models', {
    body: {
      code, name: `Model ${code}`, kind: 'smart', price: 50000, deposit: { amount: 59800, threshold: 99000000, windowDays: 365 },
      requiredSelfTests: ['cardReader', 'network'], minFirmware: '2.0.0', ...overrides,
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return code;
}
async function importSns(modelCode: string, sns: string[]): Promise<void> {
  const res = await t.request('POST', '/v1/terminals/import', { body: { terminals: sns.map((sn) => ({ sn, modelCode, factoryKey: key() })) } });
  expect(res.body).toEqual({ imported: sns.length, rejected: [] });
}
const sns = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);

describe('device models', () => {
  it('creates, lists, refuses duplicates and bad bodies, and changes the minimum firmware', async () => {
    const code = await createModel();
    const again = await t.request('POST', '/v1/device-models', {
      body: { code, name: 'x', kind: 'smart', price: 1, deposit: null, requiredSelfTests: [], minFirmware: null },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('device_model_exists');
    const bad = await t.request('POST', '/v1/device-models', {
      body: { code: 'BAD1', name: 'x', kind: 'laptop', price: -1, deposit: null, requiredSelfTests: ['smell'], minFirmware: null },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    const list = await t.request('GET', '/v1/device-models');
    expect(list.body.data.find((m: { code: string }) => m.code === code)).toEqual(expect.objectContaining({
      code, kind: 'smart', price: 50000, deposit: { amount: 59800, threshold: 99000000, windowDays: 365 },
      requiredSelfTests: ['cardReader', 'network'], minFirmware: '2.0.0',
    }));
    const patched = await t.request('PATCH', `/v1/device-models/${code}`, { body: { minFirmware: '2.10.0' } });
    expect(patched.status).toBe(200);
    expect(patched.body.minFirmware).toBe('2.10.0');
    const badVersion = await t.request('PATCH', `/v1/device-models/${code}`, { body: { minFirmware: 'latest' } });
    expect(badVersion.status).toBe(400);
    expect((await t.request('GET', '/v1/device-models/NOPE')).body.error.code).toBe('device_model_not_found');
  });

  it('seeds one model per kind and demo stock, idempotently', async () => {
    await terminalsModule.seed!(t.ctx);
    await terminalsModule.seed!(t.ctx);
    const models = await t.ctx.db.selectFrom('device_models').selectAll().where('code', 'in',
      ['TRAD-T100', 'SMART-S200', 'ESIGN-E300', 'MPOS-M400', 'QRBOX-Q500']).orderBy('code').execute();
    expect(models.map((m) => m.kind).sort()).toEqual(['esign', 'mobile', 'qr_box', 'smart', 'traditional']);
    const trad = models.find((m) => m.kind === 'traditional')!;
    expect([Number(trad.price_fen), Number(trad.deposit_fen), Number(trad.deposit_threshold_fen), trad.deposit_window_days]).toEqual([30000, 29800, 60000000, 180]);
    const smart = models.find((m) => m.kind === 'smart')!;
    expect([Number(smart.price_fen), Number(smart.deposit_fen), Number(smart.deposit_threshold_fen), smart.deposit_window_days]).toEqual([50000, 59800, 99000000, 365]);
    expect(Number(models.find((m) => m.kind === 'mobile')!.price_fen)).toBe(0);
    for (const kind of ['esign', 'mobile', 'qr_box']) expect(models.find((m) => m.kind === kind)!.deposit_fen).toBeNull();
    const demo = await t.ctx.db.selectFrom('terminals').select('sn').where('sn', 'like', 'DEMO-%').execute();
    expect(demo).toHaveLength(15);
    const res = await t.request('GET', '/v1/terminals/DEMO-TRAD-T100-001');
    expect(res.body).toMatchObject({ sn: 'DEMO-TRAD-T100-001', modelCode: 'TRAD-T100', status: 'in_stock', merchantId: null });
  });
});

describe('import', () => {
  it('imports good rows, reports each bad row, and seals the factory key', async () => {
    const model = await createModel();
    await importSns(model, ['IMPEXIST0001']);
    const goodKey = key();
    const res = await t.request('POST', '/v1/terminals/import', {
      body: {
        terminals: [
          { sn: 'IMPGOOD0001', modelCode: model, factoryKey: goodKey },
          { sn: 'IMPGOOD0001', modelCode: model, factoryKey: key() },
          { sn: 'IMPEXIST0001', modelCode: model, factoryKey: key() },
          { sn: 'IMPBAD0003', modelCode: 'NO-SUCH', factoryKey: key() },
          { sn: 'IMPBAD0004', modelCode: model, factoryKey: 'abc' },
          { sn: 'bad sn!', modelCode: model, factoryKey: key() },
          { sn: 'IMPGOOD0002', modelCode: model, factoryKey: key().toUpperCase() },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      imported: 2,
      rejected: [
        { index: 1, sn: 'IMPGOOD0001', error: 'duplicate_sn_in_file' },
        { index: 2, sn: 'IMPEXIST0001', error: 'duplicate_sn_in_stock' },
        { index: 3, sn: 'IMPBAD0003', error: 'unknown_model' },
        { index: 4, sn: 'IMPBAD0004', error: 'malformed_factory_key' },
        { index: 5, sn: 'bad sn!', error: 'malformed_sn' },
      ],
    });
    const row = (await findTerminalBySn(t.ctx.db, 'IMPGOOD0001'))!;
    expect(row.status).toBe('in_stock');
    expect(row.factory_key_enc).not.toContain(goodKey);
    expect(t.ctx.cipher.open('terminals.factory_key', row.factory_key_enc)).toBe(goodKey);
    const timeline = await t.request('GET', '/v1/terminals/IMPGOOD0001/timeline');
    expect(timeline.body.data[0]).toMatchObject({ kind: 'imported', to: 'in_stock' });
  });

  it('imports nothing with atomic when any row is bad, and everything when all are good', async () => {
    const model = await createModel();
    const bad = await t.request('POST', '/v1/terminals/import', {
      body: { atomic: true, terminals: [{ sn: 'ATOM0001', modelCode: model, factoryKey: key() }, { sn: 'ATOM0002', modelCode: model, factoryKey: 'zz' }] },
    });
    expect(bad.body).toEqual({ imported: 0, rejected: [{ index: 1, sn: 'ATOM0002', error: 'malformed_factory_key' }] });
    expect((await t.request('GET', '/v1/terminals/ATOM0001')).status).toBe(404);
    const good = await t.request('POST', '/v1/terminals/import', {
      body: { atomic: true, terminals: [{ sn: 'ATOM0001', modelCode: model, factoryKey: key() }, { sn: 'ATOM0002', modelCode: model, factoryKey: key() }] },
    });
    expect(good.body).toEqual({ imported: 2, rejected: [] });
  });

  it('imports 12,000 rows (a body above the 1 MB default) in batches', async () => {
    const model = await createModel();
    const list = sns('BULK', 12000).map((sn) => ({ sn, modelCode: model, factoryKey: key() }));
    const res = await t.request('POST', '/v1/terminals/import', { body: { terminals: list } });
    expect(res.body).toEqual({ imported: 12000, rejected: [] });
  });

  it('checks access before the body', async () => {
    const res = await t.request('POST', '/v1/terminals/import', { key: null, body: { nonsense: true } });
    expect(res.status).toBe(401);
  });
});

describe('assignment', () => {
  it('assigns an in-stock terminal to an approved merchant only', async () => {
    const model = await createModel();
    await importSns(model, ['ASGN0001', 'ASGN0002']);
    const draft = await insertMerchant(t.ctx, { status: 'draft' });
    const refused = await t.request('POST', '/v1/terminals/ASGN0001/assign', { body: { merchantId: draft.id } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('merchant_not_approved');
    const merchant = await insertMerchant(t.ctx);
    const res = await t.request('POST', '/v1/terminals/ASGN0001/assign', { body: { merchantId: merchant.id } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sn: 'ASGN0001', modelCode: model, status: 'delivered', merchantId: merchant.id, firmwareVersion: null, activatedAt: null, reactivation: null });
    expect(res.body.tid).toMatch(/^\d{8}$/);
    const again = await t.request('POST', '/v1/terminals/ASGN0001/assign', { body: { merchantId: merchant.id } });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'terminal_not_in_stock', details: { currentStatus: 'delivered' } });
    const missing = await t.request('POST', '/v1/terminals/NOPE0000/assign', { body: { merchantId: merchant.id } });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('terminal_not_found');
    const unknownMerchant = await t.request('POST', '/v1/terminals/ASGN0002/assign', { body: { merchantId: 'mch_nope' } });
    expect(unknownMerchant.body.error.code).toBe('merchant_not_found');
  });
});

describe('applications, shipping, delivery, lifecycle and replacement', () => {
  it('runs a terminal from application to replacement, with a timeline and merchant scoping', async () => {
    const model = await createModel();
    await importSns(model, sns('LIFE', 3));
    const merchant = await insertMerchant(t.ctx, { cityCode: '310100' });
    const other = await insertMerchant(t.ctx);
    const owner = await createApiKey(t.ctx, { name: 'owner', role: 'merchant_owner', merchantId: merchant.id });
    const stranger = await createApiKey(t.ctx, { name: 'other', role: 'merchant_owner', merchantId: other.id });

    const prefill = await t.request('GET', '/v1/terminal-applications/prefill', { key: owner.key });
    expect(prefill.body.shippingAddress).toMatchObject({ city: '北京市', district: '朝阳区', line: '建国路 1 号', recipient: '测试小店' });
    const applied = await t.request('POST', '/v1/terminal-applications', { key: owner.key, body: { modelCode: model, quantity: 2, shippingAddress: { line: '建国路 2 号' } } });
    expect(applied.status).toBe(201);
    expect(applied.body).toMatchObject({ merchantId: merchant.id, modelCode: model, quantity: 2, status: 'pending' });
    expect(applied.body.shippingAddress).toMatchObject({ line: '建国路 2 号', district: '朝阳区', cityCode: '310100' });
    const id = applied.body.id as string;
    expect((await t.request('GET', `/v1/terminal-applications/${id}`, { key: stranger.key })).status).toBe(404);
    expect((await t.request('POST', `/v1/terminal-applications/${id}/review`, { key: owner.key, body: { decision: 'approve' } })).status).toBe(403);
    const early = await t.request('POST', `/v1/terminal-applications/${id}/ship`, { body: { carrier: 'SF', trackingNumber: 'SF0000000001' } });
    expect(early.body.error).toMatchObject({ code: 'invalid_state', details: { currentStatus: 'pending' } });
    const approved = await t.request('POST', `/v1/terminal-applications/${id}/review`, { body: { decision: 'approve', note: 'ok' } });
    expect(approved.body.status).toBe('approved');
    const shipped = await t.request('POST', `/v1/terminal-applications/${id}/ship`, { body: { carrier: 'SF', trackingNumber: 'SF0000000001' } });
    expect(shipped.status).toBe(201);
    expect(shipped.body.shipment).toMatchObject({ carrier: 'SF', trackingNumber: 'SF0000000001', status: 'shipped', sns: ['LIFE0000', 'LIFE0001'] });
    const [sn, sn2] = shipped.body.shipment.sns as string[];
    expect((await t.request('GET', `/v1/terminals/${sn}`, { key: owner.key })).body).toMatchObject({ status: 'shipped', merchantId: merchant.id });
    expect((await t.request('GET', `/v1/terminals/${sn}`, { key: stranger.key })).status).toBe(404);

    const delivered = await t.request('POST', `/v1/shipments/${shipped.body.shipment.id}/confirm-delivery`, { key: owner.key });
    expect(delivered.body).toMatchObject({ status: 'delivered', deliveredBy: 'merchant' });
    expect((await t.request('GET', `/v1/terminal-applications/${id}`, { key: owner.key })).body.status).toBe('delivered');
    const listed = await t.request('GET', '/v1/terminal-applications?status=delivered', { key: owner.key });
    expect(listed.body).toMatchObject({ hasMore: false, nextCursor: null });
    expect(listed.body.data.map((a: { id: string }) => a.id)).toEqual([id]);
    expect(listed.body.data[0].shipments).toEqual([expect.objectContaining({
      id: shipped.body.shipment.id, carrier: 'SF', trackingNumber: 'SF0000000001', status: 'delivered', deliveredBy: 'merchant', sns: [sn, sn2],
    })]);
    expect((await t.request('GET', `/v1/terminal-applications/${id}`, { key: owner.key })).body.shipments).toHaveLength(1);
    expect((await t.request('GET', '/v1/terminal-applications', { key: stranger.key })).body.data).toEqual([]);
    expect((await t.request('GET', `/v1/terminals/${sn2}`)).body.status).toBe('delivered');

    // Activation and self-test belong to the activation module; here they go through the state machine directly.
    for (const to of ['activating', 'self_test', 'active'] as const) {
      await t.ctx.db.transaction().execute((trx) => transitionTerminal(trx, {
        sn: sn!, to, actor: systemActor, at: t.ctx.clock.now(), reason: 'test', ...(to === 'active' ? { set: { activated_at: t.ctx.clock.now(), training_mode: true } } : {}),
      }));
    }
    const illegal = await t.request('POST', `/v1/terminals/${sn}/resume`, { body: { reason: 'nothing to resume' } });
    expect(illegal.status).toBe(409);
    expect(illegal.body.error).toMatchObject({ code: 'terminal_invalid_transition', details: { currentStatus: 'active' } });
    expect((await t.request('POST', `/v1/terminals/${sn}/suspend`, { body: { reason: 'chargeback review' } })).body.status).toBe('suspended');
    expect((await t.request('POST', `/v1/terminals/${sn}/resume`, { body: { reason: 'cleared' } })).body.status).toBe('active');

    const notInStock = await t.request('POST', `/v1/terminals/${sn}/replace`, { body: { newSn: sn2 } });
    expect(notInStock.body.error.code).toBe('terminal_not_in_stock');
    const replaced = await t.request('POST', `/v1/terminals/${sn}/replace`, { body: { newSn: 'LIFE0002', reason: 'screen broken' } });
    expect(replaced.status).toBe(200);
    expect(replaced.body.old).toMatchObject({ sn, status: 'retired', replacedBy: 'LIFE0002' });
    expect(replaced.body.replacement).toMatchObject({ sn: 'LIFE0002', status: 'delivered', merchantId: merchant.id, trainingMode: true });
    expect(replaced.body.activationReason).toBe('device_replacement');
    const oldRow = (await findTerminalBySn(t.ctx.db, sn!))!;
    const newRow = (await findTerminalBySn(t.ctx.db, 'LIFE0002'))!;
    expect(oldRow.replaced_by).toBe(newRow.id);
    expect(await activationReasonFor(t.ctx.db, newRow)).toBe('device_replacement');
    expect(await activationReasonFor(t.ctx.db, oldRow)).toBe('new_device');
    const retiredAgain = await t.request('POST', `/v1/terminals/${sn}/replace`, { body: { newSn: 'LIFE0002' } });
    expect(retiredAgain.status).toBe(409);
    expect(retiredAgain.body.error.details.currentStatus).toBe('retired');

    const timeline = await t.request('GET', `/v1/terminals/${sn}/timeline?limit=3`, { key: owner.key });
    expect(timeline.body.data.map((e: { to: string }) => e.to)).toEqual(['in_stock', 'allocated', 'shipped']);
    expect(timeline.body.hasMore).toBe(true);
    const rest = await t.request('GET', `/v1/terminals/${sn}/timeline?limit=100&cursor=${timeline.body.nextCursor}`, { key: owner.key });
    expect(rest.body.data.map((e: { to: string }) => e.to)).toEqual(['delivered', 'activating', 'self_test', 'active', 'suspended', 'active', 'retired']);
    expect(rest.body.data.at(-1)).toMatchObject({ reason: 'replaced', actor: { kind: 'api_key' }, details: { replacedBySn: 'LIFE0002' } });
    expect(rest.body.hasMore).toBe(false);
    const newTimeline = await t.request('GET', '/v1/terminals/LIFE0002/timeline');
    expect(newTimeline.body.data.map((e: { kind: string }) => e.kind)).toEqual(['imported', 'status_changed', 'replacement']);
    expect(newTimeline.body.data[2].details).toMatchObject({ replacesSn: sn });

    const mine = await t.request('GET', '/v1/terminals', { key: owner.key });
    expect(mine.body.data.map((x: { sn: string }) => x.sn)).toEqual([sn, sn2, 'LIFE0002']);
    const theirs = await t.request('GET', `/v1/terminals?merchantId=${merchant.id}`, { key: stranger.key });
    expect(theirs.body.data).toEqual([]);
  });

  it('accepts the carrier callback', async () => {
    const model = await createModel();
    await importSns(model, ['CARR0001']);
    const merchant = await insertMerchant(t.ctx);
    const app = await t.request('POST', '/v1/terminal-applications', { body: { merchantId: merchant.id, modelCode: model, quantity: 1 } });
    await t.request('POST', `/v1/terminal-applications/${app.body.id}/review`, { body: { decision: 'approve' } });
    const tooMany = await t.request('POST', '/v1/terminal-applications', { body: { merchantId: merchant.id, modelCode: model, quantity: 2 } });
    await t.request('POST', `/v1/terminal-applications/${tooMany.body.id}/review`, { body: { decision: 'approve' } });
    await t.request('POST', `/v1/terminal-applications/${app.body.id}/ship`, { body: { carrier: 'EMS', trackingNumber: 'EMS000001' } });
    const empty = await t.request('POST', `/v1/terminal-applications/${tooMany.body.id}/ship`, { body: { carrier: 'EMS', trackingNumber: 'EMS000002' } });
    expect(empty.body.error).toMatchObject({ code: 'terminal_stock_insufficient', details: { available: 0, requested: 2 } });
    // A carrier's key without the shipments scope is refused; with it, the callback works.
    const unscoped = await createApiKey(t.ctx, { name: 'carrier-unscoped', role: 'integration' });
    const refused = await t.request('POST', '/v1/shipments/carrier-callback', { key: unscoped.key, body: { carrier: 'EMS', trackingNumber: 'EMS000001', status: 'delivered' } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.details).toEqual({ role: 'integration', requiredScope: 'shipments:write' });
    const integration = await createApiKey(t.ctx, { name: 'carrier', role: 'integration', scopes: ['shipments:write'] });
    const cb = await t.request('POST', '/v1/shipments/carrier-callback', { key: integration.key, body: { carrier: 'EMS', trackingNumber: 'EMS000001', status: 'delivered' } });
    expect(cb.body).toMatchObject({ status: 'delivered', deliveredBy: 'carrier', sns: ['CARR0001'] });
    expect((await t.request('GET', '/v1/terminals/CARR0001')).body.status).toBe('delivered');
    const unknown = await t.request('POST', '/v1/shipments/carrier-callback', { key: integration.key, body: { carrier: 'EMS', trackingNumber: 'NOPE01', status: 'delivered' } });
    expect(unknown.body.error.code).toBe('shipment_not_found');
  });

  it('never ships one SN twice when shipments run concurrently', async () => {
    const model = await createModel();
    await importSns(model, sns('CONC', 10));
    const merchant = await insertMerchant(t.ctx);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const app = await t.request('POST', '/v1/terminal-applications', { body: { merchantId: merchant.id, modelCode: model, quantity: 2 } });
      await t.request('POST', `/v1/terminal-applications/${app.body.id}/review`, { body: { decision: 'approve' } });
      ids.push(app.body.id);
    }
    const results = await Promise.all(ids.map((id, i) =>
      t.request('POST', `/v1/terminal-applications/${id}/ship`, { body: { carrier: 'SF', trackingNumber: `SFCONC${i}${randomBytes(3).toString('hex')}` } })));
    const ok = results.filter((r) => r.status === 201);
    const shippedSns = ok.flatMap((r) => r.body.shipment.sns as string[]);
    expect(new Set(shippedSns).size).toBe(shippedSns.length);
    expect(ok.length).toBe(5);
    for (const r of results.filter((x) => x.status !== 201)) expect(r.body.error.code).toBe('terminal_stock_insufficient');
    const shippedRows = await t.ctx.db.selectFrom('terminals').select('sn').where('model_code', '=', model).where('status', '=', 'shipped').execute();
    expect(shippedRows).toHaveLength(10);
  });
});

describe('search', () => {
  it('filters by status, model, merchant, city and firmware range, with cursor pages', async () => {
    const model = await createModel();
    const merchant = await insertMerchant(t.ctx, { cityCode: '440300' });
    const versions = ['2.9.1', '2.10.0', '2.2.0', '10.0.0', '1.9.9'];
    await importSns(model, sns('SRCH', versions.length));
    for (const [i, version] of versions.entries()) {
      await t.ctx.db.updateTable('terminals').set({ firmware_version: version }).where('sn', '=', `SRCH000${i}`).execute();
    }
    await t.request('POST', '/v1/terminals/SRCH0000/assign', { body: { merchantId: merchant.id } });
    const range = await t.request('GET', `/v1/terminals?modelCode=${model}&firmwareMin=2.9.0&firmwareMax=2.10.0`);
    expect(range.body.data.map((x: { firmwareVersion: string }) => x.firmwareVersion)).toEqual(['2.9.1', '2.10.0']);
    const byStatus = await t.request('GET', `/v1/terminals?modelCode=${model}&status=delivered`);
    expect(byStatus.body.data.map((x: { sn: string }) => x.sn)).toEqual(['SRCH0000']);
    const byCity = await t.request('GET', `/v1/terminals?modelCode=${model}&cityCode=440300`);
    expect(byCity.body.data.map((x: { sn: string }) => x.sn)).toEqual(['SRCH0000']);
    const byMerchant = await t.request('GET', `/v1/terminals?merchantId=${merchant.id}`);
    expect(byMerchant.body.data).toHaveLength(1);
    const page1 = await t.request('GET', `/v1/terminals?modelCode=${model}&limit=2`);
    expect(page1.body).toMatchObject({ hasMore: true });
    const page2 = await t.request('GET', `/v1/terminals?modelCode=${model}&limit=2&cursor=${page1.body.nextCursor}`);
    const page3 = await t.request('GET', `/v1/terminals?modelCode=${model}&limit=2&cursor=${page2.body.nextCursor}`);
    expect([...page1.body.data, ...page2.body.data, ...page3.body.data].map((x: { sn: string }) => x.sn)).toEqual(sns('SRCH', 5));
    expect(page3.body).toMatchObject({ hasMore: false, nextCursor: null });
    const bad = await t.request('GET', '/v1/terminals?firmwareMin=latest');
    expect(bad.status).toBe(400);
  });
});

describe('search by city and by a firmware range with pre-releases', () => {
  it('filters by the merchant\'s city', async () => {
    const model = await createModel();
    const shenzhen = await insertMerchant(t.ctx, { city: '深圳市', cityCode: '440300' });
    const beijing = await insertMerchant(t.ctx, { city: '北京市', cityCode: '110100' });
    await importSns(model, sns('CITY', 3));
    await t.request('POST', '/v1/terminals/CITY0000/assign', { body: { merchantId: shenzhen.id } });
    await t.request('POST', '/v1/terminals/CITY0001/assign', { body: { merchantId: beijing.id } });
    const inShenzhen = await t.request('GET', `/v1/terminals?modelCode=${model}&city=${encodeURIComponent('深圳市')}`);
    expect(inShenzhen.status).toBe(200);
    expect(inShenzhen.body.data.map((x: { sn: string }) => x.sn)).toEqual(['CITY0000']);
    const inBeijing = await t.request('GET', `/v1/terminals?modelCode=${model}&city=${encodeURIComponent('北京市')}`);
    expect(inBeijing.body.data.map((x: { sn: string }) => x.sn)).toEqual(['CITY0001']);
    expect((await t.request('GET', `/v1/terminals?modelCode=${model}&city=${encodeURIComponent('上海市')}`)).body.data).toEqual([]);
  });

  it('orders pre-releases before their release, in both bounds', async () => {
    const model = await createModel();
    const versions = ['2.9.9', '2.10.0-beta.1', '2.10.0-beta.10', '2.10.0-rc.1', '2.10.0', '2.10.1-alpha', '2.10.1', 'custom-build'];
    await importSns(model, sns('PRE', versions.length));
    for (const [i, version] of versions.entries()) {
      await t.ctx.db.updateTable('terminals').set({ firmware_version: version }).where('sn', '=', `PRE000${i}`).execute();
    }
    const range = async (query: string) => {
      const res = await t.request('GET', `/v1/terminals?modelCode=${model}&${query}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.data.map((x: { firmwareVersion: string }) => x.firmwareVersion);
    };
    expect(await range('firmwareMin=2.10.0')).toEqual(['2.10.0', '2.10.1-alpha', '2.10.1']);
    expect(await range('firmwareMax=2.10.0')).toEqual(['2.9.9', '2.10.0-beta.1', '2.10.0-beta.10', '2.10.0-rc.1', '2.10.0']);
    expect(await range('firmwareMin=2.10.0-beta.2&firmwareMax=2.10.0-rc.1')).toEqual(['2.10.0-beta.10', '2.10.0-rc.1']);
    expect(await range('firmwareMin=2.10.0-rc.1&firmwareMax=2.10.1-alpha')).toEqual(['2.10.0-rc.1', '2.10.0', '2.10.1-alpha']);
    const bad = await t.request('GET', `/v1/terminals?modelCode=${model}&firmwareMin=2.10.0-`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });

  it('computes in SQL the same version key as firmware.ts', async () => {
    const versions = ['0', '1.2', '1.2.3.4', '999999.0.0', '2.10.0', '2.10.0-1', '2.10.0-beta', '2.10.0-beta.2', '2.10.0-beta.10',
      '2.10.0-Beta', '2.10.0-rc.1.x', '02.1.0', 'v2', '2..0', ''];
    for (const version of versions) {
      const row = await sql<{ key: string | null }>`select ${versionKeySql(sql`${version}::text`)} as key`.execute(t.ctx.db);
      expect(row.rows[0]!.key, version).toBe(versionSortKey(version));
    }
    const valid = versions.filter((v) => versionSortKey(v) !== null);
    const sorted = (await sql<{ v: string }>`select v from unnest(${valid}::text[]) as u(v)
      order by ${versionKeySql(sql.ref('v'))} collate "C", v`.execute(t.ctx.db)).rows.map((r) => r.v);
    expect(sorted).toEqual([...valid].sort((a, b) => compareVersions(a, b) || (a < b ? -1 : 1)));
  });
});

describe('firmware', () => {
  it('publishes releases, stages the rollout by SN hash and reports the minimum version', async () => {
    const model = await createModel({ minFirmware: '2.10.0' });
    const list = sns(`FW${modelSeq}X`, 40);
    await importSns(model, list);
    for (const sn of list) await t.ctx.db.updateTable('terminals').set({ firmware_version: '2.9.5' }).where('sn', '=', sn).execute();
    const release = await t.request('POST', `/v1/device-models/${model}/firmware-releases`, { body: { version: '2.11.0', notes: 'faster QR', rolloutPercent: 30 } });
    expect(release.status).toBe(201);
    const dup = await t.request('POST', `/v1/device-models/${model}/firmware-releases`, { body: { version: '2.11.0' } });
    expect(dup.body.error.code).toBe('firmware_release_exists');
    const releaseId = release.body.id as string;
    const inside = list.filter((sn) => inRollout(sn, releaseId, 30));
    for (const sn of list.slice(0, 10)) {
      const membership = await t.request('GET', `/v1/firmware-releases/${releaseId}/rollout/${sn}`);
      expect(membership.body.inRollout).toBe(inside.includes(sn));
      const status = await t.request('GET', `/v1/terminals/${sn}/firmware`);
      expect(status.body).toMatchObject({ belowMinimum: true, minFirmware: '2.10.0' });
      expect(status.body.latestRelease).toEqual(inside.includes(sn) ? { id: releaseId, version: '2.11.0', notes: 'faster QR' } : null);
    }
    await t.request('PATCH', `/v1/firmware-releases/${releaseId}`, { body: { rolloutPercent: 100 } });
    const terminal = (await findTerminalBySn(t.ctx.db, list[0]!))!;
    expect((await firmwareStatus(t.ctx.db, terminal)).latestRelease?.version).toBe('2.11.0');
    await t.request('PATCH', `/v1/device-models/${model}`, { body: { minFirmware: '2.9.0' } });
    expect((await firmwareStatus(t.ctx.db, terminal)).belowMinimum).toBe(false);
    const releases = await t.request('GET', `/v1/device-models/${model}/firmware-releases`);
    expect(releases.body.data).toHaveLength(1);
  });

  it('offers the rollout\'s release on hello: inside yes, outside no, already on it no; mandatory below the minimum', async () => {
    const model = await createModel({ minFirmware: '2.0.0' });
    const merchant = await insertMerchant(t.ctx);
    const release = await t.request('POST', `/v1/device-models/${model}/firmware-releases`, { body: { version: '2.11.0', notes: 'faster QR', rolloutPercent: 30 } });
    const releaseId = release.body.id as string;
    // SNs picked by the deterministic SN hash of this release.
    const candidates = sns(`HL${modelSeq}X`, 60);
    const insideSn = candidates.find((sn) => inRollout(sn, releaseId, 30))!;
    const outsideSns = candidates.filter((sn) => !inRollout(sn, releaseId, 30)).slice(0, 2);
    expect(insideSn).toBeDefined();
    expect(outsideSns).toHaveLength(2);
    const hello = async (sn: string, firmwareVersion: string) => {
      const terminal = await insertTerminal(t.ctx, { modelCode: model, merchantId: merchant.id, status: 'active', sn, firmwareVersion });
      const res = await terminalRequest(t, { sn, key: terminal.terminalKey! }, 'POST', '/terminal/v1/hello', { firmwareVersion });
      expect(res.status).toBe(200);
      return { res, terminal };
    };
    const inside = await hello(insideSn, '2.9.5');
    expect(inside.res.body).toMatchObject({ status: 'active', reason: null, message: null, deadline: null, messages: [] });
    expect(inside.res.body.update).toEqual({ version: '2.11.0', notes: 'faster QR', mandatory: false });
    expect((await hello(outsideSns[0]!, '2.9.5')).res.body.update).toBeNull();

    // Already on the release: nothing to offer; on its pre-release: the release is newer.
    const who = { sn: insideSn, key: inside.terminal.terminalKey! };
    expect((await terminalRequest(t, who, 'POST', '/terminal/v1/hello', { firmwareVersion: '2.11.0' })).body.update).toBeNull();
    expect((await terminalRequest(t, who, 'POST', '/terminal/v1/hello', { firmwareVersion: '2.11.0-rc.1' })).body.update)
      .toEqual({ version: '2.11.0', notes: 'faster QR', mandatory: false });

    // Below the model minimum the update is mandatory, rollout stage or not (system_upgrade opens).
    const below = await hello(outsideSns[1]!, '1.9.0');
    expect(below.res.body.update).toEqual({ version: '2.11.0', notes: 'faster QR', mandatory: true });
    expect(below.res.body.reason).toBe('system_upgrade');
  });
});

describe('suspend and resume', () => {
  async function activeTerminal() {
    const model = await createModel();
    const merchant = await insertMerchant(t.ctx);
    return insertTerminal(t.ctx, { modelCode: model, merchantId: merchant.id, status: 'active' });
  }
  const suspend = (sn: string) => t.request('POST', `/v1/terminals/${sn}/suspend`, { body: { reason: 'chargeback review' } });
  const resume = (sn: string) => t.request('POST', `/v1/terminals/${sn}/resume`, { body: { reason: 'cleared' } });

  it('returns to reactivation_required while a blocking case is open, and to active once it is cancelled', async () => {
    const terminal = await activeTerminal();
    const opened = await t.request('POST', `/v1/terminals/${terminal.sn}/reactivations`, { body: { reason: 'risk_control', note: 'velocity' } });
    expect(opened.status).toBe(201);
    expect((await suspend(terminal.sn)).body.status).toBe('suspended');
    const resumed = await resume(terminal.sn);
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({
      status: 'reactivation_required', reactivation: { caseId: opened.body.id, reason: 'risk_control', policy: 'blocking' },
    });
    const timeline = await t.request('GET', `/v1/terminals/${terminal.sn}/timeline?limit=100`);
    expect(timeline.body.data.at(-1)).toMatchObject({
      from: 'suspended', to: 'reactivation_required', reason: 'cleared', details: { caseId: opened.body.id, caseReason: 'risk_control' },
    });

    expect((await suspend(terminal.sn)).body.status).toBe('suspended');
    expect((await t.request('POST', `/v1/reactivations/${opened.body.id}/cancel`, { body: { note: 'false positive' } })).status).toBe(200);
    expect((await resume(terminal.sn)).body).toMatchObject({ status: 'active', reactivation: null });
  });

  it('returns to active under a grace case, and to reactivation_required once its blocking start passed while suspended', async () => {
    const terminal = await activeTerminal();
    const grace = await t.request('POST', `/v1/terminals/${terminal.sn}/reactivations`, { body: { reason: 'security_verification', note: 'yearly' } });
    expect(grace.body.policy).toBe('grace');
    await suspend(terminal.sn);
    expect((await resume(terminal.sn)).body).toMatchObject({ status: 'active', reactivation: { caseId: grace.body.id, policy: 'grace' } });

    await suspend(terminal.sn);
    const before = t.ctx.clock.now();
    t.ctx.clock.set(new Date(Date.parse(grace.body.deadline) + 2 * 86_400_000));
    try {
      expect((await resume(terminal.sn)).body).toMatchObject({ status: 'reactivation_required', reactivation: { caseId: grace.body.id } });
    } finally {
      t.ctx.clock.set(before);
    }
  });
});
