// Proves customer service: a ticket's life with internal notes and an SLA breach by the test
// clock, every ticket notice to the merchant through the real outbox with a notice code the public
// check confirms, assignment to operator users only, automatic tickets (third self-test failure in
// a row, activation lock), the activation steps and last self-test beside a ticket, scam reports
// (urgent fraud ticket, operator alert, case deadline paused), announcements on signed hello, in
// the portal and by SMS only inside their window, maintenance warnings, the hotline view, and help
// articles with suggestions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/platform/api-keys.js';
import { unwrapTerminalKey } from '../src/platform/crypto/terminal-keys.js';
import { dammValid } from '../src/modules/activation/activation-code.js';
import { deliverAnnouncements } from '../src/modules/support/announcement.service.js';
import { insertDeviceModel, insertMerchant, insertTerminal } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';
import { checkNotice, deliveredSms, inboxNoticeCode, outboxRows, startSmsReceiver, type SmsReceiver } from './outbox-checks.js';
import { terminalRequest } from './terminal-client.js';

let t: TestApp;
let sms: SmsReceiver;
let merchant: { id: string; mid: string };
let ownerKey: string;
let sn: string;
let terminalKey: Buffer;

beforeAll(async () => {
  sms = await startSmsReceiver();
  t = await createTestApp({ config: { smsWebhookUrl: sms.url } });
  t.ctx.clock.set(new Date('2030-03-04T02:00:00Z')); // 10:00 in Shanghai
  merchant = await insertMerchant(t.ctx, { phone: '13912345678' });
  ownerKey = (await createApiKey(t.ctx, { name: 'owner', role: 'merchant_owner', merchantId: merchant.id })).key;
  const model = await insertDeviceModel(t.ctx, { code: 'SUPPORT1' });
  const terminal = await insertTerminal(t.ctx, { modelCode: model, merchantId: merchant.id, status: 'active' });
  sn = terminal.sn;
  terminalKey = terminal.terminalKey!;
});
afterAll(async () => { await t.close(); await sms.close(); });

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
    // The merchant opened it: no notice for the opening, none for the internal note.
    expect(await outboxRows(t, merchant.id)).toEqual([]);
    const replied = await t.request('POST', `/v1/tickets/${id}/messages`, { body: { body: '请在终端上选择系统更新' } });
    expect(replied.status).toBe(201);
    expect(await outboxRows(t, merchant.id)).toEqual([
      { template: 'ticket_reply', channel: 'inbox', merchantId: merchant.id }, { template: 'ticket_reply', channel: 'sms', merchantId: merchant.id },
    ]);
    expect(await deliveredSms(t, sms)).toEqual([{
      template: 'ticket_reply', channel: 'sms', merchantId: merchant.id, to: '13912345678', noticeCode: expect.any(String),
      check: { genuine: true, channel: 'sms', sentAt: expect.any(String), recipient: '139****5678', subject: '工单回复：POS 要激活码' },
    }]);
    const inboxCheck = await checkNotice(t, await inboxNoticeCode(t, merchant.id, 'ticket_reply'));
    expect(inboxCheck).toEqual({ status: 200, body: { genuine: true, channel: 'inbox', sentAt: expect.any(String), recipient: 'merchant portal inbox', subject: '工单回复：POS 要激活码' } });

    const merchantView = await t.request('GET', `/v1/tickets/${id}`, { key: ownerKey });
    expect(merchantView.body.status).toBe('pending_merchant');
    expect(merchantView.body.messages.map((m: { body: string }) => m.body)).toEqual(['终端突然要求输入激活码', '请在终端上选择系统更新']);
    expect(merchantView.body.terminal.sn).toBe(sn);
    expect(merchantView.body.terminal.activation).toMatchObject({ progressPercent: 100, currentStep: null });
    expect(merchantView.body.terminal.lastSelfTest).toBeNull();
    const operatorView = await t.request('GET', `/v1/tickets/${id}`);
    expect(operatorView.body.messages).toHaveLength(3);

    t.ctx.clock.set(new Date('2030-03-05T03:00:00Z'));
    const breached = await t.request('GET', '/v1/tickets?slaBreached=true');
    expect(breached.body.data.map((x: { id: string }) => x.id)).toContain(id);

    expect((await t.request('POST', `/v1/tickets/${id}/status`, { body: { status: 'resolved' } })).body.status).toBe('resolved');
    expect((await deliveredSms(t, sms)).map((m) => [m.template, m.merchantId, m.check.genuine, m.check.subject]))
      .toEqual([['ticket_resolved', merchant.id, true, '工单已解决：POS 要激活码']]);
    expect((await t.request('POST', `/v1/tickets/${id}/status`, { key: ownerKey, body: { status: 'closed' } })).body.status).toBe('closed');
    // The merchant closed it: the only notices are the reply and the resolution.
    expect((await outboxRows(t, merchant.id)).map((r) => `${r.template}/${r.channel}`))
      .toEqual(['ticket_reply/inbox', 'ticket_reply/sms', 'ticket_resolved/inbox', 'ticket_resolved/sms']);
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

  it('tells the merchant through the outbox when an operator opens a ticket on a call and when it closes it', async () => {
    const caller = await insertMerchant(t.ctx, { phone: '13700001111' });
    const opened = await t.request('POST', '/v1/tickets', { body: { merchantId: caller.id, category: 'device', subject: '打印机', body: '来电：打印机不出纸' } });
    expect(opened.body.source).toBe('hotline');
    expect(await outboxRows(t, caller.id)).toEqual([
      { template: 'ticket_opened', channel: 'inbox', merchantId: caller.id }, { template: 'ticket_opened', channel: 'sms', merchantId: caller.id },
    ]);
    const [openedSms] = (await deliveredSms(t, sms)).filter((m) => m.merchantId === caller.id);
    expect(openedSms).toMatchObject({ template: 'ticket_opened', to: '13700001111', check: { genuine: true, channel: 'sms', recipient: '137****1111', subject: '已为您创建工单：打印机' } });
    expect((await checkNotice(t, await inboxNoticeCode(t, caller.id, 'ticket_opened'))).body).toMatchObject({ genuine: true, channel: 'inbox' });

    await t.request('POST', `/v1/tickets/${opened.body.id}/status`, { body: { status: 'resolved' } });
    expect((await t.request('POST', `/v1/tickets/${opened.body.id}/status`, { body: { status: 'closed' } })).body.status).toBe('closed');
    const notices = (await deliveredSms(t, sms)).filter((m) => m.merchantId === caller.id);
    // The worker sends in no particular order within a pass.
    expect(notices.map((m) => [m.template, m.channel, m.check.genuine, m.check.channel]).sort()).toEqual([
      ['ticket_closed', 'sms', true, 'sms'], ['ticket_resolved', 'sms', true, 'sms'],
    ]);
    expect((await checkNotice(t, await inboxNoticeCode(t, caller.id, 'ticket_closed'))).body).toMatchObject({ genuine: true, channel: 'inbox', subject: '工单已关闭：打印机' });
  });

  it('assigns and reassigns a ticket to operator users only', async () => {
    const password = 'Correct-Horse-Battery-9';
    const user = async (login: string, role: string, merchantId?: string) =>
      (await t.request('POST', '/v1/users', { body: { login, displayName: login, role, password, ...(merchantId ? { merchantId } : {}) } })).body.id as string;
    const agent = await user('agent.one@example.com', 'ops_agent');
    const risk = await user('risk.one@example.com', 'ops_risk');
    const shopOwner = await user('owner.one@example.com', 'merchant_owner', merchant.id);
    const ticket = (await t.request('POST', '/v1/tickets', { key: ownerKey, body: { category: 'other', subject: '结算疑问', body: '昨天没到账' } })).body.id as string;

    const assigned = await t.request('POST', `/v1/tickets/${ticket}/assign`, { body: { assigneeId: agent } });
    expect(assigned.status).toBe(200);
    expect(assigned.body.assigneeId).toBe(agent);
    const reassigned = await t.request('POST', `/v1/tickets/${ticket}/assign`, { body: { assigneeId: risk } });
    expect(reassigned.body.assigneeId).toBe(risk);
    expect((await t.request('GET', `/v1/tickets?assigneeId=${risk}`)).body.data.map((x: { id: string }) => x.id)).toEqual([ticket]);
    const audit = await t.ctx.db.selectFrom('audit_log').select('details').where('action', '=', 'ticket.assigned')
      .where('subject_id', '=', ticket).orderBy('seq').execute();
    expect(audit.map((a) => (typeof a.details === 'string' ? JSON.parse(a.details) : a.details))).toEqual([
      { assigneeId: agent, previousAssigneeId: null }, { assigneeId: risk, previousAssigneeId: agent },
    ]);

    const unknown = await t.request('POST', `/v1/tickets/${ticket}/assign`, { body: { assigneeId: 'usr_nobody' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('assignee_not_found');
    const notOperator = await t.request('POST', `/v1/tickets/${ticket}/assign`, { body: { assigneeId: shopOwner } });
    expect(notOperator.status).toBe(400);
    expect(notOperator.body.error).toMatchObject({ code: 'assignee_not_operator', details: { role: 'merchant_owner' } });
    expect((await t.request('GET', `/v1/tickets/${ticket}`)).body.assigneeId).toBe(risk);
  });

  it('turns a scam report into an urgent fraud ticket', async () => {
    const res = await t.request('POST', '/v1/scam-reports', { key: ownerKey, body: { noticeCode: 'ABCD2345', note: '有人打电话要我的激活码' } });
    expect(res.status).toBe(201);
    expect(res.body.ticket).toMatchObject({ category: 'fraud', priority: 'urgent', fraud: true });
    const queue = await t.request('GET', '/v1/tickets?fraud=true');
    expect(queue.body.data[0].id).toBe(res.body.ticket.id);
    const alerts = await t.request('GET', '/v1/activation/alerts');
    expect(alerts.body.data.filter((x: { kind: string }) => x.kind === 'scam_reported')).toEqual([expect.objectContaining({
      kind: 'scam_reported', merchantId: merchant.id, terminalId: null,
      details: { ticketId: res.body.ticket.id, caseId: null, noticeCode: 'ABCD2345' },
    })]);
    expect(await outboxRows(t, merchant.id, 'scam_report_received')).toEqual([
      { template: 'scam_report_received', channel: 'inbox', merchantId: merchant.id },
      { template: 'scam_report_received', channel: 'sms', merchantId: merchant.id },
    ]);
    expect((await deliveredSms(t, sms)).filter((m) => m.merchantId === merchant.id)).toEqual([expect.objectContaining({
      template: 'scam_report_received', channel: 'sms', to: '13912345678',
      check: { genuine: true, channel: 'sms', sentAt: expect.any(String), recipient: '139****5678', subject: '已收到您的可疑消息举报' },
    })]);
    // No second notice: the report's own message replaces the "ticket opened" one.
    expect(await outboxRows(t, merchant.id, 'ticket_opened')).toEqual([]);
    expect((await t.request('POST', '/v1/scam-reports', { key: ownerKey, body: {} })).status).toBe(400);
  });
});

/** A well-formed code (valid check digit) that is not the issued one. */
function wrongCode(code: string, n: number): string {
  for (let i = 1; ; i++) {
    const body = String((Number(code.slice(0, 11)) + i * 7919 + n * 104729) % 1e11).padStart(11, '0');
    for (let d = 0; d < 10; d++) if (dammValid(body + d) && body + d !== code) return body + d;
  }
}

async function ticketsOfTerminal(merchantId: string, terminalId: string) {
  const list = await t.request('GET', `/v1/tickets?merchantId=${merchantId}`);
  return (list.body.data as Array<{ id: string; terminalId: string }>).filter((x) => x.terminalId === terminalId);
}

describe('automatic tickets', () => {
  it('opens one ticket on the third self-test failure in a row, and again for a new streak', async () => {
    const shop = await insertMerchant(t.ctx);
    const device = await insertTerminal(t.ctx, { modelCode: await insertDeviceModel(t.ctx, { code: 'SUPPORT3' }), merchantId: shop.id, status: 'delivered' });
    const code = (await t.request('POST', `/v1/terminals/${device.sn}/activation-codes`, { body: { channel: 'portal' } })).body.code as string;
    const activated = await terminalRequest(t, { sn: device.sn, key: device.factoryKey }, 'POST', '/terminal/v1/activate', { activationCode: code });
    const who = { sn: device.sn, key: unwrapTerminalKey(device.factoryKey, device.sn, activated.body.terminalKey) };
    const failing = { cardReader: 'pass', contactless: 'pass', printer: 'fail', network: 'pass' };
    const selfTest = (results: Record<string, string>) => terminalRequest(t, who, 'POST', '/terminal/v1/self-test', { results });

    for (let i = 0; i < 2; i++) expect((await selfTest(failing)).body.passed).toBe(false);
    expect(await ticketsOfTerminal(shop.id, device.id)).toEqual([]);
    await selfTest(failing);
    const [ticket] = await ticketsOfTerminal(shop.id, device.id);
    expect(ticket).toMatchObject({ source: 'auto', category: 'device', priority: 'high', status: 'open',
      subject: `Self-test failed 3 times on terminal ${device.sn}` });
    const detail = await t.request('GET', `/v1/tickets/${ticket!.id}`);
    expect(detail.body.messages).toHaveLength(1);
    expect(detail.body.messages[0].body).toContain('printer');
    // Beside the ticket: where activation stands, the last self-test, the timeline, no open case.
    expect(detail.body.terminal.activation.steps.map((x: { key: string; status: string }) => `${x.key}:${x.status}`)).toEqual([
      'preparation:done', 'account:done', 'device_setup:done', 'system_activation:done', 'function_test:blocked', 'in_service:pending',
    ]);
    expect(detail.body.terminal.activation).toMatchObject({ progressPercent: 67, currentStep: 'function_test', lockedUntil: null });
    expect(detail.body.terminal.activation.steps[4].helpSlug).toBe('activation-step-function-test');
    expect(detail.body.terminal.lastSelfTest).toEqual({ passed: false, results: failing, at: expect.any(String) });
    expect(detail.body.terminal.timeline.filter((e: { kind: string }) => e.kind === 'self_test')).toHaveLength(3);
    const timeline = detail.body.terminal.timeline as { at: string; kind: string; actor: string }[];
    expect(timeline.map((e) => e.at)).toEqual(timeline.map((e) => e.at).sort().reverse()); // newest first
    expect(Object.keys(timeline[0]!).sort()).toEqual(['actor', 'at', 'from', 'kind', 'reason', 'to']);
    expect(timeline[0]!.actor).toEqual(expect.any(String));
    expect(detail.body.terminal.reactivation).toBeNull();

    await selfTest(failing); // the fourth failure of the same streak opens nothing
    expect(await ticketsOfTerminal(shop.id, device.id)).toHaveLength(1);
    expect((await t.request('GET', `/v1/tickets/${ticket!.id}`)).body.messages).toHaveLength(1);

    expect((await selfTest({ ...failing, printer: 'pass' })).body.status).toBe('active');
    await t.request('POST', `/v1/tickets/${ticket!.id}/status`, { body: { status: 'resolved' } });
    for (let i = 0; i < 2; i++) await selfTest(failing);
    expect(await ticketsOfTerminal(shop.id, device.id)).toHaveLength(1);
    await selfTest(failing);
    const after = await ticketsOfTerminal(shop.id, device.id);
    expect(after).toHaveLength(2);
    expect(after.filter((x) => x.id !== ticket!.id)[0]).toMatchObject({ source: 'auto', category: 'device', status: 'open' });
  });

  it('opens a ticket when activation locks, and notes a repeated lock on the same open ticket', async () => {
    const shop = await insertMerchant(t.ctx);
    const device = await insertTerminal(t.ctx, { modelCode: await insertDeviceModel(t.ctx, { code: 'SUPPORT4' }), merchantId: shop.id, status: 'delivered' });
    const factory = { sn: device.sn, key: device.factoryKey };
    const start = Date.parse('2030-03-04T02:00:00Z');
    const lockOnce = async (round: number) => {
      let last = 0;
      for (let i = 0; i < 10; i++) {
        const code = (await t.request('POST', `/v1/terminals/${device.sn}/activation-codes`, { body: { channel: 'portal' } })).body.code as string;
        last = (await terminalRequest(t, factory, 'POST', '/terminal/v1/activate', { activationCode: wrongCode(code, round * 10 + i) })).status;
      }
      return last;
    };
    t.ctx.clock.set(new Date(start));
    expect(await lockOnce(0)).toBe(423);
    const tickets = await ticketsOfTerminal(shop.id, device.id);
    expect(tickets).toHaveLength(1);
    expect(tickets[0]).toMatchObject({ source: 'auto', category: 'activation', priority: 'high', subject: `Activation locked on terminal ${device.sn}` });
    const alerts = await t.request('GET', '/v1/activation/alerts');
    const alert = alerts.body.data.find((a: { kind: string; terminalId: string }) => a.kind === 'activation_locked' && a.terminalId === device.id);
    expect(alert.details.ticketId).toBe(tickets[0]!.id);

    t.ctx.clock.set(new Date(start + 61 * 60_000)); // the lock ended; ten more failures lock it again
    expect(await lockOnce(1)).toBe(423);
    expect(await ticketsOfTerminal(shop.id, device.id)).toHaveLength(1);
    const detail = await t.request('GET', `/v1/tickets/${tickets[0]!.id}`);
    expect(detail.body.messages.map((m: { visibility: string }) => m.visibility)).toEqual(['merchant', 'internal']);
    t.ctx.clock.set(new Date('2030-03-04T02:00:00Z'));
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
    const ticket = await t.request('GET', `/v1/tickets/${report.body.ticket.id}`);
    expect(ticket.body.terminal).toMatchObject({ sn: device.sn, reactivation: { caseId, reason: 'system_upgrade' }, activation: { progressPercent: 100 } });

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
    const quiet = await insertMerchant(t.ctx, { phone: '13600002222' });
    const quietKey = (await createApiKey(t.ctx, { name: 'quiet owner', role: 'merchant_owner', merchantId: quiet.id })).key;
    await t.request('PUT', `/v1/merchants/${merchant.id}/announcement-opt-ins`, { key: ownerKey, body: { channels: ['sms'] } });
    const draft = await t.request('POST', '/v1/announcements', { body: {
      kind: 'firmware', title: { zh: '固件更新', en: 'Firmware update' }, body: { zh: '请更新', en: 'Please update' },
      startsAt: '2030-04-01T00:00:00Z', endsAt: '2030-04-02T00:00:00Z', channels: ['portal', 'terminal', 'sms'] } });
    await t.request('POST', `/v1/announcements/${draft.body.id}/publish`, { body: {} });
    const id = draft.body.id as string;
    const who = { sn, key: terminalKey };
    const onScreen = async (path: 'hello' | 'messages') => {
      const res = path === 'hello'
        ? await terminalRequest(t, who, 'POST', '/terminal/v1/hello', { firmwareVersion: '2.0.0' })
        : await terminalRequest(t, who, 'GET', '/terminal/v1/messages');
      expect(res.status).toBe(200);
      return (path === 'hello' ? res.body.messages : res.body.data).filter((m: { id: string }) => m.id === id);
    };
    const inPortal = async (key: string) => (await t.request('GET', '/v1/announcements', { key })).body.data.some((a: { id: string }) => a.id === id);
    await deliveredSms(t, sms); // start from an empty gateway

    t.ctx.clock.set(new Date('2030-03-31T12:00:00Z')); // before the window
    expect(await onScreen('hello')).toEqual([]);
    expect(await inPortal(ownerKey)).toBe(false);
    expect(await deliverAnnouncements(t.ctx)).toBe(0);
    expect(await outboxRows(t, merchant.id, 'announcement')).toEqual([]);

    t.ctx.clock.set(new Date('2030-04-01T06:00:00Z')); // inside it
    const [shown] = await onScreen('hello');
    expect(shown).toEqual({ id, kind: 'update', text: { zh: '固件更新：请更新', en: 'Firmware update: Please update' }, noticeCode: expect.any(String), createdAt: expect.any(String) });
    expect(await checkNotice(t, shown.noticeCode)).toEqual({ status: 200, body: {
      genuine: true, channel: 'terminal', sentAt: expect.any(String), recipient: 'POS terminal screen', subject: '固件更新' } });
    expect(await onScreen('hello')).toEqual([shown]); // every hello while active, with the same code
    expect(await onScreen('messages')).toEqual([shown]);
    expect(await inPortal(ownerKey)).toBe(true);
    expect(await inPortal(quietKey)).toBe(true);
    expect(await deliverAnnouncements(t.ctx)).toBe(1);
    expect(await deliverAnnouncements(t.ctx)).toBe(0);
    expect(await outboxRows(t, merchant.id, 'announcement')).toEqual([
      { merchantId: merchant.id, template: 'announcement', channel: 'terminal' }, { merchantId: merchant.id, template: 'announcement', channel: 'sms' },
    ]);
    expect(await outboxRows(t, quiet.id, 'announcement')).toEqual([]); // not opted in
    expect(await deliveredSms(t, sms)).toEqual([{
      template: 'announcement', channel: 'sms', merchantId: merchant.id, to: '13912345678', noticeCode: expect.any(String),
      check: { genuine: true, channel: 'sms', sentAt: expect.any(String), recipient: '139****5678', subject: '固件更新' },
    }]);

    t.ctx.clock.set(new Date('2030-04-03T00:00:00Z')); // after it
    expect(await onScreen('hello')).toEqual([]);
    expect(await onScreen('messages')).toEqual([]);
    expect(await inPortal(ownerKey)).toBe(false);
    expect(await deliverAnnouncements(t.ctx)).toBe(0);
    expect(await deliveredSms(t, sms)).toEqual([]);
    expect((await outboxRows(t, merchant.id, 'announcement')).length).toBe(2);
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

  it('shows the caller\'s open re-activation cases and unclosed tickets, and nobody else\'s', async () => {
    t.ctx.clock.set(new Date('2030-07-01T02:00:00Z'));
    const caller = await insertMerchant(t.ctx, { phone: '13511112222' });
    const model = await insertDeviceModel(t.ctx, { code: 'SUPPORT5' });
    const withCase = await insertTerminal(t.ctx, { modelCode: model, merchantId: caller.id, status: 'active', sn: 'SNHOTLINE01' });
    await insertTerminal(t.ctx, { modelCode: model, merchantId: caller.id, status: 'active', sn: 'SNHOTLINE02' });
    const opened = await t.request('POST', `/v1/terminals/${withCase.sn}/reactivations`, { body: { reason: 'security_verification', note: 'annual check' } });
    expect(opened.status).toBe(201);
    const ticket = (await t.request('POST', '/v1/tickets', { body: { merchantId: caller.id, terminalSn: withCase.sn, category: 'reactivation', subject: '为什么要验证', body: '来电询问' } })).body;
    const done = (await t.request('POST', '/v1/tickets', { body: { merchantId: caller.id, category: 'other', subject: '已处理', body: 'x' } })).body;
    await t.request('POST', `/v1/tickets/${done.id}/status`, { body: { status: 'resolved' } });
    await t.request('POST', `/v1/tickets/${done.id}/status`, { body: { status: 'closed' } });
    const stranger = await insertMerchant(t.ctx, { phone: '13599998888' });
    await t.request('POST', '/v1/tickets', { body: { merchantId: stranger.id, category: 'other', subject: '别人的', body: 'y' } });

    const res = await t.request('GET', '/v1/hotline/lookup?phone=13511112222');
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
    const view = res.body.data[0];
    expect(view.merchant).toMatchObject({ id: caller.id, phone: '135****2222' });
    expect(view.terminals.map((x: { sn: string; reactivation: unknown }) => [x.sn, x.reactivation])).toEqual([
      ['SNHOTLINE01', { caseId: opened.body.id, reason: 'security_verification', policy: 'grace', deadline: opened.body.deadline }],
      ['SNHOTLINE02', null],
    ]);
    expect(view.openTickets.map((x: { id: string; status: string; terminalId: string }) => [x.id, x.status, x.terminalId])).toEqual([
      [ticket.id, 'open', withCase.id],
    ]);
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
