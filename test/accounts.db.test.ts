// Proves user accounts: argon2id log-in with cookie sessions, CSRF on unsafe methods, TOTP required
// for operators, lockout after 10 failures for 30 minutes, 15-minute operator idle expiry, password
// rules, merchant staff scoping, and password reset by SMS code to the user's own phone through the
// real outbox (10 minutes, single use, failures not reset by a new code), operators included.
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskPhone } from '../src/platform/crypto/mask.js';
import { bodyField, recipientField } from '../src/modules/notifications/notification.service.js';
import { insertMerchant } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';

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

async function userByLogin(login: string) {
  return t.ctx.db.selectFrom('users').selectAll().where('login', '=', login).executeTakeFirstOrThrow();
}

async function resetMessages(userId: string) {
  return t.ctx.db.selectFrom('notification_messages').selectAll()
    .where('user_id', '=', userId).where('template', '=', 'password_reset_code').execute();
}

/** The code of the user's live reset code, read from the SMS in the outbox (codes are stored hashed). */
async function currentResetCode(userId: string): Promise<string> {
  const live = await t.ctx.db.selectFrom('password_reset_codes').select('code_hash').where('user_id', '=', userId)
    .where('used_at', 'is', null).where('revoked_at', 'is', null).executeTakeFirstOrThrow();
  for (const message of await resetMessages(userId)) {
    const code = /(?:验证码|code is) (\d{6})/.exec(t.ctx.cipher.open(bodyField, message.body_enc))?.[1];
    if (code && t.ctx.hash('reset_code', `${userId}:${code}`) === live.code_hash) return code;
  }
  throw new Error(`no SMS carries the live reset code of ${userId}`);
}
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
    const again = await t.request('POST', '/v1/users', { body: { login: 'AGENT@example.com', displayName: 'Again', role: 'ops_agent', password } });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'login_taken', details: { fields: [{ field: 'login', rule: 'unique' }] } });
    const stored = await userByLogin('agent@example.com');
    expect(stored.password_hash).toMatch(/^\$argon2id\$v=19\$m=\d+,/);
    expect(JSON.stringify(created.body)).not.toContain(stored.password_hash);
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
    const owner = await userByLogin('owner@example.com');
    const request = await t.request('POST', '/v1/auth/password-reset', { key: null, body: { login: 'owner@example.com' } });
    expect(request.status).toBe(202);
    for (let i = 0; i < 4; i++) {
      const bad = await t.request('POST', '/v1/auth/password-reset/confirm', { key: null, body: { login: 'owner@example.com', code: '000000', newPassword: 'New-Passphrase-2030' } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('verification_code_invalid');
    }
    await t.request('POST', '/v1/auth/password-reset', { key: null, body: { login: 'owner@example.com' } });
    const fifth = await t.request('POST', '/v1/auth/password-reset/confirm', { key: null, body: { login: 'owner@example.com', code: '000001', newPassword: 'New-Passphrase-2030' } });
    expect(fifth.status).toBe(423);
    t.ctx.clock.set(new Date(t.ctx.clock.now().getTime() + 31 * 60_000));
    await t.request('POST', '/v1/auth/password-reset', { key: null, body: { login: 'owner@example.com' } });
    const code = await currentResetCode(owner.id);
    const ok = await t.request('POST', '/v1/auth/password-reset/confirm', { key: null, body: { login: 'owner@example.com', code, newPassword: 'New-Passphrase-2030' } });
    expect(ok.status).toBe(200);
    const reuse = await t.request('POST', '/v1/auth/password-reset/confirm', { key: null, body: { login: 'owner@example.com', code, newPassword: 'Other-Passphrase-2031' } });
    expect(reuse.status).toBe(400);
    expect((await loginAs('owner@example.com', 'New-Passphrase-2030')).status).toBe(200);
    expect((await loginAs('owner@example.com')).status).toBe(401);
  });

  it('sends the reset code to the user\'s own phone (not the merchant contact), operators included', async () => {
    const merchant = await insertMerchant(t.ctx, { phone: '13911112222' });
    await t.request('POST', '/v1/users', { body: { login: 'manager@example.com', displayName: 'M', role: 'merchant_manager', merchantId: merchant.id, password, phone: '13733334444' } });
    await t.request('POST', '/v1/users', { body: { login: 'ops-reset@example.com', displayName: 'R', role: 'ops_risk', password, phone: '13655556666' } });
    for (const [login, phone, merchantId] of [
      ['manager@example.com', '13733334444', merchant.id], ['ops-reset@example.com', '13655556666', null],
    ] as const) {
      const user = await userByLogin(login);
      expect((await t.request('POST', '/v1/auth/password-reset', { key: null, body: { login } })).status).toBe(202);
      const [message, ...others] = await resetMessages(user.id);
      expect(others).toHaveLength(0);
      expect(message).toMatchObject({ channel: 'sms', status: 'pending', merchant_id: merchantId, recipient_mask: maskPhone(phone) });
      expect(t.ctx.cipher.open(recipientField, message!.recipient_enc!)).toBe(phone);
      const code = await currentResetCode(user.id);
      const ok = await t.request('POST', '/v1/auth/password-reset/confirm', { key: null, body: { login, code, newPassword: 'Fresh-Passphrase-2032' } });
      expect(ok.status).toBe(200);
    }
  });

  it('refuses a reset code older than 10 minutes', async () => {
    await t.request('POST', '/v1/users', { body: { login: 'late@example.com', displayName: 'L', role: 'ops_agent', password, phone: '13577778888' } });
    const user = await userByLogin('late@example.com');
    await t.request('POST', '/v1/auth/password-reset', { key: null, body: { login: 'late@example.com' } });
    const code = await currentResetCode(user.id);
    t.ctx.clock.set(new Date(t.ctx.clock.now().getTime() + 10 * 60_000 + 1_000));
    const late = await t.request('POST', '/v1/auth/password-reset/confirm', { key: null, body: { login: 'late@example.com', code, newPassword: 'Late-Passphrase-2033' } });
    expect(late.status).toBe(400);
    expect(late.body.error.code).toBe('verification_code_invalid');
    expect((await loginAs('late@example.com')).status).toBe(200);
  });
});
