// Proves each risk rule through the terminal protocol and the API with the test clock: one case
// that triggers it and one just below its threshold (velocity by count and by amount, large amount
// after activation, round amounts, declines burst, night activity, location from hello and from a
// sale); operator review; and a risk_control hit that locks the terminal with the reason shown to
// the merchant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/platform/api-keys.js';
import { evaluateTransactionStream } from '../src/modules/risk/risk.service.js';
import { insertDeviceModel, insertMerchant, insertTerminal, type InsertedTerminal } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';
import { terminalRequest } from './terminal-client.js';

let t: TestApp;
let model: string;
let merchantId: string;
const rules: Record<string, string> = {};
let keyCounter = 0;

async function setClock(iso: string): Promise<void> {
  expect((await t.request('POST', '/v1/test-clock', { body: { now: iso } })).status).toBe(200);
}

async function terminal(owner = merchantId): Promise<InsertedTerminal> {
  return insertTerminal(t.ctx, { modelCode: model, merchantId: owner, status: 'active' });
}

async function sale(pos: InsertedTerminal, amount: number, extra: Record<string, unknown> = {}) {
  const res = await terminalRequest(t, { sn: pos.sn, key: pos.terminalKey! }, 'POST', '/terminal/v1/transactions',
    { idempotencyKey: `rr-${++keyCounter}`, method: 'wechat_qr', amount, ...extra });
  expect(res.status).toBe(201);
  return res.body as { id: string; status: string; declineCode?: string };
}

/** Runs the asynchronous pass until the queue is empty, then lists the rule's hits on the terminal. */
async function hitsOf(rule: string, pos: InsertedTerminal) {
  while (await evaluateTransactionStream(t.ctx) > 0) { /* drain */ }
  const res = await t.request('GET', `/v1/risk/hits?ruleId=${rules[rule]}&terminalSn=${pos.sn}`);
  expect(res.status).toBe(200);
  return res.body.data as { id: string; status: string; evidence: Record<string, any>; caseId: string | null }[];
}

async function createRule(name: string, kind: string, params: Record<string, unknown>, action = 'flag'): Promise<void> {
  const res = await t.request('POST', '/v1/risk/rules', { body: { kind, name, action, params } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  rules[name] = res.body.id;
}

beforeAll(async () => {
  t = await createTestApp({ config: { enableTestClock: true } });
  await setClock('2030-05-06T02:00:00Z'); // 10:00 in Shanghai, a weekday morning
  model = await insertDeviceModel(t.ctx);
  merchantId = (await insertMerchant(t.ctx, { mcc: '5812', cityCode: '110100' })).id;
  await createRule('velocityCount', 'velocity', { windowMinutes: 10, maxCount: 3 });
  await createRule('velocityAmount', 'velocity', { windowMinutes: 10, maxAmountFen: 100_000 });
  await createRule('large', 'large_after_activation', { amountFen: 1_000_000, days: 7 });
  await createRule('round', 'round_amounts', { count: 3, multipleFen: 100_000 });
  await createRule('declines', 'declines_burst', { count: 3, windowMinutes: 10 });
  await createRule('night', 'night_activity', { startMinute: 0, endMinute: 300, mccs: ['5411'] });
  await createRule('location', 'location_mismatch', {});
});
afterAll(async () => { await t.close(); });

describe('velocity per terminal', () => {
  it('by count: four sales in ten minutes hit a limit of three; three do not', async () => {
    const over = await terminal();
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await sale(over, 101)).id);
    const hits = await hitsOf('velocityCount', over);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.evidence).toMatchObject({ count: 4, windowMinutes: 10 });
    expect([...hits[0]!.evidence.transactionIds].sort()).toEqual([...ids].sort());
    const at = await terminal();
    for (let i = 0; i < 3; i++) await sale(at, 101);
    expect(await hitsOf('velocityCount', at)).toEqual([]);
  });

  it('by amount: ¥1,000.01 in ten minutes hits a limit of ¥1,000; exactly ¥1,000 does not', async () => {
    const over = await terminal();
    await sale(over, 60_000);
    await sale(over, 40_001);
    const hits = await hitsOf('velocityAmount', over);
    expect(hits.map((h) => h.evidence.totalFen)).toEqual([100_001]);
    const at = await terminal();
    await sale(at, 60_000);
    await sale(at, 40_000);
    expect(await hitsOf('velocityAmount', at)).toEqual([]);
  });
});

