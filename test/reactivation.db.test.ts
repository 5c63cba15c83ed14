// Proves re-activation (SPEC §7, Appendix B): case creation and conflicts, grace vs blocking, the
// quiet-window rule, each trigger, completion with key rotation, warnings, and what the merchant sees
// (reason, visible evidence, steps, deadline; never internal evidence) — on the test clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../src/platform/actor.js';
import { createApiKey } from '../src/platform/api-keys.js';
import { unwrapTerminalKey } from '../src/platform/crypto/terminal-keys.js';
import { gateTransaction, onHello, onSettlementAccountChanged, onTerminalReactivated, openCaseSummary } from '../src/modules/reactivation/reactivation.hooks.js';
import { smsCodeSource } from '../src/modules/reactivation/reactivation.service.js';
import { sendWarnings, sweepBlocking, sweepExpiredDocuments, sweepSecurityVerification } from '../src/modules/reactivation/reactivation.workers.js';
import { openCase } from '../src/modules/reactivation/reactivation.hooks.js';
import { createTestApp, createTestContext, type TestApp } from './harness.js';
import { insertDeviceModel, insertMerchant, insertTerminal } from './fixtures.js';
import { terminalRequest } from './terminal-client.js';

let t: TestApp;
let modelCode: string;
let merchantId: string;

beforeAll(async () => {
  t = await createTestApp();
  t.ctx.clock.set(new Date('2025-03-10T10:00:00+08:00'));
  modelCode = await insertDeviceModel(t.ctx, { minFirmware: '2.0.0' });
  merchantId = (await insertMerchant(t.ctx, { cityCode: '110100' })).id;
});
afterAll(async () => { await t.close(); });

async function activeTerminal(firmwareVersion = '2.1.0') {
  return insertTerminal(t.ctx, { modelCode, merchantId, status: 'active', firmwareVersion });
}
async function terminalRow(id: string) {
  return t.ctx.db.selectFrom('terminals').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}
const hello = (id: string, report: Partial<{ firmwareVersion: string; cityCode: string }> = {}) =>
  t.ctx.db.transaction().execute(async (trx) => onHello(t.ctx, trx, await trx.selectFrom('terminals').selectAll()
    .where('id', '=', id).executeTakeFirstOrThrow(), { firmwareVersion: report.firmwareVersion ?? null, cityCode: report.cityCode ?? null, lat: null, lng: null }));
const gate = (id: string) => t.ctx.db.transaction().execute(async (trx) => gateTransaction(t.ctx, trx, await trx.selectFrom('terminals').selectAll()
  .where('id', '=', id).executeTakeFirstOrThrow()));

