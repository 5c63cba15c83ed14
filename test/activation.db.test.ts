// Proves activation (SPEC §5, §6, Appendix A/B): code issue by channel and role, every activation
// error code, the per-code and per-terminal attempt limits (a sliding 24 h) and lock timings on the
// test clock, expired pairing and hotline verification codes, key wrapping and the switch to the
// terminal key, replay rejection, hello before activation, the self-test, portal pairing,
// hotline-assisted activation, device messages and the progress view.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiKey } from '../src/platform/api-keys.js';
import { unwrapTerminalKey } from '../src/platform/crypto/terminal-keys.js';
import { signedHeaders } from '../src/platform/crypto/request-signature.js';
import { dammValid } from '../src/modules/activation/activation-code.js';
import { redeemActivationCode, redemptionBatchStats } from '../src/modules/activation/activation.service.js';
import { queueTerminalMessage } from '../src/modules/activation/terminal-messages.js';
import { verifyAudit } from '../src/platform/audit.js';
import { AppError } from '../src/platform/http/errors.js';
import { insertDeviceModel, insertMerchant, insertTerminal, type InsertedTerminal } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';
import { terminalRequest } from './terminal-client.js';

const sent: Array<{ merchantId: string; template: string; channels: string[]; params: Record<string, string | number> }> = [];
vi.mock('../src/modules/notifications/notification.service.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/modules/notifications/notification.service.js')>();
  return {
    ...original,
    sendNotification: async (_ctx: unknown, _trx: unknown, input: { merchantId: string; template: string; channels: string[]; params: Record<string, string | number> }) => {
      sent.push({ merchantId: input.merchantId, template: input.template, channels: input.channels, params: input.params });
      return [];
    },
  };
});

let t: TestApp;
let merchant: { id: string; mid: string };
let ownerKey: string;
let managerKey: string;
let agentKey: string;
let otherOwnerKey: string;
let model: string;
const start = '2030-05-06T02:00:00.000Z';

beforeAll(async () => {
  t = await createTestApp();
  t.ctx.clock.set(new Date(start));
  merchant = await insertMerchant(t.ctx, { phone: '13812345678', legalName: '激活测试小店' });
  const other = await insertMerchant(t.ctx);
  ownerKey = (await createApiKey(t.ctx, { name: 'owner', role: 'merchant_owner', merchantId: merchant.id })).key;
  managerKey = (await createApiKey(t.ctx, { name: 'manager', role: 'merchant_manager', merchantId: merchant.id })).key;
  otherOwnerKey = (await createApiKey(t.ctx, { name: 'other', role: 'merchant_owner', merchantId: other.id })).key;
  agentKey = (await createApiKey(t.ctx, { name: 'agent', role: 'ops_agent' })).key;
  model = await insertDeviceModel(t.ctx, { code: 'ACT1', requiredSelfTests: ['cardReader', 'contactless', 'printer', 'network'] });
});
afterAll(async () => { await t.close(); });

async function deliveredTerminal(): Promise<InsertedTerminal> {
  return insertTerminal(t.ctx, { modelCode: model, merchantId: merchant.id, status: 'delivered' });
}

async function issue(sn: string, channel = 'portal', key?: string) {
  return t.request('POST', `/v1/terminals/${sn}/activation-codes`, { body: { channel }, ...(key ? { key } : {}) });
}

function factory(terminal: InsertedTerminal) { return { sn: terminal.sn, key: terminal.factoryKey }; }

async function activate(terminal: InsertedTerminal, code: string, key = terminal.factoryKey) {
  return terminalRequest(t, { sn: terminal.sn, key }, 'POST', '/terminal/v1/activate', { activationCode: code });
}

/** A well-formed code (valid check digit) that is not the issued one. */
function wrongCode(code: string, n = 0): string {
  for (let i = 1; ; i++) {
    const body = String((Number(code.slice(0, 11)) + i * 7919 + n * 104729) % 1e11).padStart(11, '0');
    for (let d = 0; d < 10; d++) if (dammValid(body + d) && body + d !== code) return body + d;
  }
}

/** A service call's result as the route would answer it: status and body. */
async function asAnswer(call: () => Promise<object>): Promise<{ status: number; body: any }> {
  try {
    return { status: 200, body: await call() };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { status: error.status, body: { error: { code: error.code, details: error.details } } };
  }
}

async function statusOf(sn: string): Promise<string> {
  return (await t.ctx.db.selectFrom('terminals').select('status').where('sn', '=', sn).executeTakeFirstOrThrow()).status;
}