describe('large amount soon after activation', () => {
  it('hits ¥10,000 six days after activation, not ¥9,999.99, nor ¥10,000 after seven days', async () => {
    await setClock('2030-05-10T02:00:00Z');
    const big = await terminal();
    const small = await terminal();
    const late = await terminal();
    await setClock('2030-05-16T01:00:00Z');
    const hitSale = await sale(big, 1_000_000);
    await sale(small, 999_999);
    const hits = await hitsOf('large', big);
    expect(hits.map((h) => h.evidence.transactionIds)).toEqual([[hitSale.id]]);
    expect(await hitsOf('large', small)).toEqual([]);
    await setClock('2030-05-17T02:01:00Z');
    await sale(late, 1_000_000);
    expect(await hitsOf('large', late)).toEqual([]);
  });
});

describe('round amounts (cash-out pattern)', () => {
  it('hits three multiples of ¥1,000 in a day; two and a near-round one do not', async () => {
    await setClock('2030-05-20T02:00:00Z');
    const over = await terminal();
    for (let i = 0; i < 3; i++) await sale(over, 100_000);
    expect((await hitsOf('round', over)).map((h) => h.evidence.count)).toEqual([3]);
    const at = await terminal();
    await sale(at, 100_000);
    await sale(at, 200_000);
    await sale(at, 100_001);
    expect(await hitsOf('round', at)).toEqual([]);
  });
});

describe('declines burst (card testing)', () => {
  it('hits three declines in ten minutes; two declines and an approval do not', async () => {
    const over = await terminal();
    for (let i = 0; i < 3; i++) expect((await sale(over, 151)).declineCode).toBe('insufficient_funds'); // sandbox: fen ending 51
    expect((await hitsOf('declines', over)).map((h) => h.evidence.count)).toEqual([3]);
    const at = await terminal();
    await sale(at, 151);
    await sale(at, 151);
    expect((await sale(at, 150)).status).toBe('approved');
    expect(await hitsOf('declines', at)).toEqual([]);
  });
});

describe('night-time activity for a day-time MCC', () => {
  it('hits a grocery sale at 01:30 Shanghai time; not at 05:00, nor a restaurant at night', async () => {
    const grocer = (await insertMerchant(t.ctx, { mcc: '5411', cityCode: '110100' })).id;
    const night = await terminal(grocer);
    const morning = await terminal(grocer);
    const restaurant = await terminal();
    await setClock('2030-05-21T17:30:00Z'); // 01:30 on 22 May in Shanghai
    const nightSale = await sale(night, 2_000);
    await sale(restaurant, 2_000);
    await setClock('2030-05-21T21:00:00Z'); // 05:00: the window [00:00, 05:00) has ended
    await sale(morning, 2_000);
    expect((await hitsOf('night', night)).map((h) => h.evidence)).toEqual([{ transactionIds: [nightSale.id], mcc: '5411' }]);
    expect(await hitsOf('night', morning)).toEqual([]);
    expect(await hitsOf('night', restaurant)).toEqual([]);
  });
});

describe('location outside the registered city', () => {
  it('from hello: records the hit at once beside the relocation case; the registered city does not', async () => {
    await setClock('2030-05-22T02:00:00Z');
    const moved = await terminal();
    const hello = await terminalRequest(t, { sn: moved.sn, key: moved.terminalKey! }, 'POST', '/terminal/v1/hello',
      { firmwareVersion: '2.0.0', location: { cityCode: '310100' } });
    expect(hello.body).toMatchObject({ status: 'reactivation_required', reason: 'relocation' });
    const hits = (await t.request('GET', `/v1/risk/hits?ruleId=${rules.location}&terminalSn=${moved.sn}`)).body.data;
    expect(hits).toHaveLength(1);
    expect(hits[0].evidence).toMatchObject({ heartbeat: { sn: moved.sn, cityCode: '310100' }, registeredCityCode: '110100' });
    const home = await terminal();
    const stay = await terminalRequest(t, { sn: home.sn, key: home.terminalKey! }, 'POST', '/terminal/v1/hello',
      { firmwareVersion: '2.0.0', location: { cityCode: '110100' } });
    expect(stay.body).toMatchObject({ status: 'active', reason: null });
    expect((await t.request('GET', `/v1/risk/hits?ruleId=${rules.location}&terminalSn=${home.sn}`)).body.data).toEqual([]);
  });

  it('from a sale: a sale reported in another city hits; one in the registered city or without a location does not', async () => {
    const away = await terminal();
    const awaySale = await sale(away, 3_000, { location: { cityCode: '440100', lat: 23.13, lng: 113.26 } });
    expect(awaySale.status).toBe('approved');
    const hits = await hitsOf('location', away);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.evidence).toMatchObject({ transaction: { id: awaySale.id, cityCode: '440100' }, registeredCityCode: '110100' });
    const home = await terminal();
    await sale(home, 3_000, { location: { cityCode: '110100' } });
    await sale(home, 3_000);
    expect(await hitsOf('location', home)).toEqual([]);
  });
});

