// Proves when cases end without completing (case.state.ts): a case left blocked 30 days unfinished
// expires and its successor needs a new activation code (then the steps, then the code); disputed
// and code-needing cases never expire; cases of a retired terminal are cancelled — on the test clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/platform/api-keys.js';
import { canCaseTransition } from '../src/modules/reactivation/case.state.js';
import { openCaseSummary } from '../src/modules/reactivation/reactivation.hooks.js';
import { sweepBlocking, sweepExpiry, sweepRetiredTerminals } from '../src/modules/reactivation/reactivation.workers.js';
import { insertDeviceModel, insertMerchant, insertTerminal } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';
import { terminalRequest } from './terminal-client.js';

let t: TestApp;
let modelCode: string;
let merchantId: string;
let ownerKey: string;
const base = '2025-03-10T10:00:00+08:00';

beforeAll(async () => {
  t = await createTestApp();
  t.ctx.clock.set(new Date(base));
  modelCode = await insertDeviceModel(t.ctx, { minFirmware: '2.0.0', requiredSelfTests: ['network'] });
  merchantId = (await insertMerchant(t.ctx, { cityCode: '110100' })).id;
  ownerKey = (await createApiKey(t.ctx, { name: 'owner', role: 'merchant_owner', merchantId })).key;
});
afterAll(async () => { await t.close(); });