describe('issuing activation codes', () => {
  it('returns a 12-digit Damm code to an ops_admin, moves delivered → activating and audits', async () => {
    const terminal = await deliveredTerminal();
    const res = await issue(terminal.sn);
    expect(res.status).toBe(201);
    expect(res.body.code).toMatch(/^\d{12}$/);
    expect(dammValid(res.body.code)).toBe(true);
    expect(Date.parse(res.body.expiresAt) - Date.parse(start)).toBeGreaterThanOrEqual(72 * 3_600_000);
    expect(Date.parse(res.body.expiresAt) - Date.parse(start)).toBeLessThan(72 * 3_600_000 + 60_000);
    expect(await statusOf(terminal.sn)).toBe('activating');
    const stored = await t.ctx.db.selectFrom('activation_codes').selectAll().where('terminal_id', '=', terminal.id).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.code_hash).toBe(t.ctx.hash('activation_code', res.body.code));
    expect(JSON.stringify(stored)).not.toContain(res.body.code);
    const audit = await t.ctx.db.selectFrom('audit_log').select(['action', 'subject_id']).where('action', '=', 'activation_code.issued')
      .where('subject_id', '=', terminal.sn).execute();
    expect(audit).toHaveLength(1);
  });

  it('shows portal codes to the merchant owner only; sms and hotline never return the code', async () => {
    const terminal = await deliveredTerminal();
    const owner = await issue(terminal.sn, 'portal', ownerKey);
    expect(owner.status).toBe(201);
    expect(owner.body.code).toMatch(/^\d{12}$/);
    expect((await issue(terminal.sn, 'portal', managerKey)).status).toBe(403);
    expect((await issue(terminal.sn, 'portal', agentKey)).status).toBe(403);
    expect((await issue(terminal.sn, 'portal', otherOwnerKey)).body.error.code).toBe('terminal_not_found');
    const sms = await issue(terminal.sn, 'sms', agentKey);
    expect(sms.status).toBe(201);
    expect(sms.body).toEqual({ expiresAt: expect.any(String) });
    const message = sent.at(-1)!;
    expect(message).toMatchObject({ merchantId: merchant.id, template: 'activation_code_issued', channels: ['sms'] });
    expect(message.params).toMatchObject({ sn: terminal.sn, expiresAt: sms.body.expiresAt });
    expect(dammValid(String(message.params.code))).toBe(true);
    const hotline = await issue(terminal.sn, 'hotline');
    expect(hotline.body.code).toBeUndefined();
    // The SMS code is the usable one until the hotline one replaced it.
    const activated = await activate(terminal, String(sent.at(-1)!.params.code));
    expect(activated.status).toBe(200);
  });

  it('never stores or replays the code for an Idempotency-Key retry', async () => {
    const terminal = await deliveredTerminal();
    const headers = { 'idempotency-key': `issue-${terminal.sn}` };
    const first = await t.request('POST', `/v1/terminals/${terminal.sn}/activation-codes`, { body: { channel: 'portal' }, headers });
    expect(first.body.code).toMatch(/^\d{12}$/);
    const replay = await t.request('POST', `/v1/terminals/${terminal.sn}/activation-codes`, { body: { channel: 'portal' }, headers });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual({ expiresAt: first.body.expiresAt });
    const stored = await t.ctx.db.selectFrom('idempotency_keys').select('response_body').where('key', '=', headers['idempotency-key']).executeTakeFirstOrThrow();
    expect(stored.response_body).not.toContain(first.body.code);
    expect(await t.ctx.db.selectFrom('activation_codes').select('id').where('terminal_id', '=', terminal.id).execute()).toHaveLength(1);
  });

  it('refuses terminals that cannot be activated and merchants that are not approved', async () => {
    const stock = await insertTerminal(t.ctx, { modelCode: model });
    expect((await issue(stock.sn)).body.error).toMatchObject({ code: 'activation_not_allowed' });
    const pending = await insertMerchant(t.ctx, { status: 'under_review' });
    const terminal = await insertTerminal(t.ctx, { modelCode: model, merchantId: pending.id, status: 'delivered' });
    const res = await issue(terminal.sn);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('merchant_not_approved');
    expect((await issue('NO-SUCH-SN')).body.error.code).toBe('terminal_not_found');
    expect((await t.request('POST', `/v1/terminals/${terminal.sn}/activation-codes`, { key: null, body: { channel: 'nope' } })).status).toBe(401);
  });

  it('revokes the previous code when a new one is issued', async () => {
    const terminal = await deliveredTerminal();
    const first = (await issue(terminal.sn)).body.code as string;
    const second = (await issue(terminal.sn)).body.code as string;
    const old = await activate(terminal, first);
    expect(old.status).toBe(400);
    expect(old.body.error).toMatchObject({ code: 'activation_code_invalid', details: { attemptsRemaining: 0 } });
    expect((await activate(terminal, second)).status).toBe(200);
  });
});

