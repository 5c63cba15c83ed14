// Proves user accounts: argon2id log-in with cookie sessions, CSRF on unsafe methods, TOTP required
// for operators, lockout after 10 failures for 30 minutes, 15-minute operator idle expiry, password
// rules, merchant staff scoping, and password reset by SMS code (single use, failures not reset).
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { insertMerchant } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';

const sent: Array<{ template: string; params: Record<string, string | number> }> = [];
vi.mock('../src/modules/notifications/notification.service.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/modules/notifications/notification.service.js')>();
  return {
    ...original,
    sendNotification: async (_ctx: unknown, _trx: unknown, input: { template: string; params: Record<string, string | number> }) => {
      sent.push({ template: input.template, params: input.params });
      return [];
    },
  };
});

let t: TestApp;
const password = 'Correct-Horse-Battery-9';

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const raw = res.headers['set-cookie'];
  const first = Array.isArray(raw) ? String(raw[0]) : String(raw);
  return first.split(';')[0]!;
}

async function loginAs(login: string, pw = password, totp?: string) {
  return t.request('POST', '/v1/auth/login', { key: null, body: { login, password: pw, ...(totp ? { totp } : {}) } });
}

beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

describe('accounts', () => {
  it('refuses weak passwords with field errors', async () => {
    const res = await t.request('POST', '/v1/users', { body: { login: 'weak@example.com', displayName: 'W', role: 'ops_agent', password: 'password' } });
    expect(res.status).toBe(400);
    const rules = res.body.error.details.fields.map((f: { rule: string }) => f.rule);
    expect(rules).toEqual(expect.arrayContaining(['too_short', 'common']));
  });

  it('requires TOTP for operators, then works with cookie + CSRF', async () => {
    const created = await t.request('POST', '/v1/users', { body: { login: 'Agent@Example.com', displayName: 'Agent', role: 'ops_agent', password } });
    expect(created.status).toBe(201);
    expect(created.body.login).toBe('agent@example.com');
    const first = await loginAs('agent@example.com');
    expect(first.status).toBe(200);
    expect(first.body.totpEnrollmentRequired).toBe(true);
    const cookie = cookieOf(first);
    expect(String(first.headers['set-cookie'])).toMatch(/HttpOnly/i);
    // Without TOTP an operator session reaches only /v1/auth routes.
    const blocked = await t.request('GET', '/v1/users', { key: null, headers: { cookie } });
    expect(blocked.status).toBe(401);
    expect(blocked.body.error.code).toBe('mfa_required');
    const enroll = await t.request('POST', '/v1/auth/totp/enroll', { key: null, headers: { cookie, 'x-csrf-token': first.body.csrfToken } });
    expect(enroll.status).toBe(200);
    expect(enroll.body.otpauthUrl).toContain(`secret=${enroll.body.secret}`);
    expect(enroll.body.qrCodeDataUrl).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
    const code = await generate({ secret: enroll.body.secret });
    const noCsrf = await t.request('POST', '/v1/auth/totp/confirm', { key: null, headers: { cookie }, body: { code } });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe('csrf_failed');
    const confirmed = await t.request('POST', '/v1/auth/totp/confirm', { key: null, headers: { cookie, 'x-csrf-token': first.body.csrfToken }, body: { code } });
    expect(confirmed.status).toBe(200);
    const list = await t.request('GET', '/v1/users', { key: null, headers: { cookie } });
    expect(list.status).toBe(200);
    // The next log-in needs the code; the same code cannot be replayed.
    const withoutCode = await loginAs('agent@example.com');
    expect(withoutCode.body.error.code).toBe('mfa_required');
    const replay = await loginAs('agent@example.com', password, code);
    expect(replay.status).toBe(401);
  });

  it('expires operator sessions after 15 minutes idle', async () => {
    await t.request('POST', '/v1/users', { body: { login: 'idle@example.com', displayName: 'Idle', role: 'ops_risk', password } });
    const res = await loginAs('idle@example.com');
    const cookie = cookieOf(res);
    const me = await t.request('GET', '/v1/auth/me', { key: null, headers: { cookie } });
    expect(me.status).toBe(200);
    t.ctx.clock.set(new Date(t.ctx.clock.now().getTime() + 16 * 60_000));
    const later = await t.request('GET', '/v1/auth/me', { key: null, headers: { cookie } });
    expect(later.status).toBe(401);
    expect(later.body.error.details.reason).toBe('idle');
  });

  it('locks an account after 10 failed log-ins for 30 minutes', async () => {
    await t.request('POST', '/v1/users', { body: { login: 'lock@example.com', displayName: 'L', role: 'ops_admin', password } });
    for (let i = 0; i < 9; i++) expect((await loginAs('lock@example.com', 'wrong-password-xyz')).status).toBe(401);
    const tenth = await loginAs('lock@example.com', 'wrong-password-xyz');
    expect(tenth.status).toBe(423);
    expect(tenth.body.error.code).toBe('account_locked');
    expect((await loginAs('lock@example.com')).status).toBe(423);
    t.ctx.clock.set(new Date(t.ctx.clock.now().getTime() + 31 * 60_000));
    expect((await loginAs('lock@example.com')).status).toBe(200);
  });

  it('lets an owner add staff to their own merchant only', async () => {
    const mine = await insertMerchant(t.ctx);
    const other = await insertMerchant(t.ctx);
    await t.request('POST', '/v1/users', { body: { login: 'owner@example.com', displayName: 'O', role: 'merchant_owner', merchantId: mine.id, password, phone: '13800138000' } });
    const res = await loginAs('owner@example.com');
    const headers = { cookie: cookieOf(res), 'x-csrf-token': res.body.csrfToken };
    const staff = await t.request('POST', `/v1/merchants/${mine.id}/users`, { key: null, headers, body: { login: 'cashier@example.com', displayName: 'C', role: 'merchant_cashier', password } });
    expect(staff.status).toBe(201);
    expect(staff.body.merchantId).toBe(mine.id);
    const foreign = await t.request('POST', `/v1/merchants/${other.id}/users`, { key: null, headers, body: { login: 'x@example.com', displayName: 'X', role: 'merchant_cashier', password } });
    expect(foreign.status).toBe(404);
    const operatorOnly = await t.request('GET', '/v1/users', { key: null, headers });
    expect(operatorOnly.status).toBe(403);
  });

  it('resets a password with a single-use SMS code; a new code does not reset the failure counter', async () => {
    const codeFor = () => String(sent.filter((s) => s.template === 'password_reset_code').at(-1)!.params.code);
    const request = await t.request('POST', '/v1/auth/password-reset', { key: null, body: { login: 'owner@example.com' } });
    expect(request.status).toBe(202);
    for (let i = 0; i < 4; i++) {
      const bad = await t.request('POST', '/v1/auth/password-reset/confirm', { key: null, body: { login: 'owner@example.com', code: '000000', newPassword: 'New-Passphrase-2030' } });
      expect(bad.status).toBe(400);
    }
    await t.request('POST', '/v1/auth/password-reset', { key: null, body: { login: 'owner@example.com' } });
    const fifth = await t.request('POST', '/v1/auth/password-reset/confirm', { key: null, body: { login: 'owner@example.com', code: '000001', newPassword: 'New-Passphrase-2030' } });
    expect(fifth.status).toBe(423);
    t.ctx.clock.set(new Date(t.ctx.clock.now().getTime() + 31 * 60_000));
    await t.request('POST', '/v1/auth/password-reset', { key: null, body: { login: 'owner@example.com' } });
    const code = codeFor();
    const ok = await t.request('POST', '/v1/auth/password-reset/confirm', { key: null, body: { login: 'owner@example.com', code, newPassword: 'New-Passphrase-2030' } });
    expect(ok.status).toBe(200);
    const reuse = await t.request('POST', '/v1/auth/password-reset/confirm', { key: null, body: { login: 'owner@example.com', code, newPassword: 'Other-Passphrase-2031' } });
    expect(reuse.status).toBe(400);
    expect((await loginAs('owner@example.com', 'New-Passphrase-2030')).status).toBe(200);
    expect((await loginAs('owner@example.com')).status).toBe(401);
  });
});