describe('review and risk_control', () => {
  it('approves a hit with openCase (a risk_control case), dismisses another; a second review is 409', async () => {
    const pos = await terminal();
    for (let i = 0; i < 4; i++) await sale(pos, 101);
    const [hit] = await hitsOf('velocityCount', pos);
    expect(hit!.status).toBe('open');
    const approved = await t.request('POST', `/v1/risk/hits/${hit!.id}/review`, { body: { decision: 'approve', note: 'confirmed', openCase: true } });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'actioned', caseId: expect.stringMatching(/^rea_/) });
    expect((await t.request('GET', `/v1/terminals/${pos.sn}`)).body.reactivation).toMatchObject({ caseId: approved.body.caseId, reason: 'risk_control', policy: 'blocking' });
    const again = await t.request('POST', `/v1/risk/hits/${hit!.id}/review`, { body: { decision: 'dismiss' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('invalid_state');

    const other = await terminal();
    await sale(other, 60_000);
    await sale(other, 40_001);
    const [flagged] = await hitsOf('velocityAmount', other);
    const dismissed = await t.request('POST', `/v1/risk/hits/${flagged!.id}/review`, { body: { decision: 'dismiss', note: 'a wedding banquet' } });
    expect(dismissed.body).toMatchObject({ status: 'dismissed', reviewNote: 'a wedding banquet', caseId: null });
    expect((await t.request('GET', `/v1/terminals/${other.sn}`)).body.status).toBe('active');
    expect((await t.request('POST', `/v1/risk/hits/${flagged!.id}/review`, { body: { decision: 'approve' } })).status).toBe(409);
  });

  it('a risk_control hit locks the terminal and its merchant sees why on the terminal, the case and the device', async () => {
    expect((await t.request('PATCH', `/v1/risk/rules/${rules.round}`, { body: { action: 'open_risk_case' } })).body.version).toBe(2);
    const owner = await createApiKey(t.ctx, { name: 'owner', role: 'merchant_owner', merchantId });
    const pos = await terminal();
    for (let i = 0; i < 3; i++) await sale(pos, 100_000);
    const [hit] = await hitsOf('round', pos);
    expect(hit).toMatchObject({ status: 'actioned', caseId: expect.stringMatching(/^rea_/) });
    const view = await t.request('GET', `/v1/terminals/${pos.sn}`, { key: owner.key });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ status: 'reactivation_required', reactivation: { caseId: hit!.caseId, reason: 'risk_control', policy: 'blocking' } });
    const kase = await t.request('GET', `/v1/reactivations/${hit!.caseId}`, { key: owner.key });
    expect(kase.status).toBe(200);
    expect(kase.body).toMatchObject({ reason: 'risk_control', blocking: true, evidence: { summary: expect.stringContaining('round-amount transactions') } });
    expect(kase.body.message.zh.length).toBeGreaterThan(0);
    expect(kase.body.internalEvidence).toBeUndefined();
    const blocked = await sale(pos, 1_000);
    expect(blocked).toMatchObject({ status: 'declined', declineCode: 'risk_control' });
    const hello = await terminalRequest(t, { sn: pos.sn, key: pos.terminalKey! }, 'POST', '/terminal/v1/hello', { firmwareVersion: '2.0.0' });
    expect(hello.body).toMatchObject({ status: 'reactivation_required', reason: 'risk_control', caseId: hit!.caseId });
  });
});