async function activeTerminal() {
  return insertTerminal(t.ctx, { modelCode, merchantId, status: 'active', firmwareVersion: '2.1.0' });
}
async function statusOf(id: string) {
  return (await t.ctx.db.selectFrom('terminals').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
}
const open = (sn: string, reason: string, deadline?: string) =>
  t.request('POST', `/v1/terminals/${sn}/reactivations`, { body: { reason, note: 'expiry test', ...(deadline ? { deadline } : {}) } });
const at = (iso: string) => t.ctx.clock.set(new Date(iso));

describe('case state machine', () => {
  it('allows only open → in_progress → completed | expired | cancelled', () => {
    expect(canCaseTransition('open', 'in_progress')).toBe(true);
    expect(canCaseTransition('in_progress', 'expired')).toBe(true);
    expect(canCaseTransition('in_progress', 'open')).toBe(false);
    for (const closed of ['completed', 'expired', 'cancelled'] as const) {
      for (const to of ['open', 'in_progress', 'completed', 'expired', 'cancelled'] as const) expect(canCaseTransition(closed, to)).toBe(false);
    }
  });
});

describe('expired', () => {
  it('a grace case blocked 30 days unfinished expires; its successor needs the steps, then a new code', async () => {
    const term = await activeTerminal();
    const grace = await open(term.sn, 'policy_change', '2025-03-12T06:00:00Z');
    expect(grace.body.blocksAt).toBe('2025-03-12T14:00:00.000Z');
    at('2025-03-12T22:00:00+08:00');
    expect(await sweepBlocking(t.ctx)).toBe(1);
    expect(await statusOf(term.id)).toBe('reactivation_required');
    at('2025-04-11T21:59:00+08:00'); // a minute short of 30 days blocked
    expect(await sweepExpiry(t.ctx)).toBe(0);
    at('2025-04-11T22:01:00+08:00');
    expect(await sweepExpiry(t.ctx)).toBe(1);
    expect(await sweepExpiry(t.ctx)).toBe(0);

    const expired = await t.request('GET', `/v1/reactivations/${grace.body.id}`, { key: ownerKey });
    expect(expired.body).toMatchObject({ status: 'expired', closedAt: expect.stringMatching(/^2025-04-11T14:01/) });
    expect(await statusOf(term.id)).toBe('reactivation_required');
    const summary = await openCaseSummary(t.ctx.db, term.id);
    expect(summary).toMatchObject({ reason: 'policy_change', policy: 'blocking', deadline: null });
    const successor = await t.request('GET', `/v1/reactivations/${summary!.caseId}`, { key: ownerKey });
    expect(successor.body).toMatchObject({
      reason: 'policy_change', policy: 'blocking', status: 'open', blocking: true, needsActivationCode: true,
      replacesCaseId: grace.body.id, evidence: { expiredCaseId: grace.body.id },
      steps: [{ kind: 'renew_documents', status: 'pending' }, { kind: 'enter_activation_code', status: 'pending' }],
    });
    const sale = await terminalRequest(t, { sn: term.sn, key: term.terminalKey! }, 'POST', '/terminal/v1/transactions',
      { idempotencyKey: `expired-${term.sn}`, method: 'wechat_qr', amount: 1000 });
    expect(sale.body).toMatchObject({ status: 'declined', declineCode: 'policy_change' });
    const actions = await t.ctx.db.selectFrom('audit_log').select('action').where('subject_id', '=', grace.body.id).execute();
    expect(actions.map((a) => a.action)).toContain('reactivation.expired');

    // The steps first, then the code; the successor itself never expires.
    const early = await t.request('POST', `/v1/terminals/${term.sn}/activation-codes`, { key: ownerKey, body: { channel: 'portal' } });
    expect(early.body.error).toMatchObject({ code: 'reactivation_steps_pending', details: { pendingSteps: ['renew_documents'] } });
    const renewed = await t.request('POST', `/v1/reactivations/${summary!.caseId}/steps/renew_documents/complete`, { key: ownerKey, body: {} });
    expect(renewed.body.status).toBe('in_progress');
    at('2025-06-30T22:00:00+08:00');
    expect(await sweepExpiry(t.ctx)).toBe(0);
    const issued = await t.request('POST', `/v1/terminals/${term.sn}/activation-codes`, { key: ownerKey, body: { channel: 'portal' } });
    expect(issued.status).toBe(201);
    const activated = await terminalRequest(t, { sn: term.sn, key: term.terminalKey! }, 'POST', '/terminal/v1/activate', { activationCode: issued.body.code });
    expect(activated.body.status).toBe('self_test');
    expect((await t.request('GET', `/v1/reactivations/${summary!.caseId}`)).body.status).toBe('completed');
    at(base);
  });

  it('a disputed case (paused, its disputed time not counted) and a case that already needs a code never expire', async () => {
    const disputed = await activeTerminal();
    const account = await open(disputed.sn, 'account_change');
    expect(account.body).toMatchObject({ policy: 'blocking', blocking: true });
    const report = await t.request('POST', '/v1/scam-reports', { key: ownerKey, body: { caseId: account.body.id } });
    expect(report.body.casePaused).toBe(true);
    const risk = await activeTerminal();
    const riskCase = await open(risk.sn, 'risk_control');
    at('2025-05-20T22:00:00+08:00');
    expect(await sweepExpiry(t.ctx)).toBe(0);
    expect((await t.request('GET', `/v1/reactivations/${account.body.id}`)).body.status).toBe('open');
    expect((await t.request('GET', `/v1/reactivations/${riskCase.body.id}`)).body.status).toBe('open');
    // Resolved as genuine: the time it spent disputed does not count, so the block has 30 days
    // from the resolution (it was disputed right after it blocked).
    expect((await t.request('POST', `/v1/reactivations/${account.body.id}/dispute/resolve`, { body: { decision: 'genuine' } })).status).toBe(200);
    expect(await sweepExpiry(t.ctx)).toBe(0);
    at('2025-06-19T21:00:00+08:00'); // 29 days 23 hours after the resolution
    expect(await sweepExpiry(t.ctx)).toBe(0);
    at('2025-06-19T22:05:00+08:00');
    expect(await sweepExpiry(t.ctx)).toBe(1);
    expect((await t.request('GET', `/v1/reactivations/${account.body.id}`)).body.status).toBe('expired');
    expect(await openCaseSummary(t.ctx.db, disputed.id)).toMatchObject({ reason: 'account_change', policy: 'blocking' });
    at(base);
  });
});

describe('cancelled', () => {
  it('the open case of a retired terminal is cancelled; the terminal stays retired', async () => {
    const term = await activeTerminal();
    const grace = await open(term.sn, 'security_verification');
    const kept = await activeTerminal();
    const keptCase = await open(kept.sn, 'security_verification');
    expect((await t.request('POST', `/v1/terminals/${term.sn}/retire`, { body: { reason: 'broken screen' } })).status).toBe(200);
    expect(await sweepRetiredTerminals(t.ctx)).toBe(1);
    expect(await sweepRetiredTerminals(t.ctx)).toBe(0);
    const view = await t.request('GET', `/v1/reactivations/${grace.body.id}`);
    expect(view.body).toMatchObject({ status: 'cancelled', closedAt: expect.any(String) });
    expect(await statusOf(term.id)).toBe('retired');
    expect((await t.request('GET', `/v1/reactivations/${keptCase.body.id}`)).body.status).toBe('open');
    const events = await t.ctx.db.selectFrom('terminal_events').select(['kind', 'details']).where('terminal_id', '=', term.id)
      .where('kind', '=', 'reactivation_cancelled').execute();
    expect(events).toHaveLength(1);
  });
});