describe('POST /v1/terminals/{sn}/reactivations', () => {
  it('opens a grace case that leaves the terminal active', async () => {
    const term = await activeTerminal();
    const res = await t.request('POST', `/v1/terminals/${term.sn}/reactivations`, { body: { reason: 'security_verification', note: 'check' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ reason: 'security_verification', policy: 'grace', status: 'open',
      deadline: expect.stringMatching(/^2025-03-17T02:00/), steps: [{ kind: 'confirm_identity_sms', status: 'pending' }, { kind: 'confirm_transaction_password', status: 'pending' }] });
    expect(res.body.id).toMatch(/^rea_/);
    expect((await terminalRow(term.id)).status).toBe('active');
    expect(await openCaseSummary(t.ctx.db, term.id)).toEqual({ caseId: res.body.id, reason: 'security_verification', policy: 'grace', deadline: expect.stringMatching(/^2025-03-17T02:00/) });
    expect(await gate(term.id)).toEqual({ allowed: true, declineCode: null, caseId: null });
  });

  it('refuses unknown and first-activation reasons, listing the valid ones', async () => {
    const term = await activeTerminal();
    for (const reason of ['bogus', 'new_device', 'device_replacement']) {
      const res = await t.request('POST', `/v1/terminals/${term.sn}/reactivations`, { body: { reason, note: 'x' } });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('reactivation_reason_invalid');
      expect(res.body.error.details.validReasons).toEqual(['system_upgrade', 'security_verification', 'risk_control', 'policy_change',
        'kyc_expired', 'relocation', 'dormant', 'account_change']);
    }
  });

  it('409s a second case of equal or weaker policy; a blocking case supersedes grace', async () => {
    const term = await activeTerminal();
    const grace = await t.request('POST', `/v1/terminals/${term.sn}/reactivations`, { body: { reason: 'policy_change', note: 'a' } });
    expect(grace.body.deadline).toMatch(/^2025-03-24T02:00/);
    const again = await t.request('POST', `/v1/terminals/${term.sn}/reactivations`, { body: { reason: 'system_upgrade', note: 'b' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('reactivation_case_exists');
    const blocking = await t.request('POST', `/v1/terminals/${term.sn}/reactivations`, { body: { reason: 'risk_control', note: 'c' } });
    expect(blocking.status).toBe(201);
    expect(blocking.body).toMatchObject({ policy: 'blocking', deadline: null, status: 'open', replacesCaseId: grace.body.id });
    expect((await t.request('GET', `/v1/reactivations/${grace.body.id}`)).body.status).toBe('cancelled');
    expect((await terminalRow(term.id)).status).toBe('reactivation_required');
    expect(await gate(term.id)).toEqual({ allowed: false, declineCode: 'risk_control', caseId: blocking.body.id });
    const third = await t.request('POST', `/v1/terminals/${term.sn}/reactivations`, { body: { reason: 'relocation', note: 'd' } });
    expect(third.status).toBe(409);
    const outcome = await hello(term.id);
    expect(outcome).toMatchObject({ status: 'reactivation_required', reason: 'risk_control', caseId: blocking.body.id, policy: 'blocking' });
    expect(outcome?.message?.en).toContain('risk control');
  });

  it('completing a step of a closed case → 409', async () => {
    const term = await activeTerminal();
    const open = await t.request('POST', `/v1/terminals/${term.sn}/reactivations`, { body: { reason: 'security_verification', note: 'x' } });
    expect((await t.request('POST', `/v1/reactivations/${open.body.id}/cancel`, { body: {} })).status).toBe(200);
    const res = await t.request('POST', `/v1/reactivations/${open.body.id}/steps/confirm_transaction_password/complete`, { body: { transactionPassword: '123456' } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('reactivation_case_closed');
  });

  it('a closed case answers 409 even to a wrong transaction password, spending no lockout attempt', async () => {
    const term = await activeTerminal();
    const open = await t.request('POST', `/v1/terminals/${term.sn}/reactivations`, { body: { reason: 'security_verification', note: 'x' } });
    expect((await t.request('POST', `/v1/reactivations/${open.body.id}/cancel`, { body: {} })).status).toBe(200);
    for (let i = 0; i < 6; i++) {
      const res = await t.request('POST', `/v1/reactivations/${open.body.id}/steps/confirm_transaction_password/complete`, { body: { transactionPassword: '999999' } });
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'reactivation_case_closed', details: { caseId: open.body.id, status: 'cancelled' } });
    }
    const unknown = await t.request('POST', `/v1/reactivations/${open.body.id}/steps/call_hotline/complete`, { body: { transactionPassword: '999999' } });
    expect(unknown.status).toBe(409);
    const supervisor = await t.ctx.db.selectFrom('terminal_supervisors').select(['failed_attempts', 'locked_until'])
      .where('terminal_id', '=', term.id).executeTakeFirst();
    expect(supervisor ?? null).toBeNull();
    // An open case without that step: 404 before any password check.
    const other = await t.request('POST', `/v1/terminals/${term.sn}/reactivations`, { body: { reason: 'policy_change', note: 'y' } });
    const missing = await t.request('POST', `/v1/reactivations/${other.body.id}/steps/confirm_transaction_password/complete`, { body: { transactionPassword: '999999' } });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('reactivation_step_not_found');
    expect(await t.ctx.db.selectFrom('terminal_supervisors').select('failed_attempts').where('terminal_id', '=', term.id).executeTakeFirst()).toBeUndefined();
  });
});

describe('quiet windows', () => {
  it('a grace deadline at 14:00 blocks at 22:00, not before', async () => {
    const term = await activeTerminal();
    const res = await t.request('POST', `/v1/terminals/${term.sn}/reactivations`, {
      body: { reason: 'policy_change', note: 'x', deadline: '2025-03-12T06:00:00Z' } });
    expect(res.body.blocksAt).toBe('2025-03-12T14:00:00.000Z');
    t.ctx.clock.set(new Date('2025-03-12T15:00:00+08:00'));
    expect(await sweepBlocking(t.ctx)).toBe(0);
    expect(await gate(term.id)).toMatchObject({ allowed: true });
    expect((await hello(term.id))).toMatchObject({ status: 'active', reason: 'policy_change', policy: 'grace' });
    t.ctx.clock.set(new Date('2025-03-12T22:00:00+08:00'));
    expect(await gate(term.id)).toEqual({ allowed: false, declineCode: 'policy_change', caseId: res.body.id });
    expect((await terminalRow(term.id)).status).toBe('reactivation_required');
    t.ctx.clock.set(new Date('2025-03-10T10:00:00+08:00'));
  });

  it('the sweep applies the block between transactions', async () => {
    const term = await activeTerminal();
    await t.request('POST', `/v1/terminals/${term.sn}/reactivations`, { body: { reason: 'policy_change', note: 'x', deadline: '2025-03-12T06:00:00Z' } });
    t.ctx.clock.set(new Date('2025-03-12T22:30:00+08:00'));
    expect(await sweepBlocking(t.ctx)).toBeGreaterThanOrEqual(1);
    expect((await terminalRow(term.id)).status).toBe('reactivation_required');
    t.ctx.clock.set(new Date('2025-03-10T10:00:00+08:00'));
  });

  it('schedules the effect only inside a quiet window within the grace period', async () => {
    const term = await activeTerminal();
    const open = await t.request('POST', `/v1/terminals/${term.sn}/reactivations`, { body: { reason: 'security_verification', note: 'x' } });
    const bad = await t.request('POST', `/v1/reactivations/${open.body.id}/schedule`, { body: { effectiveAt: '2025-03-11T06:00:00Z' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('reactivation_schedule_invalid');
    const late = await t.request('POST', `/v1/reactivations/${open.body.id}/schedule`, { body: { effectiveAt: '2025-04-11T15:00:00Z' } });
    expect(late.status).toBe(400);
    const ok = await t.request('POST', `/v1/reactivations/${open.body.id}/schedule`, { body: { effectiveAt: '2025-03-11T15:00:00Z' } });
    expect(ok.status).toBe(200);
    expect(ok.body.effectiveAt).toBe('2025-03-11T15:00:00.000Z');
  });
});

describe('completion and key rotation', () => {
  it('SMS code + transaction password complete the case; the key rotates on the next hello', async () => {
    const term = await activeTerminal();
    const open = await t.request('POST', `/v1/terminals/${term.sn}/reactivations`, { body: { reason: 'account_change', note: 'x' } });
    expect((await terminalRow(term.id)).status).toBe('reactivation_required');
    const codes = ['111111'];
    const original = smsCodeSource.next;
    smsCodeSource.next = () => codes.shift() ?? '000000';
    try {
      const sent = await t.request('POST', `/v1/reactivations/${open.body.id}/steps/confirm_identity_sms/send-code`);
      expect(sent.status, sent.text).toBe(200);
    } finally { smsCodeSource.next = original; }
    const wrong = await t.request('POST', `/v1/reactivations/${open.body.id}/steps/confirm_identity_sms/complete`, { body: { code: '222222' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({ code: 'verification_code_invalid', details: { attemptsRemaining: 4 } });
    const right = await t.request('POST', `/v1/reactivations/${open.body.id}/steps/confirm_identity_sms/complete`, { body: { code: '111111' } });
    expect(right.status).toBe(200);
    expect(right.body.status).toBe('in_progress');
    // The password step checks the terminal's supervisor password held by the platform.
    expect((await t.request('PUT', `/v1/terminals/${term.sn}/supervisor-password`, { body: { password: '654321' } })).status).toBe(200);
    const badPassword = await t.request('POST', `/v1/reactivations/${open.body.id}/steps/confirm_transaction_password/complete`, { body: { transactionPassword: '123456' } });
    expect(badPassword.status).toBe(403);
    expect(badPassword.body.error).toMatchObject({ code: 'supervisor_password_invalid', details: { attemptsRemaining: 4 } });
    const done = await t.request('POST', `/v1/reactivations/${open.body.id}/steps/confirm_transaction_password/complete`, { body: { transactionPassword: '654321' } });
    expect(done.body.status).toBe('completed');
    const row = await terminalRow(term.id);
    expect(row.status).toBe('active');
    expect(await openCaseSummary(t.ctx.db, term.id)).toBeNull();
    const outcome = await hello(term.id);
    expect(outcome?.terminalKey).not.toBeNull();
    const newKey = unwrapTerminalKey(term.factoryKey, term.sn, outcome!.terminalKey!);
    const after = await terminalRow(term.id);
    expect(after.key_version).toBe(row.key_version + 1);
    expect(t.ctx.cipher.open('terminals.terminal_key', after.terminal_key_enc!)).toBe(newKey.toString('hex'));
    expect(after.previous_terminal_key_enc).toBe(row.terminal_key_enc);
    expect((await hello(term.id))?.terminalKey).toBeNull();
  });

  it('a reason that needs a code completes when the terminal is activated again, after its other steps', async () => {
    const term = await activeTerminal();
    const open = await t.request('POST', `/v1/terminals/${term.sn}/reactivations`, { body: { reason: 'relocation', note: 'x' } });
    expect(open.body.steps.map((s: { kind: string }) => s.kind)).toEqual(['confirm_identity_sms', 'call_hotline', 'enter_activation_code']);
    const manual = await t.request('POST', `/v1/reactivations/${open.body.id}/steps/enter_activation_code/complete`, { body: {} });
    expect(manual.body.error.code).toBe('reactivation_step_incomplete');
    await expect(t.ctx.db.transaction().execute((trx) => onTerminalReactivated(t.ctx, trx, term.id)))
      .rejects.toMatchObject({ code: 'reactivation_steps_pending', details: { pendingSteps: ['confirm_identity_sms', 'call_hotline'] } });
    const original = smsCodeSource.next;
    smsCodeSource.next = () => '314159';
    try {
      expect((await t.request('POST', `/v1/reactivations/${open.body.id}/steps/confirm_identity_sms/send-code`)).status).toBe(200);
    } finally { smsCodeSource.next = original; }
    expect((await t.request('POST', `/v1/reactivations/${open.body.id}/steps/confirm_identity_sms/complete`, { body: { code: '314159' } })).status).toBe(200);
    expect((await t.request('POST', `/v1/reactivations/${open.body.id}/steps/call_hotline/complete`, { body: {} })).body.status).toBe('in_progress');
    await t.ctx.db.transaction().execute((trx) => onTerminalReactivated(t.ctx, trx, term.id));
    const done = await t.request('GET', `/v1/reactivations/${open.body.id}`);
    expect(done.body.status).toBe('completed');
    expect(done.body.steps.map((s: { status: string }) => s.status)).toEqual(['completed', 'completed', 'completed']);
  });
});

describe('triggers', () => {
  it('system_upgrade on hello below the model minimum, completed when the terminal reports it', async () => {
    const term = await activeTerminal('1.9.9');
    const outcome = await hello(term.id, { firmwareVersion: '1.9.9' });
    expect(outcome).toMatchObject({ status: 'active', reason: 'system_upgrade', policy: 'grace', deadline: expect.stringMatching(/^2025-03-17T02:00/) });
    await t.ctx.db.updateTable('terminals').set({ firmware_version: '2.0.1' }).where('id', '=', term.id).execute();
    const after = await hello(term.id, { firmwareVersion: '2.0.1' });
    expect(after).toMatchObject({ status: 'active', reason: null });
    expect(after?.terminalKey).not.toBeNull();
  });

  it('relocation blocks now when hello reports another city', async () => {
    const term = await activeTerminal();
    const outcome = await hello(term.id, { cityCode: '310100' });
    expect(outcome).toMatchObject({ status: 'reactivation_required', reason: 'relocation', policy: 'blocking' });
    expect(await gate(term.id)).toMatchObject({ allowed: false, declineCode: 'relocation' });
  });

  it('dormant after 180 days without a transaction, at the next use', async () => {
    const term = await activeTerminal();
    await t.ctx.db.updateTable('terminals').set({ last_transaction_at: new Date('2024-09-10T00:00:00Z') }).where('id', '=', term.id).execute();
    const result = await gate(term.id);
    expect(result).toMatchObject({ allowed: false, declineCode: 'dormant' });
    expect((await terminalRow(term.id)).status).toBe('reactivation_required');
    const fresh = await activeTerminal();
    await t.ctx.db.updateTable('terminals').set({ last_transaction_at: new Date('2024-09-20T00:00:00Z') }).where('id', '=', fresh.id).execute();
    expect(await gate(fresh.id)).toMatchObject({ allowed: true });
  });

  it('a dormant terminal sells again once its case completes; dormancy then counts from the completion', async () => {
    const term = await activeTerminal();
    await t.ctx.db.updateTable('terminals').set({ last_transaction_at: new Date('2024-09-10T00:00:00Z') }).where('id', '=', term.id).execute();
    let n = 0;
    const sale = async () => (await terminalRequest(t, { sn: term.sn, key: term.terminalKey! }, 'POST', '/terminal/v1/transactions',
      { idempotencyKey: `dormant-${term.sn}-${n++}`, method: 'wechat_qr', amount: 1000 })).body;
    expect(await sale()).toMatchObject({ status: 'declined', declineCode: 'dormant' });
    const summary = await openCaseSummary(t.ctx.db, term.id);
    expect(summary).toMatchObject({ reason: 'dormant', policy: 'blocking', deadline: null });
    const original = smsCodeSource.next;
    smsCodeSource.next = () => '271828';
    try {
      expect((await t.request('POST', `/v1/reactivations/${summary!.caseId}/steps/confirm_identity_sms/send-code`)).status).toBe(200);
    } finally { smsCodeSource.next = original; }
    const done = await t.request('POST', `/v1/reactivations/${summary!.caseId}/steps/confirm_identity_sms/complete`, { body: { code: '271828' } });
    expect(done.body).toMatchObject({ status: 'completed', closedAt: expect.stringMatching(/^2025-03-10T02:00/) });
    expect((await terminalRow(term.id)).status).toBe('active');
    // 179 days after the completion, with no sale since 2024-09-10: still not dormant.
    t.ctx.clock.set(new Date('2025-09-05T10:00:00+08:00'));
    expect(await sale()).toMatchObject({ status: 'approved' });
    expect(await openCaseSummary(t.ctx.db, term.id)).toBeNull();
    // 181 days after that sale: dormant again, a new case.
    t.ctx.clock.set(new Date('2026-03-05T10:00:00+08:00'));
    expect(await sale()).toMatchObject({ status: 'declined', declineCode: 'dormant' });
    expect((await openCaseSummary(t.ctx.db, term.id))?.caseId).not.toBe(summary!.caseId);
    t.ctx.clock.set(new Date('2025-03-10T10:00:00+08:00'));
  });

  it('account_change blocks every activated terminal of the merchant', async () => {
    const other = (await insertMerchant(t.ctx)).id;
    const a = await insertTerminal(t.ctx, { modelCode, merchantId: other, status: 'active' });
    const b = await insertTerminal(t.ctx, { modelCode, merchantId: other, status: 'active' });
    const opened = await t.ctx.db.transaction().execute((trx) => onSettlementAccountChanged(t.ctx, trx, other));
    expect(opened).toHaveLength(2);
    expect((await terminalRow(a.id)).status).toBe('reactivation_required');
    expect(await gate(b.id)).toMatchObject({ allowed: false, declineCode: 'account_change' });
  });

  it('risk_control through openCase with evidence kept apart', async () => {
    const term = await activeTerminal();
    const row = await t.ctx.db.transaction().execute((trx) => openCase(t.ctx, trx, { sn: term.sn, reason: 'risk_control', actor: systemActor,
      note: 'velocity', evidence: { merchantVisible: { rule: 'velocity' }, internal: { score: 97 } } }));
    const merchantView = await t.request('GET', `/v1/reactivations/${row.id}`);
    expect(merchantView.body.evidence).toEqual({ rule: 'velocity' });
    expect(merchantView.body.internalEvidence).toEqual({ score: 97 });
  });

  it('kyc_expired from an expired ID, grace until expiry + 30 days', async () => {
    const m = (await insertMerchant(t.ctx)).id;
    await t.ctx.db.updateTable('merchants').set({ id_expiry: '2025-03-01' }).where('id', '=', m).execute();
    const term = await insertTerminal(t.ctx, { modelCode, merchantId: m, status: 'active' });
    expect(await sweepExpiredDocuments(t.ctx)).toBeGreaterThanOrEqual(1);
    const summary = await openCaseSummary(t.ctx.db, term.id);
    expect(summary).toMatchObject({ reason: 'kyc_expired', policy: 'grace', deadline: '2025-03-31T16:00:00.000Z' });
    expect(await sweepExpiredDocuments(t.ctx)).toBe(0);
    const blocked = await t.request('POST', `/v1/reactivations/${summary!.caseId}/steps/renew_documents/complete`, { body: {} });
    expect(blocked.body.error.code).toBe('reactivation_step_incomplete');
    await t.ctx.db.updateTable('merchants').set({ id_expiry: '2045-03-01' }).where('id', '=', m).execute();
    const done = await t.request('POST', `/v1/reactivations/${summary!.caseId}/steps/renew_documents/complete`, { body: {} });
    expect(done.body.status).toBe('completed');
  });

  it('kyc_expired from an expired business licence (enterprise), grace until expiry + 30 days', async () => {
    const m = (await insertMerchant(t.ctx)).id;
    await t.ctx.db.updateTable('merchants').set({ type: 'enterprise', uscc: '91110000600037341L', license_name: '测试餐饮有限公司',
      license_expiry: '2025-02-20', id_expiry: '2040-01-01' }).where('id', '=', m).execute();
    const term = await insertTerminal(t.ctx, { modelCode, merchantId: m, status: 'active' });
    expect(await sweepExpiredDocuments(t.ctx)).toBe(1);
    const summary = await openCaseSummary(t.ctx.db, term.id);
    expect(summary).toMatchObject({ reason: 'kyc_expired', policy: 'grace', deadline: '2025-03-22T16:00:00.000Z' });
    const view = await t.request('GET', `/v1/reactivations/${summary!.caseId}`);
    expect(view.body).toMatchObject({ evidence: { document: 'license', expiry: '2025-02-20' }, steps: [{ kind: 'renew_documents', status: 'pending' }] });
    const still = await t.request('POST', `/v1/reactivations/${summary!.caseId}/steps/renew_documents/complete`, { body: {} });
    expect(still.status).toBe(409);
    expect(still.body.error).toMatchObject({ code: 'reactivation_step_incomplete', details: { step: 'renew_documents', expired: ['license'] } });
    await t.ctx.db.updateTable('merchants').set({ license_expiry: '2035-02-20' }).where('id', '=', m).execute();
    const done = await t.request('POST', `/v1/reactivations/${summary!.caseId}/steps/renew_documents/complete`, { body: {} });
    expect(done.body.status).toBe('completed');
  });

  it('security_verification follows JIHUO_SECURITY_VERIFICATION_MONTHS (config), not a constant', async () => {
    const sixMonths = await createTestContext({ securityVerificationMonths: 6 });
    try {
      const ctx = sixMonths.ctx;
      ctx.clock.set(new Date('2025-03-10T10:00:00+08:00'));
      const model = await insertDeviceModel(ctx);
      const m = (await insertMerchant(ctx)).id;
      const due = await insertTerminal(ctx, { modelCode: model, merchantId: m, status: 'active' });
      const young = await insertTerminal(ctx, { modelCode: model, merchantId: m, status: 'active' });
      await ctx.db.updateTable('terminals').set({ activated_at: new Date('2024-09-01T00:00:00Z') }).where('id', '=', due.id).execute();
      await ctx.db.updateTable('terminals').set({ activated_at: new Date('2024-10-01T00:00:00Z') }).where('id', '=', young.id).execute();
      expect(await sweepSecurityVerification(ctx)).toBe(1);
      expect(await openCaseSummary(ctx.db, due.id)).toMatchObject({ reason: 'security_verification', policy: 'grace' });
      expect(await openCaseSummary(ctx.db, young.id)).toBeNull();
    } finally { await sixMonths.close(); }
    // Under the default 12 months, a terminal activated 6 months ago is not due.
    const term = await activeTerminal();
    await t.ctx.db.updateTable('terminals').set({ activated_at: new Date('2024-09-01T00:00:00Z') }).where('id', '=', term.id).execute();
    await sweepSecurityVerification(t.ctx);
    expect(await openCaseSummary(t.ctx.db, term.id)).toBeNull();
  });

  it('security_verification every 12 months from activation', async () => {
    const term = await activeTerminal();
    await t.ctx.db.updateTable('terminals').set({ activated_at: new Date('2024-03-01T00:00:00Z'), last_transaction_at: new Date('2025-03-01T00:00:00Z') })
      .where('id', '=', term.id).execute();
    await sweepSecurityVerification(t.ctx);
    expect(await openCaseSummary(t.ctx.db, term.id)).toMatchObject({ reason: 'security_verification', policy: 'grace' });
  });
});

describe('advance warnings', () => {
  it('3 days and 1 day before the deadline, each once', async () => {
    const term = await activeTerminal();
    const open = await t.request('POST', `/v1/terminals/${term.sn}/reactivations`, { body: { reason: 'security_verification', note: 'x' } });
    const kinds = async () => (await t.ctx.db.selectFrom('reactivation_notices').select('kind').where('case_id', '=', open.body.id).orderBy('kind').execute()).map((r) => r.kind);
    expect(await kinds()).toEqual(['opened']);
    t.ctx.clock.set(new Date('2025-03-14T11:00:00+08:00'));
    await sendWarnings(t.ctx);
    await sendWarnings(t.ctx);
    expect(await kinds()).toEqual(['opened', 'warning_3d']);
    t.ctx.clock.set(new Date('2025-03-16T11:00:00+08:00'));
    await sendWarnings(t.ctx);
    expect(await kinds()).toEqual(['opened', 'warning_1d', 'warning_3d']);
    t.ctx.clock.set(new Date('2025-03-10T10:00:00+08:00'));
  });

  it('none while the case is disputed (deadline paused); they resume on the shifted deadline', async () => {
    const term = await activeTerminal();
    const open = await t.request('POST', `/v1/terminals/${term.sn}/reactivations`, { body: { reason: 'security_verification', note: 'x' } });
    expect(open.body.deadline).toMatch(/^2025-03-17T02:00/);
    const report = await t.request('POST', '/v1/scam-reports', { body: { caseId: open.body.id } });
    expect(report.status).toBe(201);
    expect(report.body.casePaused).toBe(true);
    const kinds = async () => (await t.ctx.db.selectFrom('reactivation_notices').select('kind').where('case_id', '=', open.body.id).orderBy('kind').execute()).map((r) => r.kind);
    t.ctx.clock.set(new Date('2025-03-14T11:00:00+08:00'));
    await sendWarnings(t.ctx);
    t.ctx.clock.set(new Date('2025-03-16T11:00:00+08:00'));
    await sendWarnings(t.ctx);
    expect(await kinds()).toEqual(['opened']);
    // Confirmed genuine after 6 days 1 hour paused: the deadline moves on as much; warnings follow it.
    const resolved = await t.request('POST', `/v1/reactivations/${open.body.id}/dispute/resolve`, { body: { decision: 'genuine' } });
    expect(Math.abs(Date.parse(resolved.body.deadline) - Date.parse('2025-03-23T03:00:00Z'))).toBeLessThan(60_000);
    await sendWarnings(t.ctx);
    expect(await kinds()).toEqual(['opened']);
    t.ctx.clock.set(new Date('2025-03-20T12:00:00+08:00'));
    await sendWarnings(t.ctx);
    expect(await kinds()).toEqual(['opened', 'warning_3d']);
    t.ctx.clock.set(new Date('2025-03-10T10:00:00+08:00'));
  });
});

describe('what the merchant sees', () => {
  it('a merchant_owner reads the reason, merchant-visible evidence, steps and deadline — never internal evidence', async () => {
    const owner = (await createApiKey(t.ctx, { name: 'owner', role: 'merchant_owner', merchantId })).key;
    const stranger = (await createApiKey(t.ctx, { name: 'stranger', role: 'merchant_owner', merchantId: (await insertMerchant(t.ctx)).id })).key;
    const term = await activeTerminal();
    const opened = await t.request('POST', `/v1/terminals/${term.sn}/reactivations`, { body: {
      reason: 'security_verification', note: 'analyst note: linked to the Nanjing ring', deadline: '2025-03-14T06:00:00Z',
      evidence: { merchantVisible: { check: 'annual', lastVerifiedAt: '2024-03-14' }, internal: { analyst: 'li.wei', score: 88 } },
    } });
    expect(opened.status).toBe(201);
    const view = await t.request('GET', `/v1/reactivations/${opened.body.id}`, { key: owner });
    expect(view.status).toBe(200);
    expect(view.body).toEqual({
      id: opened.body.id, sn: term.sn, reason: 'security_verification', policy: 'grace', status: 'open',
      deadline: '2025-03-14T06:00:00.000Z', blocksAt: '2025-03-14T14:00:00.000Z', blocking: false, effectiveAt: null,
      needsActivationCode: false,
      steps: [{ kind: 'confirm_identity_sms', status: 'pending', completedAt: null }, { kind: 'confirm_transaction_password', status: 'pending', completedAt: null }],
      title: { zh: '安全验证', en: 'Security verification' },
      message: {
        zh: '请用发送到注册手机的短信验证码确认身份，并确认交易密码。',
        en: 'Confirm your identity with the SMS code sent to your registered phone, then confirm your transaction password.',
      },
      evidence: { check: 'annual', lastVerifiedAt: '2024-03-14' },
      dispute: null, helpSlug: 'reactivation-security-verification', replacesCaseId: null,
      createdAt: expect.stringMatching(/^2025-03-10T02:00/), closedAt: null,
    });
    for (const secret of ['internalEvidence', 'note', 'campaignId']) expect(view.body).not.toHaveProperty(secret);
    expect(view.text).not.toContain('li.wei');
    expect(view.text).not.toContain('Nanjing ring');
    const list = await t.request('GET', `/v1/terminals/${term.sn}/reactivations`, { key: owner });
    expect(list.body).toMatchObject({ hasMore: false, nextCursor: null, data: [{ id: opened.body.id, reason: 'security_verification', evidence: view.body.evidence }] });
    expect(list.text).not.toContain('li.wei');
    expect(list.body.data[0]).not.toHaveProperty('internalEvidence');
    const terminal = await t.request('GET', `/v1/terminals/${term.sn}`, { key: owner });
    expect(terminal.body.reactivation).toEqual({ caseId: opened.body.id, reason: 'security_verification', policy: 'grace', deadline: '2025-03-14T06:00:00.000Z' });
    // Operators see the internal side; another merchant sees nothing.
    expect((await t.request('GET', `/v1/reactivations/${opened.body.id}`)).body).toMatchObject({
      internalEvidence: { analyst: 'li.wei', score: 88 }, note: 'analyst note: linked to the Nanjing ring' });
    expect((await t.request('GET', `/v1/reactivations/${opened.body.id}`, { key: stranger })).status).toBe(404);
    expect((await t.request('GET', `/v1/terminals/${term.sn}/reactivations`, { key: stranger })).status).toBe(404);
  });

  it('a blocking risk case tells the merchant what to do and that staff never ask for codes', async () => {
    const owner = (await createApiKey(t.ctx, { name: 'owner2', role: 'merchant_owner', merchantId })).key;
    const term = await activeTerminal();
    const row = await t.ctx.db.transaction().execute((trx) => openCase(t.ctx, trx, { sn: term.sn, reason: 'risk_control', actor: systemActor,
      note: 'rule velocity-3', evidence: { merchantVisible: { rule: 'unusual_velocity' }, internal: { score: 97, rule: 'velocity-3' } } }));
    const view = await t.request('GET', `/v1/reactivations/${row.id}`, { key: owner });
    expect(view.body).toMatchObject({
      reason: 'risk_control', policy: 'blocking', blocking: true, deadline: null, needsActivationCode: true, evidence: { rule: 'unusual_velocity' },
      steps: [{ kind: 'confirm_identity_sms', status: 'pending' }, { kind: 'call_hotline', status: 'pending' }, { kind: 'enter_activation_code', status: 'pending' }],
      message: {
        zh: '终端因风控暂停。请确认身份并联系客服核实交易情况，核实后将重新下发激活码。工作人员不会索要您的激活码或密码。',
        en: 'The terminal is paused by risk control. Confirm your identity and call the hotline; after the check a new activation code is issued. Our staff will never ask for your activation code or passwords.',
      },
    });
    expect(view.body).not.toHaveProperty('internalEvidence');
    expect(view.text).not.toContain('velocity-3');
  });
});
