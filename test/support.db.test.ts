// Proves customer service: a ticket's life with internal notes and an SLA breach by the test
// clock, replies to closed tickets refused, scam reports as urgent fraud tickets, announcements
// shown only inside their window (portal, SMS to opted-in merchants), maintenance warnings, the
// hotline view, and help articles with suggestions.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiKey } from '../src/platform/api-keys.js';
import { deliverAnnouncements, announcementsForTerminal } from '../src/modules/support/announcement.service.js';
import { insertDeviceModel, insertMerchant, insertTerminal } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';
import { terminalRequest } from './terminal-client.js';

const sent: Array<{ merchantId: string; template: string; channels: string[] }> = [];
vi.mock('../src/modules/notifications/notification.service.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/modules/notifications/notification.service.js')>();
  return {
    ...original,
    sendNotification: async (_ctx: unknown, _trx: unknown, input: { merchantId: string; template: string; channels: string[] }) => {
      sent.push({ merchantId: input.merchantId, template: input.template, channels: input.channels });
      return [];
    },
  };
});

let t: TestApp;
let merchant: { id: string; mid: string };
let ownerKey: string;
let sn: string;

beforeAll(async () => {
  t = await createTestApp();
  t.ctx.clock.set(new Date('2030-03-04T02:00:00Z')); // 10:00 in Shanghai
  merchant = await insertMerchant(t.ctx, { phone: '13912345678' });
  ownerKey = (await createApiKey(t.ctx, { name: 'owner', role: 'merchant_owner', merchantId: merchant.id })).key;
  const model = await insertDeviceModel(t.ctx, { code: 'SUPPORT1' });
  sn = (await insertTerminal(t.ctx, { modelCode: model, merchantId: merchant.id, status: 'active' })).sn;
});
afterAll(async () => { await t.close(); });

describe('tickets', () => {
  it('runs a ticket from portal to close, keeps internal notes internal, and breaches SLA by the clock', async () => {
    const opened = await t.request('POST', '/v1/tickets', { key: ownerKey, body: { category: 'activation', subject: 'POS 要激活码', body: '终端突然要求输入激活码', terminalSn: sn } });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({ status: 'open', priority: 'normal', source: 'portal', slaBreached: false });
    const dueInMs = Date.parse(opened.body.slaDueAt) - Date.parse('2030-03-04T02:00:00Z');
    expect(dueInMs - 24 * 3_600_000).toBeGreaterThanOrEqual(0);
    expect(dueInMs - 24 * 3_600_000).toBeLessThan(60_000); // the clock runs on after it is set
    const id = opened.body.id;

    await t.request('POST', `/v1/tickets/${id}/messages`, { body: { body: 'checked the logs, firmware is old', internal: true } });
    const replied = await t.request('POST', `/v1/tickets/${id}/messages`, { body: { body: '请在终端上选择系统更新' } });
    expect(replied.status).toBe(201);
    expect(sent.at(-1)).toMatchObject({ merchantId: merchant.id, template: 'ticket_reply' });

    const merchantView = await t.request('GET', `/v1/tickets/${id}`, { key: ownerKey });
    expect(merchantView.body.status).toBe('pending_merchant');
    expect(merchantView.body.messages.map((m: { body: string }) => m.body)).toEqual(['终端突然要求输入激活码', '请在终端上选择系统更新']);
    expect(merchantView.body.terminal.sn).toBe(sn);
    const operatorView = await t.request('GET', `/v1/tickets/${id}`);
    expect(operatorView.body.messages).toHaveLength(3);

    t.ctx.clock.set(new Date('2030-03-05T03:00:00Z'));
    const breached = await t.request('GET', '/v1/tickets?slaBreached=true');
    expect(breached.body.data.map((x: { id: string }) => x.id)).toContain(id);

    expect((await t.request('POST', `/v1/tickets/${id}/status`, { body: { status: 'resolved' } })).body.status).toBe('resolved');
    expect((await t.request('POST', `/v1/tickets/${id}/status`, { key: ownerKey, body: { status: 'closed' } })).body.status).toBe('closed');
    const late = await t.request('POST', `/v1/tickets/${id}/messages`, { key: ownerKey, body: { body: 'one more thing' } });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('ticket_closed');
  });

  it('hides other merchants\' tickets', async () => {
    const other = await insertMerchant(t.ctx);
    const theirs = await t.request('POST', '/v1/tickets', { body: { merchantId: other.id, category: 'other', subject: 'x', body: 'y' } });
    expect(theirs.body.source).toBe('hotline');
    expect((await t.request('GET', `/v1/tickets/${theirs.body.id}`, { key: ownerKey })).status).toBe(404);
  });

  it('turns a scam report into an urgent fraud ticket', async () => {
    const res = await t.request('POST', '/v1/scam-reports', { key: ownerKey, body: { noticeCode: 'ABCD2345', note: '有人打电话要我的激活码' } });
    expect(res.status).toBe(201);
    expect(res.body.ticket).toMatchObject({ category: 'fraud', priority: 'urgent', fraud: true });
    const queue = await t.request('GET', '/v1/tickets?fraud=true');
    expect(queue.body.data[0].id).toBe(res.body.ticket.id);
    expect((await t.request('POST', '/v1/scam-reports', { key: ownerKey, body: {} })).status).toBe(400);
  });
});

