// Proves access control on every route in the OpenAPI document: an unauthenticated call to a
// protected route is refused with 401, a merchant-side key cannot reach operator-only routes (403),
// and an unsigned call to a terminal route is refused with 401.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/platform/api-keys.js';
import { insertMerchant } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';

interface Operation { path: string; method: string; roles: string[] | null; terminal: boolean; public: boolean }

let t: TestApp;
let operations: Operation[];
let merchantKey: string;

function fillPath(path: string): string {
  return path.replace(/\{[^}]+\}/g, 'x0');
}

beforeAll(async () => {
  t = await createTestApp();
  const doc = (await t.request('GET', '/openapi.json', { key: null })).body as {
    paths: Record<string, Record<string, { security?: Array<Record<string, unknown>>; description?: string }>>;
  };
  operations = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    if (!path.startsWith('/v1') && !path.startsWith('/terminal/v1')) continue;
    for (const [method, op] of Object.entries(methods)) {
      const security = op.security?.[0] ?? {};
      const rolesMatch = /Roles: ([a-z_, ]+)\./.exec(op.description ?? '');
      operations.push({
        path, method: method.toUpperCase(),
        roles: rolesMatch ? rolesMatch[1]!.split(', ') : null,
        terminal: 'terminalSignature' in security,
        public: !('apiKey' in security) && !('terminalSignature' in security),
      });
    }
  }
  const merchant = await insertMerchant(t.ctx);
  merchantKey = (await createApiKey(t.ctx, { name: 'owner', role: 'merchant_owner', merchantId: merchant.id })).key;
});
afterAll(async () => { await t.close(); });

describe('access control on every route', () => {
  it('finds the routes', () => {
    expect(operations.length).toBeGreaterThan(0);
  });

  it('refuses unauthenticated calls to every protected route with 401', async () => {
    for (const op of operations.filter((o) => !o.public)) {
      const res = await t.request(op.method, fillPath(op.path), { key: null, body: op.method === 'GET' ? undefined : { bad: true } });
      expect(res.status, `${op.method} ${op.path}`).toBe(401);
      expect(res.body.error.code, `${op.method} ${op.path}`).toMatch(/^(unauthenticated|terminal_auth_failed)$/);
    }
  });

  it('refuses merchant-side keys on operator-only routes with 403', async () => {
    const operatorOnly = operations.filter((o) => o.roles && !o.roles.some((r) => r.startsWith('merchant_')));
    for (const op of operatorOnly) {
      const res = await t.request(op.method, fillPath(op.path), { key: merchantKey, body: op.method === 'GET' ? undefined : {} });
      expect(res.status, `${op.method} ${op.path}`).toBe(403);
    }
  });

  it('refuses a revoked or unknown key with 401', async () => {
    const protectedOp = operations.find((o) => o.roles);
    if (!protectedOp) return;
    const res = await t.request(protectedOp.method, fillPath(protectedOp.path), { key: 'jk_not_a_real_key' });
    expect(res.status).toBe(401);
  });
});
