// Proves merchant onboarding over HTTP on both databases: drafts, field errors, documents,
// submit with risk (approve / review / reject), review and needs_info, masking, reveal, scope.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/platform/api-keys.js';
import { verifyAudit } from '../src/platform/audit.js';
import { listMerchantEvents } from '../src/modules/merchants/merchant.service.js';
import { merchantsModule } from '../src/modules/merchants/merchants.module.js';
import { createTestApp, type TestApp } from './harness.js';

let t: TestApp;
let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'jihuo-merchants-'));
  t = await createTestApp({ config: { dataDir } });
});
afterAll(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 1)]);
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 2)]);

let counter = 0;
/** A valid individual merchant; every call uses fresh ID and card numbers unless given. */
function individual(overrides: Record<string, unknown> = {}) {
  counter++;
  return {
    type: 'individual', legalName: `测试小店${counter}`, phone: '13800138001', email: 'shop@example.com',
    idNumber: idNumber('11010519900307', String(100 + counter)), idName: '张三', idExpiry: '2040-01-01',
    mcc: '5812', address: { province: '北京市', city: '北京市', cityCode: '110100', district: '朝阳区', line: '建国路 1 号' },
    settlementAccount: { bank: '中国银行', number: card(`62220210${String(10_000_000 + counter * 7).slice(-8)}12`), holder: '张三' },
    ...overrides,
  };
}

