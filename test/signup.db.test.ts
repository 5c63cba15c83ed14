// Proves merchant self-service sign-up: one call makes a draft merchant and its owner user and logs
// the owner in (cookie + CSRF, own merchant only), problems come back per field and all at once,
// a taken login is a 409, nothing is half-created when it fails, and the route is rate limited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './harness.js';

let t: TestApp;
const password = 'Noodle-Shop-Opens-2031';
const body = { login: 'Li.Noodles', password, phone: '139 1234 0001', type: 'individual', legalName: '李记面馆' };

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const raw = res.headers['set-cookie'];
  return (Array.isArray(raw) ? String(raw[0]) : String(raw)).split(';')[0]!;
}

async function count(table: 'users' | 'merchants'): Promise<number> {
  const row = await t.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

describe('POST /v1/signup', () => {
  it('creates a draft merchant and its owner, and logs the owner in', async () => {
    const res = await t.request('POST', '/v1/signup', { key: null, body });
    expect(res.status).toBe(201);
    expect(res.body.merchantId).toMatch(/^mch_/);
    expect(res.body.merchantStatus).toBe('draft');
    expect(res.body.user).toMatchObject({
      login: 'li.noodles', displayName: '李记面馆', role: 'merchant_owner', merchantId: res.body.merchantId,
      phone: '139****0001', totpEnabled: false, locked: false,
    });
    expect(String(res.headers['set-cookie'])).toMatch(/jihuo_session=.+HttpOnly/i);
    const headers = { cookie: cookieOf(res), 'x-csrf-token': res.body.csrfToken as string };

    const me = await t.request('GET', '/v1/auth/me', { key: null, headers });
    expect(me.body.user.merchantId).toBe(res.body.merchantId);
    const merchant = await t.request('GET', `/v1/merchants/${res.body.merchantId}`, { key: null, headers });
    expect(merchant.body).toMatchObject({ status: 'draft', type: 'individual', legalName: '李记面馆', phone: '13912340001' });
    // The owner continues in the wizard: a draft edit with the session works, another merchant is invisible.
    const patched = await t.request('PATCH', `/v1/merchants/${res.body.merchantId}`, { key: null, headers, body: { email: 'li@example.com' } });
    expect(patched.status).toBe(200);
    const others = await t.request('GET', '/v1/merchants', { key: null, headers });
    expect(others.body.data.map((m: { id: string }) => m.id)).toEqual([res.body.merchantId]);
    // The same password logs in again later.
    expect((await t.request('POST', '/v1/auth/login', { key: null, body: { login: 'li.noodles', password } })).status).toBe(200);

    const audit = await t.request('GET', `/v1/audit?merchantId=${res.body.merchantId}&limit=100`);
    const actions = (audit.body.data as { action: string; actor: { id: string } }[]).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['merchant.created', 'user.created', 'merchant.signed_up', 'user.login']));
    expect(new Set((audit.body.data as { actor: { id: string } }[]).map((e) => e.actor.id))).toEqual(new Set([res.body.user.id]));
  });

  it('refuses a taken login with 409 on the login field, creating nothing', async () => {
    const users = await count('users');
    const merchants = await count('merchants');
    const res = await t.request('POST', '/v1/signup', { key: null, body: { ...body, login: 'LI.NOODLES', legalName: '另一家店' } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('login_taken');
    expect(res.body.error.details.fields).toEqual([{ field: 'login', rule: 'unique', message: 'is already taken; log in or choose another' }]);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await count('users')).toBe(users);
    expect(await count('merchants')).toBe(merchants);
  });

  it('reports every bad field at once', async () => {
    const res = await t.request('POST', '/v1/signup', { key: null, body: { ...body, login: 'x', password: 'password', phone: '12345', legalName: '  ' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    const fields = (res.body.error.details.fields as { field: string; rule: string }[]).map((f) => `${f.field}:${f.rule}`);
    expect(fields).toEqual(['login:login_name', 'password:too_short', 'password:common', 'phone:mobile', 'legalName:required']);
  });

  it('applies the password policy of the accounts module, including the login name', async () => {
    const res = await t.request('POST', '/v1/signup', { key: null, body: { ...body, login: 'zhangsan', password: 'zhangsan-shop-2031!' } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields).toEqual([{ field: 'password', rule: 'contains_login', message: 'must not contain the login name' }]);
  });

  it('validates the schema before anything else (unknown type, unknown field)', async () => {
    const res = await t.request('POST', '/v1/signup', { key: null, body: { ...body, login: 'ok.name', type: 'company' } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields[0].field).toBe('type');
    const extra = await t.request('POST', '/v1/signup', { key: null, body: { ...body, login: 'ok.name', role: 'ops_admin' } });
    expect(extra.status).toBe(400);
    expect(extra.body.error.details.fields[0]).toMatchObject({ field: 'role', rule: 'unknown_field' });
  });

  it('is rate limited per client', async () => {
    let limited = 0;
    for (let i = 0; i < 12; i++) {
      const res = await t.request('POST', '/v1/signup', { key: null, body: { ...body, login: 'x' } });
      if (res.status === 429) limited++;
    }
    expect(limited).toBeGreaterThan(0);
    const res = await t.request('POST', '/v1/signup', { key: null, body: { ...body, login: 'x' } });
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('rate_limited');
  });
});