describe('scam report from a case', () => {
  it('pauses the case deadline until an operator confirms it, and the merchant sees the outcome', async () => {
    const model = await insertDeviceModel(t.ctx, { code: 'SUPPORT2' });
    const device = await insertTerminal(t.ctx, { modelCode: model, merchantId: merchant.id, status: 'active' });
    t.ctx.clock.set(new Date('2030-06-01T02:00:00Z'));
    const opened = await t.request('POST', `/v1/terminals/${device.sn}/reactivations`, { body: { reason: 'system_upgrade', note: 'test' } });
    expect(opened.status).toBe(201);
    const caseId = opened.body.id;
    const deadline = Date.parse(opened.body.deadline);

    const report = await t.request('POST', '/v1/scam-reports', { key: ownerKey, body: { caseId, note: '我没有预期这个' } });
    expect(report.status).toBe(201);
    expect(report.body).toMatchObject({ casePaused: true, ticket: { category: 'fraud', priority: 'urgent', relatedCaseId: caseId } });
    const seen = await t.request('GET', `/v1/reactivations/${caseId}`, { key: ownerKey });
    expect(seen.body.dispute).toMatchObject({ status: 'under_review', ticketId: report.body.ticket.id });

    // Ten days on, well past the 7-day deadline, the disputed case still does not block.
    t.ctx.clock.set(new Date('2030-06-11T16:00:00Z')); // 00:00 in Shanghai: a quiet hour
    const sale = await terminalRequest(t, { sn: device.sn, key: device.terminalKey! }, 'POST', '/terminal/v1/transactions',
      { idempotencyKey: 'dispute-sale-1', method: 'wechat_qr', amount: 100 });
    expect(sale.body.status).toBe('approved');

    const confirmed = await t.request('POST', `/v1/reactivations/${caseId}/dispute/resolve`, { body: { decision: 'genuine' } });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.dispute.status).toBe('genuine');
    const moved = Date.parse(confirmed.body.deadline) - deadline;
    const paused = Date.parse('2030-06-11T16:00:00Z') - Date.parse('2030-06-01T02:00:00Z');
    expect(Math.abs(moved - paused)).toBeLessThan(10_000); // the clock runs on between calls
    expect((await t.request('POST', `/v1/reactivations/${caseId}/dispute/resolve`, { body: { decision: 'fraud' } })).status).toBe(409);

    const second = await t.request('POST', '/v1/scam-reports', { key: ownerKey, body: { caseId } });
    expect(second.body.casePaused).toBe(true);
    const fraud = await t.request('POST', `/v1/reactivations/${caseId}/dispute/resolve`, { body: { decision: 'fraud' } });
    expect(fraud.body).toMatchObject({ status: 'cancelled', dispute: { status: 'fraud' } });
  });
});