function idNumber(first14: string, sequence = '123'): string {
  const first17 = `${first14.slice(0, 14)}${sequence}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  return first17 + '10X98765432'[sum % 11]!;
}

function card(payload: string): string {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    let d = Number(payload[payload.length - 1 - i]);
    if (i % 2 === 0) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return payload + String((10 - (sum % 10)) % 10);
}

function multipart(fields: Record<string, string>, file?: { name: string; bytes: Buffer; type: string }) {
  const boundary = '----jihuo-test-boundary';
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`));
    parts.push(file.bytes, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function upload(merchantId: string, kind: string, bytes: Buffer, key = 'test-admin-key-0123456789') {
  const body = multipart({ kind }, { name: 'f', bytes, type: 'image/jpeg' });
  const res = await t.app.inject({
    method: 'POST', url: `/v1/merchants/${merchantId}/documents`, payload: body.payload,
    headers: { 'content-type': body.contentType, authorization: `Bearer ${key}` },
  });
  return { status: res.statusCode, body: res.json() };
}

async function create(body: Record<string, unknown>) {
  const res = await t.request('POST', '/v1/merchants', { body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

describe('registration', () => {
  it('creates a draft with a 15-digit MID and masked sensitive numbers', async () => {
    const input = individual();
    const m = await create(input);
    expect(m).toMatchObject({ status: 'draft', type: 'individual', legalName: input.legalName, mcc: '5812', mccName: { zh: '餐馆' } });
    expect(m.id).toMatch(/^mch_/);
    expect(m.mid).toMatch(/^89811015812\d{4}$/);
    expect(m.idNumber).toBe(`110***********${input.idNumber.slice(-4)}`);
    expect(m.settlementAccount.number).toMatch(/^6222\*+\d{4}$/);
    expect(JSON.stringify(m)).not.toContain(input.idNumber);
    const row = await t.ctx.db.selectFrom('merchants').selectAll().where('id', '=', m.id).executeTakeFirstOrThrow();
    expect(row.id_number_enc).toMatch(/^v1\.k1\./);
    expect(row.id_number_hash).toBe(t.ctx.hash('id_number', input.idNumber));
    const history = await t.request('GET', `/v1/merchants/${m.id}/history`);
    expect(history.body.data).toEqual([expect.objectContaining({ from: null, to: 'draft', actorKind: 'api_key' })]);
  });

  it('names every invalid field and rule', async () => {
    const res = await t.request('POST', '/v1/merchants', {
      body: individual({ phone: '1234', idNumber: '110105199003071238', mcc: '9998', idExpiry: '2020-01-01', settlementAccount: { bank: '中国银行', number: '6222021000000000018', holder: '张三' } }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.fields.map((f: { field: string; rule: string }) => `${f.field}:${f.rule}`)).toEqual([
      'phone:mobile', 'idNumber:resident_id_check_digit', 'idExpiry:expired', 'mcc:mcc', 'settlementAccount.number:luhn',
    ]);
    const enterprise = await t.request('POST', '/v1/merchants', { body: { type: 'enterprise', legalName: 'X 公司', uscc: '91350100M000100Y44' } });
    expect(enterprise.body.error.details.fields).toEqual([expect.objectContaining({ field: 'uscc', rule: 'uscc_check_digit' })]);
    const unknown = await t.request('POST', '/v1/merchants', { body: { type: 'individual', legalName: 'x', nope: 1 } });
    expect(unknown.body.error.details.fields).toEqual([expect.objectContaining({ field: 'nope', rule: 'unknown_field' })]);
  });

  it('keeps partial drafts, lists what is missing, and refuses to submit an incomplete one', async () => {
    const m = await create({ type: 'enterprise', legalName: '草稿公司', phone: '13900139001' });
    const missing = await t.request('GET', `/v1/merchants/${m.id}/missing`);
    expect(missing.body.complete).toBe(false);
    expect(missing.body.data).toContainEqual({ field: 'uscc', reason: 'missing' });
    expect(missing.body.data).toContainEqual({ field: 'documents.license', reason: 'missing' });
    expect(missing.body.data).not.toContainEqual(expect.objectContaining({ field: 'phone' }));
    const submit = await t.request('POST', `/v1/merchants/${m.id}/submit`);
    expect(submit.status).toBe(400);
    expect(submit.body.error.details.fields).toContainEqual({ field: 'idNumber', rule: 'required', message: expect.any(String) });
    const patched = await t.request('PATCH', `/v1/merchants/${m.id}`, { body: { uscc: '91350100M000100Y43', address: { cityCode: '350100' } } });
    expect(patched.status).toBe(200);
    expect(patched.body.uscc).toBe('91350100M000100Y43');
    expect(patched.body.address.cityCode).toBe('350100');
    // Optional fields come off a draft again with null (an empty email means the same).
    expect((await t.request('PATCH', `/v1/merchants/${m.id}`, { body: { email: 'boss@shop.example' } })).status).toBe(200);
    const emailOf = async () => (await t.ctx.db.selectFrom('merchants').select(['email', 'uscc']).where('id', '=', m.id).executeTakeFirstOrThrow());
    expect(await emailOf()).toEqual({ email: 'boss@shop.example', uscc: '91350100M000100Y43' });
    const cleared = await t.request('PATCH', `/v1/merchants/${m.id}`, { body: { email: null, uscc: null } });
    expect(cleared.status).toBe(200);
    expect(await emailOf()).toEqual({ email: null, uscc: null });
    expect((await t.request('PATCH', `/v1/merchants/${m.id}`, { body: { email: 'boss@shop.example' } })).status).toBe(200);
    expect((await t.request('PATCH', `/v1/merchants/${m.id}`, { body: { email: '  ' } })).status).toBe(200);
    expect((await emailOf()).email).toBeNull();
    const bad = await t.request('PATCH', `/v1/merchants/${m.id}`, { body: { email: 'not-an-email' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields).toContainEqual(expect.objectContaining({ field: 'email', rule: 'email' }));
  });
});

describe('documents', () => {
  it('stores JPEG/PNG/PDF under random keys and refuses other types and oversize files, storing nothing', async () => {
    const m = await create(individual());
    const ok = await upload(m.id, 'id_front', jpeg);
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ kind: 'id_front', contentType: 'image/jpeg', sizeBytes: jpeg.length });
    const before = readdirSync(join(dataDir, 'blobs'), { recursive: true }).length;
    const wrong = await upload(m.id, 'id_back', Buffer.from('GIF89a not allowed'));
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('document_invalid');
    const huge = await upload(m.id, 'id_back', Buffer.concat([png, Buffer.alloc(10 * 1024 * 1024)]));
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('document_too_large');
    const badKind = await upload(m.id, 'selfie', jpeg);
    expect(badKind.status).toBe(400);
    expect(readdirSync(join(dataDir, 'blobs'), { recursive: true }).length).toBe(before);
    const list = await t.request('GET', `/v1/merchants/${m.id}/documents`);
    expect(list.body.data).toHaveLength(1);
    const content = await t.app.inject({ method: 'GET', url: `/v1/merchants/${m.id}/documents/${ok.body.id}/content`, headers: { authorization: 'Bearer test-admin-key-0123456789' } });
    expect(content.statusCode).toBe(200);
    expect(content.headers['content-type']).toBe('image/jpeg');
    expect(content.rawPayload.equals(jpeg)).toBe(true);
    const audit = await t.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'merchant.document_downloaded')
      .where('subject_id', '=', ok.body.id).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_kind: 'api_key', subject_type: 'merchant_document', merchant_id: m.id });
    expect(audit[0]!.details).toMatchObject({ kind: ok.body.kind, sha256: ok.body.sha256 });
    expect((await verifyAudit(t.ctx.db, t.ctx.config.secrets.hmacKey)).ok).toBe(true);
  });
});

describe('submit and review', () => {
  it('create → upload → submit → auto-approve; re-submit is 409', async () => {
    const m = await create(individual());
    for (const kind of ['id_front', 'id_back', 'bank_card']) expect((await upload(m.id, kind, jpeg)).status).toBe(201);
    const submit = await t.request('POST', `/v1/merchants/${m.id}/submit`);
    expect(submit.status).toBe(200);
    expect(submit.body).toMatchObject({ status: 'approved', risk: { score: 0, level: 'low', reasons: [] } });
    expect((await t.request('GET', `/v1/merchants/${m.id}/missing`)).body).toMatchObject({ complete: true, data: [] });
    const again = await t.request('POST', `/v1/merchants/${m.id}/submit`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('merchant_already_submitted');
    const review = await t.request('POST', `/v1/merchants/${m.id}/review`, { body: { decision: 'approve', note: 'x' } });
    expect(review.status).toBe(409);
    const history = await t.request('GET', `/v1/merchants/${m.id}/history`);
    expect(history.body.data.map((h: { to: string }) => h.to)).toEqual(['draft', 'submitted', 'approved']);
  });

  it('missing documents alone still approve with a named reason', async () => {
    const m = await create(individual());
    const submit = await t.request('POST', `/v1/merchants/${m.id}/submit`);
    expect(submit.body.status).toBe('approved');
    expect(submit.body.risk.reasons.map((r: { code: string }) => r.code)).toEqual(['documents_missing']);
  });

  it('decides by the configured risk thresholds (JIHUO_RISK_REVIEW_SCORE / JIHUO_RISK_REJECT_SCORE)', async () => {
    const defaults = t.ctx.config.riskThresholds;
    const reviewed = await create(individual({ mcc: '7995' }));
    const underDefaults = await t.request('POST', `/v1/merchants/${reviewed.id}/submit`);
    expect(underDefaults.body).toMatchObject({ status: 'under_review', risk: { score: 55, level: 'medium' } });
    try {
      t.ctx.config.riskThresholds = { reviewScore: 20, rejectScore: 50 };
      const rejected = await create(individual({ mcc: '7995' }));
      const strict = await t.request('POST', `/v1/merchants/${rejected.id}/submit`);
      expect(strict.body).toMatchObject({ status: 'rejected', risk: { score: 55, level: 'high' } });
      t.ctx.config.riskThresholds = { reviewScore: 60, rejectScore: 90 };
      const approved = await create(individual({ mcc: '7995' }));
      const lenient = await t.request('POST', `/v1/merchants/${approved.id}/submit`);
      expect(lenient.body).toMatchObject({ status: 'approved', risk: { score: 55, level: 'low' } });
    } finally {
      t.ctx.config.riskThresholds = defaults;
    }
  });

  it('high-risk MCC → under_review → needs_info → fix → approve', async () => {
    const m = await create(individual({ mcc: '7995' }));
    const submit = await t.request('POST', `/v1/merchants/${m.id}/submit`);
    expect(submit.body.status).toBe('under_review');
    expect(submit.body.risk.level).toBe('medium');
    expect(submit.body.risk.reasons.map((r: { code: string }) => r.code)).toContain('high_risk_mcc');
    expect((await t.request('PATCH', `/v1/merchants/${m.id}`, { body: { mcc: '5812' } })).status).toBe(409);
    const needsInfo = await t.request('POST', `/v1/merchants/${m.id}/review`, { body: { decision: 'needs_info', note: '请补充门头照' } });
    expect(needsInfo.body).toMatchObject({ status: 'needs_info', reviewNote: '请补充门头照' });
    const fixed = await t.request('PATCH', `/v1/merchants/${m.id}`, { body: { mcc: '5812' } });
    expect(fixed.status).toBe(200);
    const approve = await t.request('POST', `/v1/merchants/${m.id}/review`, { body: { decision: 'approve', note: 'ok' } });
    expect(approve.body.status).toBe('approved');
    expect(approve.body.approvedAt).not.toBeNull();
    const history = await t.request('GET', `/v1/merchants/${m.id}/history`);
    expect(history.body.data.map((h: { to: string }) => h.to)).toEqual(['draft', 'submitted', 'under_review', 'needs_info', 'approved']);
  });

  it('needs_info → re-submit goes through risk again', async () => {
    const m = await create(individual({ settlementAccount: { bank: '中国银行', number: card('621700765432101234'), holder: '李四' } }));
    const submit = await t.request('POST', `/v1/merchants/${m.id}/submit`);
    expect(submit.body.status).toBe('under_review');
    expect(submit.body.risk.reasons.map((r: { code: string }) => r.code)).toContain('holder_name_mismatch');
    await t.request('POST', `/v1/merchants/${m.id}/review`, { body: { decision: 'needs_info', note: 'holder' } });
    await t.request('PATCH', `/v1/merchants/${m.id}`, { body: { settlementAccount: { holder: '张三' } } });
    const again = await t.request('POST', `/v1/merchants/${m.id}/submit`);
    expect(again.body.status).toBe('approved');
  });

  it('flags reused ID numbers and rejects on the sandbox real-name failure and blacklist hits', async () => {
    const first = individual();
    await create(first);
    const reuse = await create(individual({ idNumber: first.idNumber }));
    const reused = await t.request('POST', `/v1/merchants/${reuse.id}/submit`);
    expect(reused.body.risk.reasons.map((r: { code: string }) => r.code)).toContain('id_number_reused');
    expect(reused.body.status).toBe('under_review');

    const fake = await create(individual({ idNumber: idNumber('44030519920615', '000') }));
    const rejected = await t.request('POST', `/v1/merchants/${fake.id}/submit`);
    expect(rejected.body.status).toBe('rejected');
    expect(rejected.body.risk.reasons.map((r: { code: string }) => r.code)).toContain('identity_verification_failed');
    expect((await t.request('POST', `/v1/merchants/${fake.id}/review`, { body: { decision: 'approve' } })).status).toBe(409);

    const bl = await t.request('POST', '/v1/merchant-blacklist', { body: { kind: 'phone', value: '13811112222', reason: 'fraud ring' } });
    expect(bl.status).toBe(201);
    expect(bl.body.value).toBe('138****2222');
    const listed = await create(individual({ phone: '+86 138 1111 2222' }));
    const hit = await t.request('POST', `/v1/merchants/${listed.id}/submit`);
    expect(hit.body).toMatchObject({ status: 'rejected', risk: { level: 'high', score: 100 } });
    expect((await t.request('GET', '/v1/merchant-blacklist')).body.data).toHaveLength(1);
    expect((await t.request('DELETE', `/v1/merchant-blacklist/${bl.body.id}`)).status).toBe(200);
  });
});

describe('sensitive data and scope', () => {
  it('reveals one field to an operator with an audit row', async () => {
    const input = individual();
    const m = await create(input);
    const res = await t.request('POST', `/v1/merchants/${m.id}/reveal`, { body: { field: 'idNumber' } });
    expect(res.body).toEqual({ field: 'idNumber', value: input.idNumber });
    const audit = await t.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'merchant.field_revealed')
      .where('subject_id', '=', m.id).execute();
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0]!.details)).not.toContain(input.idNumber);
    const agent = await createApiKey(t.ctx, { name: 'agent', role: 'ops_agent' });
    expect((await t.request('POST', `/v1/merchants/${m.id}/reveal`, { body: { field: 'idNumber' }, key: agent.key })).status).toBe(403);
  });

  it('merchant users see only their own merchant', async () => {
    const mine = await create(individual());
    const other = await create(individual());
    const owner = await createApiKey(t.ctx, { name: 'owner', role: 'merchant_owner', merchantId: mine.id });
    expect((await t.request('GET', `/v1/merchants/${mine.id}`, { key: owner.key })).status).toBe(200);
    const foreign = await t.request('GET', `/v1/merchants/${other.id}`, { key: owner.key });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('merchant_not_found');
    expect((await upload(other.id, 'id_front', jpeg, owner.key)).status).toBe(404);
    const list = await t.request('GET', '/v1/merchants', { key: owner.key });
    expect(list.body.data.map((m: { id: string }) => m.id)).toEqual([mine.id]);
    expect((await t.request('POST', `/v1/merchants/${mine.id}/review`, { body: { decision: 'approve' }, key: owner.key })).status).toBe(403);
    expect((await t.request('POST', '/v1/merchants', { body: { type: 'individual', legalName: 'x' }, key: null })).status).toBe(401);
  });

  it('lists with filters and cursor pagination', async () => {
    const a = await create(individual({ mcc: '5441' }));
    const b = await create(individual({ mcc: '5441' }));
    const page1 = await t.request('GET', '/v1/merchants?mcc=5441&limit=1');
    expect(page1.body.data.map((m: { id: string }) => m.id)).toEqual([b.id]);
    expect(page1.body.hasMore).toBe(true);
    const page2 = await t.request('GET', `/v1/merchants?mcc=5441&limit=1&cursor=${page1.body.nextCursor}`);
    expect(page2.body.data.map((m: { id: string }) => m.id)).toEqual([a.id]);
    expect(page2.body.hasMore).toBe(false);
    const byMid = await t.request('GET', `/v1/merchants?q=${a.mid}`);
    expect(byMid.body.data.map((m: { id: string }) => m.id)).toEqual([a.id]);
    const input = individual();
    const c = await create(input);
    const byId = await t.request('POST', '/v1/merchants/lookup', { body: { idNumber: input.idNumber } });
    expect(byId.body.data.map((m: { id: string }) => m.id)).toEqual([c.id]);
    const byAccount = await t.request('POST', '/v1/merchants/lookup', { body: { accountNumber: input.settlementAccount.number } });
    expect(byAccount.body.data.map((m: { id: string }) => m.id)).toEqual([c.id]);
    expect((await t.request('POST', '/v1/merchants/lookup', { body: {} })).status).toBe(400);
  });

  it('a settlement account change on an approved merchant is audited and emits an event', async () => {
    const m = await create(individual());
    await t.request('POST', `/v1/merchants/${m.id}/submit`);
    const number = card('621483123456789012');
    const res = await t.request('PUT', `/v1/merchants/${m.id}/settlement-account`, { body: { bank: '招商银行', number, holder: '张三' } });
    expect(res.status).toBe(200);
    expect(res.body.settlementAccount.number).toBe(`6214***********${number.slice(-4)}`);
    const events = await listMerchantEvents(t.ctx.db, { type: 'merchant.settlement_account_changed', merchantId: m.id });
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events[0]!.payload)).not.toContain(number);
  });

  it('asks again for an ID card that is about to expire (business clock moved)', async () => {
    const m = await create(individual({ idExpiry: '2031-01-10' }));
    for (const kind of ['id_front', 'id_back', 'bank_card']) await upload(m.id, kind, jpeg);
    expect((await t.request('GET', `/v1/merchants/${m.id}/missing`)).body.complete).toBe(true);
    await t.setNow('2031-01-01T04:00:00Z');
    const missing = await t.request('GET', `/v1/merchants/${m.id}/missing`);
    expect(missing.body.data).toEqual([
      { field: 'idExpiry', reason: 'expiring', expiresOn: '2031-01-10' },
      { field: 'documents.id_front', reason: 'expiring', expiresOn: '2031-01-10' },
      { field: 'documents.id_back', reason: 'expiring', expiresOn: '2031-01-10' },
    ]);
    const submit = await t.request('POST', `/v1/merchants/${m.id}/submit`);
    expect(submit.body.risk.reasons.map((r: { code: string }) => r.code)).toEqual(['document_expiring']);
    t.ctx.clock.setOffsetMs(0);
  });

  it('seeds demo merchants idempotently', async () => {
    await merchantsModule.seed!(t.ctx);
    await merchantsModule.seed!(t.ctx);
    const demo = await t.request('GET', '/v1/merchants/mch_demo0000000000000001');
    expect(demo.body).toMatchObject({ status: 'approved', mid: '898110054110001', phone: '13800138000', idNumber: '110***********1239' });
  });
});