describe('redeeming activation codes', () => {
  it('activates, returns the wrapped terminal key, and later requests are signed with it', async () => {
    const terminal = await deliveredTerminal();
    const code = (await issue(terminal.sn)).body.code as string;
    const res = await activate(terminal, `${code.slice(0, 4)} ${code.slice(4, 8)} ${code.slice(8)}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'self_test', tid: terminal.tid, mid: merchant.mid, merchantName: '激活测试小店' });
    const terminalKey = unwrapTerminalKey(terminal.factoryKey, terminal.sn, res.body.terminalKey);
    expect(terminalKey).toHaveLength(32);
    const row = await t.ctx.db.selectFrom('terminals').selectAll().where('id', '=', terminal.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('self_test');
    expect(row.key_version).toBe(1);
    expect(row.activated_at).toBeNull();
    expect(t.ctx.cipher.open('terminals.terminal_key', row.terminal_key_enc!)).toBe(terminalKey.toString('hex'));

    const withNewKey = await terminalRequest(t, { sn: terminal.sn, key: terminalKey }, 'POST', '/terminal/v1/hello', { firmwareVersion: '2.1.0' });
    expect(withNewKey.status).toBe(200);
    expect(withNewKey.body.status).toBe('self_test');
    const withFactory = await terminalRequest(t, factory(terminal), 'POST', '/terminal/v1/hello', { firmwareVersion: '2.1.0' });
    expect(withFactory.status).toBe(401);

    const again = await activate(terminal, code, terminalKey);
    expect(again.body.error).toMatchObject({ code: 'activation_code_invalid', details: { attemptsRemaining: 0 } });
  });

  it('assigns a TID when the terminal has none', async () => {
    const terminal = await deliveredTerminal();
    await t.ctx.db.updateTable('terminals').set({ tid: null }).where('id', '=', terminal.id).execute();
    const code = (await issue(terminal.sn)).body.code as string;
    const res = await activate(terminal, code);
    expect(res.body.tid).toMatch(/^\d{8}$/);
  });

  it('answers activation_code_malformed for a typo without counting an attempt', async () => {
    const terminal = await deliveredTerminal();
    const code = (await issue(terminal.sn)).body.code as string;
    const typo = code.slice(0, 11) + String((Number(code[11]) + 1) % 10);
    for (const bad of [typo, '12345', 'abcdefghijkl']) {
      const res = await activate(terminal, bad);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('activation_code_malformed');
      expect(res.body.error.details).toEqual({ helpSlug: 'error-activation-code-malformed' });
    }
    const wrong = await activate(terminal, wrongCode(code));
    expect(wrong.body.error.details.attemptsRemaining).toBe(4);
  });

  it('locks a code after 5 failed attempts', async () => {
    const terminal = await deliveredTerminal();
    const code = (await issue(terminal.sn)).body.code as string;
    const remaining: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await activate(terminal, wrongCode(code, i));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('activation_code_invalid');
      expect(res.body.error.details.helpSlug).toBe('error-activation-code-invalid');
      remaining.push(res.body.error.details.attemptsRemaining);
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0]);
    const right = await activate(terminal, code);
    expect(right.body.error).toMatchObject({ code: 'activation_code_invalid', details: { attemptsRemaining: 0 } });
    const row = await t.ctx.db.selectFrom('activation_codes').select('status').where('terminal_id', '=', terminal.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('locked');
  });

  it('locks the terminal for 1 hour after 10 failures in 24 h, alerts operators, and reopens on the test clock', async () => {
    const base = Date.parse('2030-05-10T02:00:00Z');
    t.ctx.clock.set(new Date(base));
    const terminal = await deliveredTerminal();
    let code = (await issue(terminal.sn)).body.code as string;
    for (let i = 0; i < 5; i++) await activate(terminal, wrongCode(code, i));
    code = (await issue(terminal.sn)).body.code as string; // a new code: the terminal counter carries on
    const remaining: number[] = [];
    for (let i = 0; i < 4; i++) remaining.push((await activate(terminal, wrongCode(code, i))).body.error.details.attemptsRemaining);
    expect(remaining).toEqual([4, 3, 2, 1]); // min(code: 4..1, terminal: 4..1)
    const tenth = await activate(terminal, wrongCode(code, 9));
    expect(tenth.status).toBe(423);
    expect(tenth.body.error.code).toBe('activation_locked');
    expect(tenth.body.error.details).toEqual({
      retryAfterSeconds: expect.any(Number), lockedUntil: expect.any(String), helpSlug: 'error-activation-locked',
    });
    expect(tenth.body.error.details.retryAfterSeconds).toBeGreaterThan(3590);
    expect(tenth.body.error.details.retryAfterSeconds).toBeLessThanOrEqual(3600);
    expect(tenth.headers['retry-after']).toBeDefined();

    const whileLocked = await activate(terminal, code);
    expect(whileLocked.status).toBe(423);
    const alerts = await t.request('GET', '/v1/activation/alerts');
    expect(alerts.body.data.some((a: { kind: string; terminalId: string }) => a.kind === 'activation_locked' && a.terminalId === terminal.id)).toBe(true);
    const progress = await t.request('GET', `/v1/terminals/${terminal.sn}/activation`);
    expect(progress.body.lockedUntil).not.toBeNull();

    t.ctx.clock.set(new Date(base + 30 * 60_000));
    const half = await activate(terminal, code);
    expect(half.status).toBe(423);
    expect(half.body.error.details.helpSlug).toBe('error-activation-locked');
    expect(half.body.error.details.retryAfterSeconds).toBeGreaterThan(1790);
    expect(half.body.error.details.retryAfterSeconds).toBeLessThanOrEqual(1805); // the clock runs on after a set

    t.ctx.clock.set(new Date(base + 61 * 60_000));
    // The tenth failure was also the fifth on this code, so the code stays locked; a new one works.
    expect((await activate(terminal, code)).body.error).toMatchObject({ code: 'activation_code_invalid', details: { attemptsRemaining: 0 } });
    const fresh = (await issue(terminal.sn)).body.code as string;
    expect((await activate(terminal, wrongCode(fresh))).body.error.details.attemptsRemaining).toBe(4);
    const after = await activate(terminal, fresh);
    expect(after.status).toBe(200);
    t.ctx.clock.set(new Date(start));
  });

  it('counts terminal failures over a sliding 24 hours: older failures stop counting', async () => {
    const base = Date.parse('2030-06-01T02:00:00Z');
    const at = (minutes: number) => t.ctx.clock.set(new Date(base + minutes * 60_000));
    const nineFailures = async (terminal: InsertedTerminal) => {
      at(0);
      let code = (await issue(terminal.sn)).body.code as string;
      for (let i = 0; i < 5; i++) await activate(terminal, wrongCode(code, i));
      code = (await issue(terminal.sn)).body.code as string;
      const last = [];
      for (let i = 0; i < 4; i++) last.push((await activate(terminal, wrongCode(code, i))).body.error.details.attemptsRemaining);
      expect(last).toEqual([4, 3, 2, 1]);
    };
    // Still inside the window (23 h 50 min later): the tenth failure locks.
    const inside = await deliveredTerminal();
    await nineFailures(inside);
    at(23 * 60 + 50);
    const fresh = (await issue(inside.sn)).body.code as string;
    expect((await activate(inside, wrongCode(fresh))).body.error.code).toBe('activation_locked');

    // 24 h and 1 min later the nine have left the window: ten new failures are needed to lock.
    const outside = await deliveredTerminal();
    await nineFailures(outside);
    at(24 * 60 + 1);
    let code = (await issue(outside.sn)).body.code as string;
    const remaining = [];
    for (let i = 0; i < 5; i++) {
      const res = await activate(outside, wrongCode(code, i));
      expect(res.status).toBe(400);
      remaining.push(res.body.error.details.attemptsRemaining);
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0]); // the code's limit, not the terminal's (9 → 5 left)
    code = (await issue(outside.sn)).body.code as string;
    const more = [];
    for (let i = 0; i < 4; i++) more.push((await activate(outside, wrongCode(code, i))).body.error.details.attemptsRemaining);
    expect(more).toEqual([4, 3, 2, 1]);
    const tenth = await activate(outside, wrongCode(code, 7));
    expect(tenth.status).toBe(423);
    expect(tenth.body.error.code).toBe('activation_locked');
    t.ctx.clock.set(new Date(start));
  });

  it('answers activation_code_expired after 72 hours', async () => {
    t.ctx.clock.set(new Date(start));
    const terminal = await deliveredTerminal();
    const issued = await issue(terminal.sn);
    t.ctx.clock.set(new Date(Date.parse(start) + 73 * 3_600_000));
    const res = await activate(terminal, issued.body.code);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('activation_code_expired');
    expect(res.body.error.details).toEqual({ expiredAt: expect.any(String), helpSlug: 'error-activation-code-expired' });
    t.ctx.clock.set(new Date(start));
  });

  it('does not accept a code issued for another terminal (counted as a failure)', async () => {
    const a = await deliveredTerminal();
    const b = await deliveredTerminal();
    await issue(a.sn);
    const codeB = (await issue(b.sn)).body.code as string;
    const res = await activate(a, codeB);
    expect(res.body.error).toMatchObject({ code: 'activation_code_invalid', details: { attemptsRemaining: 4 } });
  });

  it('redeems concurrently from many terminals in shared transactions; a wrong code in a batch is still counted', async () => {
    const terminals = await Promise.all(Array.from({ length: 12 }, () => deliveredTerminal()));
    const codes: string[] = [];
    for (const terminal of terminals) codes.push((await issue(terminal.sn)).body.code as string);
    const before = { ...redemptionBatchStats(t.ctx) };
    // Terminals 10 and 11 type a wrong (well-formed) code; the others their own. Called in-process
    // (as the route does after authentication), so all twelve arrive while the first runs.
    const answers = await Promise.all(terminals.map((terminal, i) => asAnswer(() =>
      redeemActivationCode(t.ctx, { sn: terminal.sn, activationCode: i >= 10 ? wrongCode(codes[i]!) : codes[i]! }))));
    const after = redemptionBatchStats(t.ctx);
    expect(after.batched - before.batched).toBe(12);
    expect(after.batches - before.batches).toBeLessThan(12); // at least two redemptions shared a transaction
    expect(after.retriedAlone).toBe(before.retriedAlone);
    expect(answers.slice(0, 10).map((r) => [r.status, r.body.status])).toEqual(Array(10).fill([200, 'self_test']));
    expect(new Set(answers.slice(0, 10).map((r) => r.body.tid)).size).toBe(10);
    expect(answers.slice(10).map((r) => [r.status, r.body.error.code, r.body.error.details.attemptsRemaining]))
      .toEqual([[400, 'activation_code_invalid', 4], [400, 'activation_code_invalid', 4]]);
    for (const [i, terminal] of terminals.entries()) {
      const attempts = await t.ctx.db.selectFrom('activation_attempts').select('failure').where('terminal_id', '=', terminal.id).execute();
      expect(attempts.map((a) => a.failure)).toEqual(i >= 10 ? ['wrong_code'] : []);
      expect(await statusOf(terminal.sn)).toBe(i >= 10 ? 'activating' : 'self_test');
    }
    expect((await verifyAudit(t.ctx.db, t.ctx.config.secrets.hmacKey)).ok).toBe(true);
  });

  it('rejects unsigned, badly signed, replayed and stale requests and unknown SNs with 401', async () => {
    const terminal = await deliveredTerminal();
    const body = JSON.stringify({ activationCode: '123456789012' });
    const unsigned = await t.app.inject({ method: 'POST', url: '/terminal/v1/activate', headers: { 'content-type': 'application/json' }, payload: body });
    expect(unsigned.statusCode).toBe(401);
    const headers = signedHeaders({ key: terminal.factoryKey, sn: terminal.sn, method: 'POST', path: '/terminal/v1/hello', body: '{"firmwareVersion":"1"}' });
    const first = await t.app.inject({ method: 'POST', url: '/terminal/v1/hello', headers: { ...headers, 'content-type': 'application/json' }, payload: '{"firmwareVersion":"1"}' });
    expect(first.statusCode).toBe(200);
    const replay = await t.app.inject({ method: 'POST', url: '/terminal/v1/hello', headers: { ...headers, 'content-type': 'application/json' }, payload: '{"firmwareVersion":"1"}' });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.details.reason).toBe('nonce_reused');
    const stale = await terminalRequest(t, factory(terminal), 'POST', '/terminal/v1/activate', { activationCode: '123456789012' }, { now: Date.now() - 6 * 60_000 });
    expect(stale.status).toBe(401);
    const wrongKey = await terminalRequest(t, { sn: terminal.sn, key: Buffer.alloc(32, 7) }, 'POST', '/terminal/v1/activate', { activationCode: '123456789012' });
    expect(wrongKey.status).toBe(401);
    const unknown = await terminalRequest(t, { sn: 'SN-UNKNOWN', key: terminal.factoryKey }, 'POST', '/terminal/v1/activate', { activationCode: '123456789012' });
    expect(unknown.status).toBe(401);
  });
});

describe('hello and self-test', () => {
  it('explains a first activation (new_device), stores the report, and says device_replacement for a replacement', async () => {
    const terminal = await deliveredTerminal();
    const res = await terminalRequest(t, factory(terminal), 'POST', '/terminal/v1/hello',
      { firmwareVersion: '2.3.1', location: { cityCode: '110100', lat: 39.9, lng: 116.4 }, battery: 80 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'delivered', reason: 'new_device', deadline: null, messages: [], helpSlug: 'reactivation-new-device' });
    expect(res.body.message.zh.length).toBeGreaterThan(0);
    expect(res.body.message.en.length).toBeGreaterThan(0);
    const row = await t.ctx.db.selectFrom('terminals').selectAll().where('id', '=', terminal.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ firmware_version: '2.3.1', last_city_code: '110100', last_lat: 39.9, last_lng: 116.4, last_battery: 80 });
    expect(row.last_seen_at).not.toBeNull();

    const replacement = await deliveredTerminal();
    const old = await insertTerminal(t.ctx, { modelCode: model, merchantId: merchant.id, status: 'retired' });
    await t.ctx.db.updateTable('terminals').set({ replaced_by: replacement.id }).where('id', '=', old.id).execute();
    const replaced = await terminalRequest(t, factory(replacement), 'POST', '/terminal/v1/hello', { firmwareVersion: '2.3.1' });
    expect(replaced.body).toMatchObject({ status: 'delivered', reason: 'device_replacement' });
  });

  it('keeps self_test with per-component guidance on a failure and turns active when required components pass', async () => {
    const terminal = await deliveredTerminal();
    const code = (await issue(terminal.sn)).body.code as string;
    const key = unwrapTerminalKey(terminal.factoryKey, terminal.sn, (await activate(terminal, code)).body.terminalKey);
    const who = { sn: terminal.sn, key };
    const hello = await terminalRequest(t, who, 'POST', '/terminal/v1/hello', { firmwareVersion: '2.3.1' });
    expect(hello.body.selfTest.components.map((c: { component: string }) => c.component)).toEqual(['cardReader', 'contactless', 'printer', 'network']);

    const failed = await terminalRequest(t, who, 'POST', '/terminal/v1/self-test',
      { results: { cardReader: 'pass', contactless: 'pass', qrScanner: 'fail', printer: 'fail', network: 'pass' } });
    expect(failed.status).toBe(200);
    expect(failed.body.status).toBe('self_test');
    expect(failed.body.passed).toBe(false);
    const printer = failed.body.components.find((c: { component: string }) => c.component === 'printer');
    expect(printer).toMatchObject({ result: 'fail', required: true, helpSlug: 'self-test-printer' });
    expect(printer.guidance.zh).toContain('打印纸');
    expect(printer.guidance.en).toContain('paper');
    expect(failed.body.components.find((c: { component: string }) => c.component === 'qrScanner')).toMatchObject({ result: 'fail', required: false });
    const progress = await t.request('GET', `/v1/terminals/${terminal.sn}/activation`, { key: ownerKey });
    expect(progress.body.steps.find((s: { key: string }) => s.key === 'function_test').status).toBe('blocked');
    expect(progress.body.lastSelfTest.passed).toBe(false);

    const passed = await terminalRequest(t, who, 'POST', '/terminal/v1/self-test',
      { results: { cardReader: 'pass', contactless: 'pass', qrScanner: 'fail', printer: 'pass', network: 'pass' } });
    expect(passed.body).toMatchObject({ status: 'active', passed: true });
    const row = await t.ctx.db.selectFrom('terminals').select(['status', 'activated_at']).where('id', '=', terminal.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('active');
    expect(row.activated_at).not.toBeNull();
    const done = await t.request('GET', `/v1/terminals/${terminal.sn}/activation`, { key: ownerKey });
    expect(done.body.progressPercent).toBe(100);
    expect(done.body.steps.every((s: { status: string }) => s.status === 'done')).toBe(true);
    const bad = await terminalRequest(t, who, 'POST', '/terminal/v1/self-test', { results: { printer: 'maybe' } });
    expect(bad.status).toBe(400);
  });

  it('refuses a self-test before activation', async () => {
    const terminal = await deliveredTerminal();
    const res = await terminalRequest(t, factory(terminal), 'POST', '/terminal/v1/self-test', { results: { printer: 'pass' } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('activation_not_allowed');
  });

  it('delivers queued device messages on hello and lists them on GET /messages', async () => {
    const terminal = await deliveredTerminal();
    await queueTerminalMessage(t.ctx.db, { terminalId: terminal.id, merchantId: merchant.id, kind: 'notice', text: { zh: '维护通知', en: 'Maintenance' }, noticeCode: 'ABC123', at: t.ctx.clock.now() });
    const first = await terminalRequest(t, factory(terminal), 'POST', '/terminal/v1/hello', { firmwareVersion: '2.0.0' });
    expect(first.body.messages).toEqual([expect.objectContaining({ kind: 'notice', text: { zh: '维护通知', en: 'Maintenance' }, noticeCode: 'ABC123' })]);
    const second = await terminalRequest(t, factory(terminal), 'POST', '/terminal/v1/hello', { firmwareVersion: '2.0.0' });
    expect(second.body.messages).toEqual([]);
    const list = await terminalRequest(t, factory(terminal), 'GET', '/terminal/v1/messages');
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(1);
  });
});

describe('portal pairing and hotline', () => {
  it('pairs by the code the terminal shows; the next hello hands over the terminal key', async () => {
    const terminal = await deliveredTerminal();
    const pairing = await terminalRequest(t, factory(terminal), 'POST', '/terminal/v1/pairing-code');
    expect(pairing.status).toBe(201);
    expect(pairing.body.pairingCode).toMatch(/^[34679ACDEFGHJKMNPQRTUVWXY]{6}$/);
    expect(Date.parse(pairing.body.expiresAt) - Date.parse(start)).toBeGreaterThanOrEqual(10 * 60_000);

    const wrong = await t.request('POST', `/v1/terminals/${terminal.sn}/pair`, { key: ownerKey, body: { pairingCode: pairing.body.pairingCode === 'AAAAAA' ? 'CCCCCC' : 'AAAAAA' } });
    expect(wrong.body.error).toMatchObject({ code: 'pairing_code_invalid', details: { attemptsRemaining: 4 } });
    expect((await t.request('POST', `/v1/terminals/${terminal.sn}/pair`, { key: otherOwnerKey, body: { pairingCode: pairing.body.pairingCode } })).status).toBe(404);
    expect((await t.request('POST', `/v1/terminals/${terminal.sn}/pair`, { key: agentKey, body: { pairingCode: pairing.body.pairingCode } })).status).toBe(403);
    const paired = await t.request('POST', `/v1/terminals/${terminal.sn}/pair`, { key: ownerKey, body: { pairingCode: pairing.body.pairingCode.toLowerCase() } });
    expect(paired.status).toBe(200);
    expect(paired.body).toMatchObject({ sn: terminal.sn, status: 'self_test' });

    const hello = await terminalRequest(t, factory(terminal), 'POST', '/terminal/v1/hello', { firmwareVersion: '2.0.0' });
    expect(hello.body.status).toBe('self_test');
    const key = unwrapTerminalKey(terminal.factoryKey, terminal.sn, hello.body.terminalKey);
    const next = await terminalRequest(t, { sn: terminal.sn, key }, 'POST', '/terminal/v1/hello', { firmwareVersion: '2.0.0' });
    expect(next.status).toBe(200);
    expect(next.body.terminalKey).toBeUndefined();
    expect((await t.request('POST', `/v1/terminals/${terminal.sn}/pair`, { key: ownerKey, body: { pairingCode: pairing.body.pairingCode } })).status).toBe(409);
  });

  it('refuses a pairing code after its 10 minutes, and accepts one inside them', async () => {
    const base = Date.parse('2030-06-10T02:00:00Z');
    t.ctx.clock.set(new Date(base));
    const late = await deliveredTerminal();
    const lateCode = (await terminalRequest(t, factory(late), 'POST', '/terminal/v1/pairing-code')).body;
    expect(Date.parse(lateCode.expiresAt) - base).toBeGreaterThanOrEqual(10 * 60_000);
    expect(Date.parse(lateCode.expiresAt) - base).toBeLessThan(10 * 60_000 + 5_000);
    t.ctx.clock.set(new Date(Date.parse(lateCode.expiresAt) + 1_000));
    const refused = await t.request('POST', `/v1/terminals/${late.sn}/pair`, { key: ownerKey, body: { pairingCode: lateCode.pairingCode } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'pairing_code_invalid', details: { attemptsRemaining: 0 } });
    const row = await t.ctx.db.selectFrom('terminals').select(['status', 'terminal_key_enc']).where('id', '=', late.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'delivered', terminal_key_enc: null });
    expect(await t.ctx.db.selectFrom('activation_pending_keys').select('terminal_id').where('terminal_id', '=', late.id).execute()).toEqual([]);

    t.ctx.clock.set(new Date(base));
    const onTime = await deliveredTerminal();
    const onTimeCode = (await terminalRequest(t, factory(onTime), 'POST', '/terminal/v1/pairing-code')).body;
    t.ctx.clock.set(new Date(base + 9 * 60_000));
    expect((await t.request('POST', `/v1/terminals/${onTime.sn}/pair`, { key: ownerKey, body: { pairingCode: onTimeCode.pairingCode } })).status).toBe(200);
    t.ctx.clock.set(new Date(start));
  });

  it('refuses a hotline verification code after its 10 minutes and sends no activation code', async () => {
    const base = Date.parse('2030-06-11T02:00:00Z');
    t.ctx.clock.set(new Date(base));
    const terminal = await deliveredTerminal();
    expect((await t.request('POST', `/v1/terminals/${terminal.sn}/hotline/verify`, { key: agentKey })).status).toBe(201);
    const verificationCode = String(sent.at(-1)!.params.code);
    const sentBefore = sent.length;
    t.ctx.clock.set(new Date(base + 10 * 60_000 + 5_000));
    const late = await t.request('POST', `/v1/terminals/${terminal.sn}/hotline/confirm`, { key: agentKey, body: { verificationCode } });
    expect(late.status).toBe(400);
    expect(late.body.error).toMatchObject({ code: 'verification_code_invalid', details: { attemptsRemaining: 0 } });
    expect(sent.length).toBe(sentBefore);
    expect(await t.ctx.db.selectFrom('activation_codes').select('id').where('terminal_id', '=', terminal.id).execute()).toEqual([]);
    expect(await statusOf(terminal.sn)).toBe('delivered');

    // A new verification inside its 10 minutes works.
    t.ctx.clock.set(new Date(base + 20 * 60_000));
    await t.request('POST', `/v1/terminals/${terminal.sn}/hotline/verify`, { key: agentKey });
    t.ctx.clock.set(new Date(base + 29 * 60_000));
    const confirmed = await t.request('POST', `/v1/terminals/${terminal.sn}/hotline/confirm`, { key: agentKey, body: { verificationCode: String(sent.at(-1)!.params.code) } });
    expect(confirmed.status).toBe(201);
    t.ctx.clock.set(new Date(start));
  });

  it('verifies the caller by SMS code, then sends the activation code by SMS without showing it to the agent', async () => {
    const terminal = await deliveredTerminal();
    const verify = await t.request('POST', `/v1/terminals/${terminal.sn}/hotline/verify`, { key: agentKey });
    expect(verify.status).toBe(201);
    expect(verify.body.sentTo).toBe('138****5678');
    const otp = sent.at(-1)!;
    expect(otp).toMatchObject({ template: 'hotline_verification_code', channels: ['sms'], merchantId: merchant.id });
    const verificationCode = String(otp.params.code);
    expect(verificationCode).toMatch(/^\d{6}$/);
    expect((await t.request('POST', `/v1/terminals/${terminal.sn}/hotline/confirm`, { key: ownerKey, body: { verificationCode } })).status).toBe(403);
    const wrong = await t.request('POST', `/v1/terminals/${terminal.sn}/hotline/confirm`, { key: agentKey, body: { verificationCode: verificationCode === '000000' ? '111111' : '000000' } });
    expect(wrong.body.error).toMatchObject({ code: 'verification_code_invalid', details: { attemptsRemaining: 4 } });
    const confirmed = await t.request('POST', `/v1/terminals/${terminal.sn}/hotline/confirm`, { key: agentKey, body: { verificationCode } });
    expect(confirmed.status).toBe(201);
    expect(confirmed.body).toEqual({ expiresAt: expect.any(String), channel: 'hotline' });
    expect(confirmed.text).not.toMatch(/\d{12}/);
    const codeSms = sent.at(-1)!;
    expect(codeSms).toMatchObject({ template: 'activation_code_issued', channels: ['sms'] });
    expect((await activate(terminal, String(codeSms.params.code))).status).toBe(200);
    const again = await t.request('POST', `/v1/terminals/${terminal.sn}/hotline/confirm`, { key: agentKey, body: { verificationCode } });
    expect(again.body.error.code).toBe('verification_code_invalid');
    const actions = await t.ctx.db.selectFrom('audit_log').select('action').where('subject_id', '=', terminal.sn).execute();
    expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(['hotline.verification_sent', 'hotline.verification_failed', 'hotline.caller_verified', 'activation_code.issued']));
  });
});

describe('re-activation by code', () => {
  it('lets a risk officer or an admin issuing the code waive the other steps in their name, audited', async () => {
    const riskKey = (await createApiKey(t.ctx, { name: 'risk', role: 'ops_risk' })).key;
    for (const [channel, key, role] of [['sms', riskKey, 'ops_risk'], ['portal', undefined, 'ops_admin']] as const) {
      const terminal = await insertTerminal(t.ctx, { modelCode: model, merchantId: merchant.id, status: 'active' });
      const opened = await t.request('POST', `/v1/terminals/${terminal.sn}/reactivations`, { body: { reason: 'risk_control', note: 'cleared by risk' } });
      expect(opened.status).toBe(201);
      const issued = await issue(terminal.sn, channel, key);
      expect(issued.status).toBe(201);
      const view = await t.request('GET', `/v1/reactivations/${opened.body.id}`);
      expect(view.body.steps.map((s: { kind: string; status: string }) => [s.kind, s.status])).toEqual([
        ['confirm_identity_sms', 'completed'], ['call_hotline', 'completed'], ['enter_activation_code', 'pending']]);
      const waived = await t.ctx.db.selectFrom('audit_log').select(['actor_role', 'details']).where('action', '=', 'reactivation.steps_waived')
        .where('subject_id', '=', opened.body.id).execute();
      expect(waived).toEqual([{ actor_role: role, details: { reason: 'risk_control', steps: ['confirm_identity_sms', 'call_hotline'] } }]);
      if (channel === 'portal') {
        expect((await activate(terminal, issued.body.code, terminal.terminalKey!)).status).toBe(200);
        expect((await t.request('GET', `/v1/reactivations/${opened.body.id}`)).body.status).toBe('completed');
      }
    }
  });

  it('refuses a code (merchant users, hotline agents, any channel, pairing too) until the case\'s other steps are done', async () => {
    const terminal = await insertTerminal(t.ctx, { modelCode: model, merchantId: merchant.id, status: 'active' });
    const opened = await t.request('POST', `/v1/terminals/${terminal.sn}/reactivations`, { body: { reason: 'relocation', note: 'moved' } });
    expect(opened.status).toBe(201);
    const pending = { code: 'reactivation_steps_pending', details: { caseId: opened.body.id, reason: 'relocation', pendingSteps: ['confirm_identity_sms', 'call_hotline'] } };
    for (const [channel, key] of [['portal', ownerKey], ['sms', agentKey], ['hotline', agentKey], ['hotline', ownerKey]] as const) {
      const refused = await issue(terminal.sn, channel, key);
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject(pending);
      expect(refused.body.error.message).toContain('confirm_identity_sms, call_hotline');
    }
    const pairing = await terminalRequest(t, { sn: terminal.sn, key: terminal.terminalKey! }, 'POST', '/terminal/v1/pairing-code');
    expect(pairing.status).toBe(409);
    expect(pairing.body.error).toMatchObject(pending);
    const codes = await t.ctx.db.selectFrom('activation_codes').select('id').where('terminal_id', '=', terminal.id).execute();
    expect(codes).toEqual([]);
    const view = await t.request('GET', `/v1/reactivations/${opened.body.id}`);
    expect(view.body.steps.map((s: { status: string }) => s.status)).toEqual(['pending', 'pending', 'pending']);
  });

  it('issues a code once identity is confirmed and the hotline called; redeeming completes only the code step', async () => {
    const terminal = await insertTerminal(t.ctx, { modelCode: model, merchantId: merchant.id, status: 'active' });
    expect((await issue(terminal.sn)).body.error.code).toBe('activation_not_allowed');
    const opened = await t.request('POST', `/v1/terminals/${terminal.sn}/reactivations`, { body: { reason: 'risk_control', note: 'velocity' } });
    expect(opened.status).toBe(201);
    expect(await statusOf(terminal.sn)).toBe('reactivation_required');
    const caseId = opened.body.id as string;
    // The hotline agent sends the identity code to the registered phone; the merchant reads it back.
    expect((await t.request('POST', `/v1/reactivations/${caseId}/steps/confirm_identity_sms/send-code`, { key: agentKey })).status).toBe(200);
    const otp = sent.at(-1)!;
    expect(otp).toMatchObject({ template: 'hotline_verification_code', channels: ['sms'], merchantId: merchant.id });
    const identity = await t.request('POST', `/v1/reactivations/${caseId}/steps/confirm_identity_sms/complete`, { key: ownerKey, body: { code: String(otp.params.code) } });
    expect(identity.status).toBe(200);
    expect(identity.body.status).toBe('in_progress');
    const half = await issue(terminal.sn, 'portal', ownerKey);
    expect(half.status).toBe(409);
    expect(half.body.error).toMatchObject({ code: 'reactivation_steps_pending', details: { pendingSteps: ['call_hotline'] } });
    expect((await t.request('POST', `/v1/reactivations/${caseId}/steps/call_hotline/complete`, { key: ownerKey, body: {} })).status).toBe(403);
    const hotline = await t.request('POST', `/v1/reactivations/${caseId}/steps/call_hotline/complete`, { key: agentKey, body: {} });
    expect(hotline.body.steps.map((s: { kind: string; status: string }) => [s.kind, s.status])).toEqual([
      ['confirm_identity_sms', 'completed'], ['call_hotline', 'completed'], ['enter_activation_code', 'pending']]);
    expect(hotline.body.status).toBe('in_progress');
    expect(await statusOf(terminal.sn)).toBe('reactivation_required');

    const code = (await issue(terminal.sn)).body.code as string;
    expect(code).toMatch(/^\d{12}$/);
    const res = await activate(terminal, code, terminal.terminalKey!);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('self_test');
    const steps = await t.ctx.db.selectFrom('reactivation_steps').select(['kind', 'completed_by_kind'])
      .where('case_id', '=', caseId).orderBy('position').execute();
    expect(steps).toEqual([
      { kind: 'confirm_identity_sms', completed_by_kind: 'api_key' }, { kind: 'call_hotline', completed_by_kind: 'api_key' },
      { kind: 'enter_activation_code', completed_by_kind: 'terminal' }]);
    expect((await t.request('GET', `/v1/reactivations/${caseId}`)).body.status).toBe('completed');
    const newKey = unwrapTerminalKey(terminal.factoryKey, terminal.sn, res.body.terminalKey);
    const row = await t.ctx.db.selectFrom('terminals').select(['key_version', 'activated_at']).where('id', '=', terminal.id).executeTakeFirstOrThrow();
    expect(row.key_version).toBe(1);
    expect(row.activated_at).not.toBeNull(); // the first activation time stays
    const who = { sn: terminal.sn, key: newKey };
    const passed = await terminalRequest(t, who, 'POST', '/terminal/v1/self-test',
      { results: { cardReader: 'pass', contactless: 'pass', printer: 'pass', network: 'pass' } });
    expect(passed.body.status).toBe('active');
  });
});

describe('activation progress', () => {
  it('derives the six steps from terminal and merchant state, for the merchant and operators only', async () => {
    const terminal = await deliveredTerminal();
    const view = await t.request('GET', `/v1/terminals/${terminal.sn}/activation`, { key: ownerKey });
    expect(view.status).toBe(200);
    expect(view.body.steps.map((s: { key: string; status: string }) => [s.key, s.status])).toEqual([
      ['preparation', 'done'], ['account', 'done'], ['device_setup', 'current'], ['system_activation', 'pending'],
      ['function_test', 'pending'], ['in_service', 'pending'],
    ]);
    expect(view.body.progressPercent).toBe(33);
    expect(view.body.steps[2]).toMatchObject({ helpSlug: 'activation-step-device-setup', guidance: { zh: expect.any(String), en: expect.any(String) } });
    await terminalRequest(t, factory(terminal), 'POST', '/terminal/v1/hello', { firmwareVersion: '2.0.0' });
    const seen = await t.request('GET', `/v1/terminals/${terminal.sn}/activation`, { key: agentKey });
    expect(seen.body.currentStep).toBe('system_activation');
    expect((await t.request('GET', `/v1/terminals/${terminal.sn}/activation`, { key: otherOwnerKey })).status).toBe(404);
  });
});