describe('announcements', () => {
  it('refuses an end before the start', async () => {
    const res = await t.request('POST', '/v1/announcements', { body: {
      kind: 'general', title: { zh: '通知', en: 'Notice' }, body: { zh: '内容', en: 'Body' },
      startsAt: '2030-03-10T00:00:00Z', endsAt: '2030-03-09T00:00:00Z' } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields[0].field).toBe('endsAt');
  });

  it('warns before publishing maintenance in business hours', async () => {
    const draft = await t.request('POST', '/v1/announcements', { body: {
      kind: 'maintenance', title: { zh: '系统维护', en: 'Maintenance' }, body: { zh: '维护期间暂停', en: 'Paused' },
      startsAt: '2030-03-10T04:00:00Z', endsAt: '2030-03-10T05:00:00Z' } }); // 12:00–13:00 Shanghai
    expect(draft.body.warnings).toHaveLength(1);
    const refused = await t.request('POST', `/v1/announcements/${draft.body.id}/publish`, { body: {} });
    expect(refused.status).toBe(409);
    const published = await t.request('POST', `/v1/announcements/${draft.body.id}/publish`, { body: { acknowledgeWarnings: true } });
    expect(published.body.status).toBe('published');
    const night = await t.request('POST', '/v1/announcements', { body: {
      kind: 'maintenance', title: { zh: '夜间维护', en: 'Night maintenance' }, body: { zh: '凌晨维护', en: 'Overnight' },
      startsAt: '2030-03-10T17:00:00Z', endsAt: '2030-03-10T19:00:00Z' } }); // 01:00–03:00 Shanghai
    expect(night.body.warnings).toEqual([]);
  });

  it('shows an announcement in the portal, on the terminal and by SMS only inside its window', async () => {
    await t.request('PUT', `/v1/merchants/${merchant.id}/announcement-opt-ins`, { key: ownerKey, body: { channels: ['sms'] } });
    const draft = await t.request('POST', '/v1/announcements', { body: {
      kind: 'firmware', title: { zh: '固件更新', en: 'Firmware update' }, body: { zh: '请更新', en: 'Please update' },
      startsAt: '2030-04-01T00:00:00Z', endsAt: '2030-04-02T00:00:00Z', channels: ['portal', 'terminal', 'sms'] } });
    await t.request('POST', `/v1/announcements/${draft.body.id}/publish`, { body: {} });
    const terminal = await t.ctx.db.selectFrom('terminals').select('id').where('sn', '=', sn).executeTakeFirstOrThrow();

    t.ctx.clock.set(new Date('2030-03-31T12:00:00Z'));
    expect((await t.request('GET', '/v1/announcements', { key: ownerKey })).body.data.map((a: { id: string }) => a.id)).not.toContain(draft.body.id);
    expect(await deliverAnnouncements(t.ctx)).toBe(0);

    t.ctx.clock.set(new Date('2030-04-01T06:00:00Z'));
    expect((await t.request('GET', '/v1/announcements', { key: ownerKey })).body.data.map((a: { id: string }) => a.id)).toContain(draft.body.id);
    expect((await announcementsForTerminal(t.ctx.db, terminal.id, t.ctx.clock.now())).map((a) => a.id)).toContain(draft.body.id);
    expect(await deliverAnnouncements(t.ctx)).toBe(1);
    expect(await deliverAnnouncements(t.ctx)).toBe(0);
    expect(sent.filter((s) => s.template === 'announcement')).toEqual([{ merchantId: merchant.id, template: 'announcement', channels: ['sms'] }]);

    t.ctx.clock.set(new Date('2030-04-03T00:00:00Z'));
    expect((await announcementsForTerminal(t.ctx.db, terminal.id, t.ctx.clock.now())).map((a) => a.id)).not.toContain(draft.body.id);
  });
});

describe('hotline and help', () => {
  it('finds the caller\'s merchant, terminals and tickets by phone', async () => {
    const res = await t.request('GET', '/v1/hotline/lookup?phone=13912345678');
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
    expect(res.body.data[0].merchant.id).toBe(merchant.id);
    expect(res.body.data[0].merchant.phone).toBe('139****5678');
    expect(res.body.data[0].terminals.map((x: { sn: string }) => x.sn)).toContain(sn);
    expect((await t.request('GET', '/v1/hotline/lookup?phone=13912345678', { key: ownerKey })).status).toBe(403);
  });

  it('finds the same merchant by a terminal SN or the merchant id, and wants exactly one key', async () => {
    const bySn = await t.request('GET', `/v1/hotline/lookup?sn=${sn}`);
    expect(bySn.status).toBe(200);
    expect(bySn.body.data.map((d: { merchant: { id: string } }) => d.merchant.id)).toEqual([merchant.id]);
    const byId = await t.request('GET', `/v1/hotline/lookup?merchantId=${merchant.id}`);
    expect(byId.body.data[0].terminals.map((x: { sn: string }) => x.sn)).toContain(sn);
    expect((await t.request('GET', '/v1/hotline/lookup?sn=NOSUCHSN0001')).body.data).toEqual([]);
    for (const query of ['', `?phone=13912345678&sn=${sn}`]) {
      const bad = await t.request('GET', `/v1/hotline/lookup${query}`);
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.fields[0]).toMatchObject({ field: 'phone', rule: 'one_of' });
    }
    const audited = await t.request('GET', '/v1/audit?action=hotline.lookup&limit=3');
    expect(audited.body.data.map((e: { details: { by: string } }) => e.details.by)).toEqual(['sn', 'merchantId', 'sn']);
  });

  it('serves help articles publicly and suggests slugs for unknown ones', async () => {
    const article = await t.request('GET', '/v1/help/articles/reactivation-risk-control?locale=en', { key: null });
    expect(article.status).toBe(200);
    expect(article.body.title).toContain('Risk control');
    const missing = await t.request('GET', '/v1/help/articles/reactivation-relocate', { key: null });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('help_article_not_found');
    expect(missing.body.error.details.suggestions[0]).toBe('reactivation-relocation');
  });
});
