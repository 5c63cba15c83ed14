// Proves the platform's HTTP contract: health, errors, auth before validation, test clock, audit chain, audited API keys.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../src/platform/actor.js';
import { auditLanes, verifyAudit } from '../src/platform/audit.js';
import { createApiKey, ensureBootstrapKey } from '../src/platform/api-keys.js';
import { concurrentViews } from '../src/platform/db/coalescing-pool.js';
import { createTestApp, testDbKind, type TestApp } from './harness.js';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

describe('platform endpoints', () => {
  it('answers health, readiness and metrics', async () => {
    expect((await t.request('GET', '/healthz', { key: null })).body).toEqual({ status: 'ok' });
    const ready = await t.request('GET', '/readyz', { key: null });
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
    const metrics = await t.request('GET', '/metrics', { key: null });
    expect(metrics.text).toContain('jihuo_http_requests_total');
    expect(metrics.text).toMatch(/^jihuo_db_round_trips_total \d+$/m);
    expect(metrics.text).toMatch(/^jihuo_db_statements_total \d+$/m);
  });

  it('serves the OpenAPI 3.1 document', async () => {
    const doc = await t.request('GET', '/openapi.json', { key: null });
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toContain('/v1/test-clock');
  });

  it('answers unknown routes with the error shape', async () => {
    const res = await t.request('GET', '/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('route_not_found');
    expect(res.body.error.requestId).toMatch(/^req_/);
  });

  it('sets and reads the test clock', async () => {
    const set = await t.request('POST', '/v1/test-clock', { body: { now: '2030-01-02T03:04:05Z' } });
    expect(set.status).toBe(200);
    expect(Date.parse(set.body.now) - Date.parse('2030-01-02T03:04:05Z')).toBeLessThan(5000);
    expect(Math.abs(t.ctx.clock.now().getTime() - Date.parse('2030-01-02T03:04:05Z'))).toBeLessThan(5000);
    const bad = await t.request('POST', '/v1/test-clock', { body: { now: 'yesterday' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect(bad.body.error.details.fields[0].field).toBe('now');
  });

  it('refuses malformed JSON, unknown fields and oversize bodies with the error shape', async () => {
    const malformed = await t.request('POST', '/v1/test-clock', { rawBody: '{"now":' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('invalid_json');
    const unknown = await t.request('POST', '/v1/test-clock', { body: { now: '2030-01-01T00:00:00Z', extra: 1 } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.fields).toContainEqual(expect.objectContaining({ field: 'extra', rule: 'unknown_field' }));
    const wrongType = await t.request('POST', '/v1/test-clock', { body: { now: 12 } });
    expect(wrongType.status).toBe(400);
    const huge = await t.request('POST', '/v1/test-clock', { rawBody: JSON.stringify({ now: 'x'.repeat(1024 * 1024 + 10) }) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('body_too_large');
  });
});

describe('API keys', () => {
  it('creates a key over the API with an audit row; the secret is shown once and never stored', async () => {
    const res = await t.request('POST', '/v1/api-keys', { body: { name: 'partner-erp', role: 'integration' }, headers: { 'idempotency-key': 'key-create-1' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'partner-erp', role: 'integration', merchantId: null });
    expect(res.body.key).toMatch(/^jk_/);
    expect((await t.request('GET', '/v1/help/articles', { key: res.body.key })).status).toBe(200);
    const replay = await t.request('POST', '/v1/api-keys', { body: { name: 'partner-erp', role: 'integration' }, headers: { 'idempotency-key': 'key-create-1' } });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual({ id: res.body.id, name: 'partner-erp', role: 'integration', merchantId: null, scopes: [] });
    const stored = await t.ctx.db.selectFrom('idempotency_keys').select('response_body').where('key', '=', 'key-create-1').executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(res.body.key);
    const audit = await t.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'api_key.created')
      .where('subject_id', '=', res.body.id).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_kind: 'api_key', actor_role: 'ops_admin', subject_type: 'api_key' });
    expect(audit[0]!.details).toEqual({ name: 'partner-erp', role: 'integration', via: 'api' });
    expect(JSON.stringify(audit[0])).not.toContain(res.body.key);
    expect((await verifyAudit(t.ctx.db, t.ctx.config.secrets.hmacKey)).ok).toBe(true);
  });

  it('gives integration keys scopes: each route open to integrations needs its scope (or *)', async () => {
    const scoped = await t.request('POST', '/v1/api-keys', { body: { name: 'erp', role: 'integration', scopes: ['merchants:write', 'merchants:write'] } });
    expect(scoped.status).toBe(201);
    expect(scoped.body.scopes).toEqual(['merchants:write']);
    const settle = await t.request('POST', '/v1/settlements/run', { key: scoped.body.key, body: { date: '2020-01-01' } });
    expect(settle.status).toBe(403);
    expect(settle.body.error).toMatchObject({ code: 'forbidden', details: { requiredScope: 'settlements:run' } });
    const all = await t.request('POST', '/v1/api-keys', { body: { name: 'all', role: 'integration', scopes: ['*'] } });
    const settleAll = await t.request('POST', '/v1/settlements/run', { key: all.body.key, body: { date: '2999-01-01' } });
    expect(settleAll.body.error.code).toBe('settlement_date_invalid'); // past authorization, into the rules
    const unknown = await t.request('POST', '/v1/api-keys', { body: { name: 'x', role: 'integration', scopes: ['ledger:write'] } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.fields[0]).toMatchObject({ field: 'scopes', rule: 'scope' });
    const onOperator = await t.request('POST', '/v1/api-keys', { body: { name: 'x', role: 'ops_agent', scopes: ['*'] } });
    expect(onOperator.status).toBe(400);
    const row = await t.ctx.db.selectFrom('api_keys').select('scopes').where('id', '=', scoped.body.id).executeTakeFirstOrThrow();
    expect(typeof row.scopes === 'string' ? JSON.parse(row.scopes) : row.scopes).toEqual(['merchants:write']);
  });

  it('refuses a merchant key without a known merchant, and callers other than ops_admin', async () => {
    const noMerchant = await t.request('POST', '/v1/api-keys', { body: { name: 'x', role: 'merchant_owner' } });
    expect(noMerchant.status).toBe(400);
    expect(noMerchant.body.error.details.fields[0]).toMatchObject({ field: 'merchantId', rule: 'role' });
    const unknown = await t.request('POST', '/v1/api-keys', { body: { name: 'x', role: 'merchant_owner', merchantId: 'mch_nope' } });
    expect(unknown.status).toBe(404);
    const agent = await createApiKey(t.ctx, { name: 'agent', role: 'ops_agent' });
    expect((await t.request('POST', '/v1/api-keys', { key: agent.key, body: { name: 'x', role: 'ops_admin' } })).status).toBe(403);
    expect((await t.request('POST', '/v1/api-keys', { key: null, body: { name: 'x', role: 'ops_admin' } })).status).toBe(401);
  });

  it('audits the bootstrap key once, however often it is ensured', async () => {
    await ensureBootstrapKey(t.ctx, 'platform-bootstrap-secret-0123');
    await ensureBootstrapKey(t.ctx, 'platform-bootstrap-secret-0123');
    const keys = await t.ctx.db.selectFrom('api_keys').select('id').where('key_hash', '=', t.ctx.hash('api_key', 'platform-bootstrap-secret-0123')).execute();
    expect(keys).toHaveLength(1);
    const audit = await t.ctx.db.selectFrom('audit_log').select(['actor_kind', 'details']).where('subject_id', '=', keys[0]!.id).execute();
    expect(audit).toEqual([{ actor_kind: 'system', details: { name: 'bootstrap', role: 'ops_admin', via: 'bootstrap' } }]);
  });

  it('stores keys only as keyed hashes', async () => {
    const created = await createApiKey(t.ctx, { name: 'x', role: 'ops_agent' });
    const row = await t.ctx.db.selectFrom('api_keys').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row.key_hash).not.toContain(created.key);
    expect(row.key_hash).toBe(t.ctx.hash('api_key', created.key));
  });
});

describe('audit chain', () => {
  it('verifies an intact chain and finds a tampered row', async () => {
    const before = (await verifyAudit(t.ctx.db, t.ctx.config.secrets.hmacKey)).rows;
    for (let i = 0; i < 5; i++) {
      await t.ctx.db.transaction().execute((trx) =>
        t.ctx.audit(trx, systemActor, { action: 'test.event', subjectType: 'test', subjectId: String(i), details: { i } }));
    }
    const ok = await verifyAudit(t.ctx.db, t.ctx.config.secrets.hmacKey);
    expect(ok).toMatchObject({ ok: true, rows: before + 5 });
    await sql`alter table audit_log disable trigger audit_log_append_only`.execute(t.ctx.db);
    await sql`update audit_log set details = '{"i": 99}' where subject_id = '2'`.execute(t.ctx.db);
    await sql`alter table audit_log enable trigger audit_log_append_only`.execute(t.ctx.db);
    const bad = await verifyAudit(t.ctx.db, t.ctx.config.secrets.hmacKey);
    expect(bad.ok).toBe(false);
    const tampered = await t.ctx.db.selectFrom('audit_log').select('seq').where('subject_id', '=', '2').executeTakeFirstOrThrow();
    expect(bad.firstBadSeq).toBe(tampered.seq);
    await sql`alter table audit_log disable trigger audit_log_append_only`.execute(t.ctx.db);
    await sql`update audit_log set details = '{"i": 2}' where subject_id = '2'`.execute(t.ctx.db);
    await sql`alter table audit_log enable trigger audit_log_append_only`.execute(t.ctx.db);
    expect((await verifyAudit(t.ctx.db, t.ctx.config.secrets.hmacKey)).ok).toBe(true);
  });

  it('chains concurrent transactions in lanes: each holds one lane, links stay intact, a broken link is found', async () => {
    const before = (await verifyAudit(t.ctx.db, t.ctx.config.secrets.hmacKey)).rows;
    // Eight transactions append at once (on PostgreSQL they overlap; PGlite runs them one by one),
    // each twice: both rows of a transaction go into the lane it holds.
    await Promise.all(Array.from({ length: 8 }, (_, i) => t.ctx.db.transaction().execute(async (trx) => {
      await t.ctx.audit(trx, systemActor, { action: 'test.lane', subjectType: 'lane', subjectId: `${i}a` });
      await new Promise((r) => setTimeout(r, 20));
      await t.ctx.audit(trx, systemActor, { action: 'test.lane', subjectType: 'lane', subjectId: `${i}b` });
    })));
    const rows = await t.ctx.db.selectFrom('audit_log').select(['subject_id', 'lane', 'seq']).where('action', '=', 'test.lane').orderBy('seq').execute();
    expect(rows).toHaveLength(16);
    for (let i = 0; i < 8; i++) {
      const [a, b] = [rows.find((r) => r.subject_id === `${i}a`)!, rows.find((r) => r.subject_id === `${i}b`)!];
      expect(b.lane).toBe(a.lane);
      expect(a.lane).toBeGreaterThanOrEqual(0);
      expect(a.lane).toBeLessThan(auditLanes);
    }
    if (testDbKind() === 'postgres') expect(new Set(rows.map((r) => r.lane)).size).toBeGreaterThan(1);
    expect(await verifyAudit(t.ctx.db, t.ctx.config.secrets.hmacKey)).toMatchObject({ ok: true, rows: before + 16 });
    // Moving a row to another lane breaks that lane's links.
    const moved = rows.at(-1)!;
    await sql`alter table audit_log disable trigger audit_log_append_only`.execute(t.ctx.db);
    await sql`update audit_log set lane = ${(moved.lane + 1) % auditLanes} where seq = ${moved.seq}`.execute(t.ctx.db);
    const bad = await verifyAudit(t.ctx.db, t.ctx.config.secrets.hmacKey);
    await sql`update audit_log set lane = ${moved.lane} where seq = ${moved.seq}`.execute(t.ctx.db);
    await sql`alter table audit_log enable trigger audit_log_append_only`.execute(t.ctx.db);
    expect(bad).toMatchObject({ ok: false, firstBadSeq: moved.seq, problem: 'link to the previous row is broken' });
  });

  it('keeps the appends of concurrent views of one transaction in its one lane, in order', async () => {
    await t.ctx.db.transaction().execute(async (trx) => {
      const views = await concurrentViews(trx, 8);
      await Promise.all(views.map((view, i) => t.ctx.audit(view, systemActor, { action: 'test.view', subjectType: 'view', subjectId: String(i) })));
    });
    const rows = await t.ctx.db.selectFrom('audit_log').select(['lane', 'subject_id']).where('action', '=', 'test.view').orderBy('seq').execute();
    // In the order they were made (the first written at once, the seven made meanwhile in one INSERT).
    expect(rows.map((r) => r.subject_id)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    expect(new Set(rows.map((r) => r.lane)).size).toBe(1);
    expect((await verifyAudit(t.ctx.db, t.ctx.config.secrets.hmacKey)).ok).toBe(true);
  });

  it('refuses updates and deletes of audit rows', async () => {
    await expect(sql`delete from audit_log`.execute(t.ctx.db)).rejects.toThrow(/append-only/);
  });
});

describe('test clock disabled', () => {
  it('answers 404 not_found whatever the body, before validation', async () => {
    const off = await createTestApp({ config: { enableTestClock: false } });
    try {
      const bodies = [
        { body: { now: '2030-01-02T03:04:05Z' } },
        { body: { now: 'yesterday' } },
        { body: { now: 12, extra: 1 } },
        { rawBody: '{"now":' },
        {},
      ];
      for (const options of bodies) {
        const res = await off.request('POST', '/v1/test-clock', { key: null, ...options });
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('not_found');
        expect(res.body.error.requestId).toMatch(/^req_/);
      }
      const read = await off.request('GET', '/v1/test-clock', { key: null });
      expect(read.status).toBe(404);
      expect(read.body.error.code).toBe('not_found');
      const before = off.ctx.clock.offsetMs();
      await off.request('POST', '/v1/test-clock', { body: { now: '2040-01-01T00:00:00Z' } });
      expect(off.ctx.clock.offsetMs()).toBe(before);
    } finally {
      await off.close();
    }
  });
});
