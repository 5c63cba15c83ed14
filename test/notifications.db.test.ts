// Proves the outbox end to end: an activation-code SMS reaches a local SMS gateway and an email a
// real SMTP server, notice codes verify (forged ones do not), outages retry with backoff then fail,
// concurrent workers deliver each message once, and the notice look-up is rate limited.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../src/platform/clock.js';
import { createContext, type AppContext } from '../src/platform/context.js';
import { openDatabase } from '../src/platform/db/database.js';
import { createLogger } from '../src/platform/log.js';
import { deliverDueMessages, sendNotification } from '../src/modules/notifications/notification.service.js';
import { insertDeviceModel, insertMerchant, insertTerminal } from './fixtures.js';
import { createTestApp, type TestApp, type TestResponse } from './harness.js';

interface SmsReceiver { server: Server; url: string; bodies: any[]; statuses: number[]; delayMs: number }

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function startSmsReceiver(): Promise<SmsReceiver> {
  const receiver: SmsReceiver = { server: undefined as never, url: '', bodies: [], statuses: [], delayMs: 0 };
  receiver.server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      if (receiver.delayMs) await new Promise((r) => setTimeout(r, receiver.delayMs));
      const status = receiver.statuses.shift() ?? 200;
      if (status === 200) receiver.bodies.push(JSON.parse(body));
      response.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{"ok":true}' : 'gateway down');
    })();
  });
  await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/sms`;
  return receiver;
}

interface Mail { to: string[]; raw: string }

async function startSmtpServer(): Promise<{ server: SMTPServer; port: number; mails: Mail[] }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.server.address() as AddressInfo).port, mails };
}

/** Decodes the quoted-printable or base64 text part of a simple mail. */
function mailText(raw: string): string {
  const [headers, ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join('\n\n');
  if (/content-transfer-encoding:\s*base64/i.test(headers!)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/content-transfer-encoding:\s*quoted-printable/i.test(headers!)) {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

let t: TestApp;
let sms: SmsReceiver;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;

beforeAll(async () => {
  sms = await startSmsReceiver();
  smtp = await startSmtpServer();
  t = await createTestApp({ config: { smsWebhookUrl: sms.url, smtpUrl: `smtp://127.0.0.1:${smtp.port}` } });
});
afterAll(async () => {
  await t.close();
  await new Promise<void>((r) => sms.server.close(() => r()));
  await new Promise<void>((r) => smtp.server.close(() => r()));
});

async function send(merchantId: string, template: string, channels: ('sms' | 'email' | 'inbox' | 'terminal')[], params: Record<string, string | number>, extra: { terminalId?: string; locale?: 'zh-CN' | 'en' } = {}) {
  return t.ctx.db.transaction().execute((trx) => sendNotification(t.ctx, trx, { merchantId, template, channels, params, ...extra }));
}

describe('delivery through the providers', () => {
  it('delivers an activation-code SMS to the SMS gateway with a notice code the public endpoint confirms', async () => {
    const merchant = await insertMerchant(t.ctx, { phone: '13812345678' });
    const [queued] = await send(merchant.id, 'activation_code_issued', ['sms'], { code: '123456789014', sn: 'SN-A1', expiresAt: '2030-01-04T00:00:00Z' });
    expect(queued!.noticeCode).toMatch(/^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$/);
    sms.bodies.length = 0;
    expect(await deliverDueMessages(t.ctx, { limit: 10 })).toEqual({ claimed: 1, sent: 1, retrying: 0, failed: 0 });
    expect(sms.bodies).toHaveLength(1);
    const body = sms.bodies[0];
    expect(Object.keys(body).sort()).toEqual(['noticeCode', 'text', 'to']);
    expect(body.to).toBe('13812345678');
    expect(body.noticeCode).toBe(queued!.noticeCode);
    expect(body.text).toContain('1234 5678 9014');
    expect(body.text).toContain(`核验码 ${queued!.noticeCode}`);
    expect(body.text).toContain('工作人员不会索要您的激活码');
    expect(body.text).not.toMatch(/https?:|www\./);

    const spaced = `${queued!.noticeCode.slice(0, 4).toLowerCase()} ${queued!.noticeCode.slice(4)}`;
    const check = await t.request('GET', `/v1/public/notices/${encodeURIComponent(spaced)}`, { key: null });
    expect(check.status).toBe(200);
    expect(check.body).toEqual({ genuine: true, channel: 'sms', sentAt: expect.any(String), recipient: '138****5678', subject: 'POS终端激活码' });
    const row = await t.ctx.db.selectFrom('notification_messages').selectAll().where('id', '=', queued!.messageId).executeTakeFirstOrThrow();
    expect(check.body.sentAt).toBe(row.sent_at!.toISOString());
    expect(row.body_enc).not.toContain('123456789014');
    expect(row.notice_code_hash).toBe(t.ctx.hash('notice_code', queued!.noticeCode));
  });

  it('delivers an email to a real SMTP server with the notice code and the official verify link', async () => {
    const merchant = await insertMerchant(t.ctx, { email: 'owner@shop.example' });
    const [queued] = await send(merchant.id, 'kyc_approved', ['email'], {}, { locale: 'en' });
    expect((await deliverDueMessages(t.ctx, {})).sent).toBe(1);
    const mail = smtp.mails.find((m) => m.to.includes('owner@shop.example'));
    expect(mail).toBeDefined();
    expect(mail!.raw).toMatch(/Subject: Merchant verification approved/);
    const text = mailText(mail!.raw);
    expect(text).toContain(`Notice code ${queued!.noticeCode}: check it at https://jihuo.example.cn/verify.`);
    const check = await t.request('GET', `/v1/public/notices/${queued!.noticeCode}`, { key: null });
    expect(check.body).toMatchObject({ genuine: true, channel: 'email', recipient: 'o***@shop.example', subject: 'Merchant verification approved' });
  });

  it('reports forged and malformed codes as not genuine with the bare body', async () => {
    for (const code of ['ABCDEFGH', '23456789', 'not-a-code', '0000', 'x'.repeat(40)]) {
      const res = await t.request('GET', `/v1/public/notices/${code}`, { key: null });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ genuine: false });
    }
  });

  it('stores inbox and terminal messages as delivered at once and shows the inbox', async () => {
    const merchant = await insertMerchant(t.ctx);
    const terminal = await insertTerminal(t.ctx, { modelCode: await insertDeviceModel(t.ctx), merchantId: merchant.id });
    const queued = await send(merchant.id, 'ticket_reply', ['inbox', 'terminal'], { ticketId: 'tkt_1', subject: 'Printer' }, { terminalId: terminal.id });
    const rows = await t.ctx.db.selectFrom('notification_messages').select(['channel', 'status']).where('merchant_id', '=', merchant.id).orderBy('channel').execute();
    expect(rows).toEqual([{ channel: 'inbox', status: 'sent' }, { channel: 'terminal', status: 'sent' }]);
    const inbox = await t.request('GET', `/v1/merchants/${merchant.id}/inbox`);
    expect(inbox.status).toBe(200);
    expect(inbox.body.data).toHaveLength(1);
    expect(inbox.body.data[0].text).toContain(`核验码 ${queued[0]!.noticeCode}，可在 https://jihuo.example.cn/verify 核验。`);
    expect((await t.request('GET', `/v1/public/notices/${queued[1]!.noticeCode}`, { key: null })).body.channel).toBe('terminal');
    const screen = await t.ctx.db.selectFrom('terminal_messages').selectAll().where('terminal_id', '=', terminal.id).execute();
    expect(screen).toHaveLength(1);
    expect(screen[0]).toMatchObject({ merchant_id: merchant.id, kind: 'notice', notice_code: queued[1]!.noticeCode });
    expect(screen[0]!.text_zh).toContain(`核验码 ${queued[1]!.noticeCode}`);
    expect(screen[0]!.text_en).toContain(`Notice code ${queued[1]!.noticeCode}`);
  });

  it('writes nothing when the caller\'s transaction rolls back', async () => {
    const merchant = await insertMerchant(t.ctx);
    await expect(t.ctx.db.transaction().execute(async (trx) => {
      await sendNotification(t.ctx, trx, { merchantId: merchant.id, template: 'kyc_approved', channels: ['sms', 'email'], params: {} });
      throw new Error('state change failed');
    })).rejects.toThrow('state change failed');
    const count = await t.ctx.db.selectFrom('notification_messages').select((eb) => eb.fn.countAll<string>().as('n')).where('merchant_id', '=', merchant.id).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });
});

describe('retries', () => {
  it('retries after a provider outage with backoff and records every attempt', async () => {
    const merchant = await insertMerchant(t.ctx, { phone: '13900001111' });
    const [queued] = await send(merchant.id, 'settlement_ready', ['sms'], { date: '2030-01-01', net: 123456 });
    sms.statuses.push(500);
    expect(await deliverDueMessages(t.ctx, {})).toEqual({ claimed: 1, sent: 0, retrying: 1, failed: 0 });
    expect(await deliverDueMessages(t.ctx, {})).toEqual({ claimed: 0, sent: 0, retrying: 0, failed: 0 }); // backing off
    t.ctx.clock.set(new Date(t.ctx.clock.now().getTime() + 31_000));
    expect(await deliverDueMessages(t.ctx, {})).toEqual({ claimed: 1, sent: 1, retrying: 0, failed: 0 });
    const log = await t.request('GET', `/v1/notifications/messages?merchantId=${merchant.id}&channel=sms`);
    expect(log.status).toBe(200);
    expect(log.body.data).toHaveLength(1);
    expect(log.body.data[0]).toMatchObject({ id: queued!.messageId, status: 'sent', attemptCount: 2, recipient: '139****1111', lastError: null });
    expect(log.body.data[0].attempts).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'error', provider: 'sms_webhook', error: 'SMS gateway answered HTTP 500: gateway down' }),
      expect.objectContaining({ attempt: 2, outcome: 'sent', provider: 'sms_webhook', error: null }),
    ]);
    expect(log.body.data[0].text).toBeUndefined();
  });

  it('marks a message failed with the provider error after the last attempt', async () => {
    const merchant = await insertMerchant(t.ctx);
    await send(merchant.id, 'kyc_rejected', ['sms'], {});
    for (let i = 0; i < 5; i++) {
      sms.statuses.push(503);
      const report = await deliverDueMessages(t.ctx, {});
      expect(report.claimed).toBe(1);
      t.ctx.clock.set(new Date(t.ctx.clock.now().getTime() + 3_600_000));
    }
    const log = await t.request('GET', `/v1/notifications/messages?merchantId=${merchant.id}&status=failed`);
    expect(log.body.data).toHaveLength(1);
    expect(log.body.data[0]).toMatchObject({ status: 'failed', attemptCount: 5, lastError: 'SMS gateway answered HTTP 503: gateway down' });
    expect(log.body.data[0].attempts).toHaveLength(5);
    expect(await deliverDueMessages(t.ctx, {})).toMatchObject({ claimed: 0 });
  });

  it('records a message to a merchant without a phone as failed instead of dropping it', async () => {
    const merchant = await insertMerchant(t.ctx);
    await t.ctx.db.updateTable('merchants').set({ phone: null }).where('id', '=', merchant.id).execute();
    await send(merchant.id, 'kyc_approved', ['sms'], {});
    const log = await t.request('GET', `/v1/notifications/messages?merchantId=${merchant.id}`);
    expect(log.body.data[0]).toMatchObject({ status: 'failed', lastError: 'The merchant has no phone number on file' });
  });
});

describe('several workers', () => {
  it('delivers each message exactly once with two concurrent passes on two connections', async () => {
    // PostgreSQL: a second context with its own pool. PGlite has one connection per process, so
    // there both passes share it; the claim still decides.
    let second: AppContext = t.ctx;
    let closeSecond = async () => {};
    if (t.database.url) {
      const handle = await openDatabase({ databaseUrl: t.database.url });
      second = createContext({ config: t.ctx.config, db: handle.db, dbKind: handle.kind, clock: new SystemClock(), log: createLogger('silent') });
      second.clock.setOffsetMs(t.ctx.clock.offsetMs());
      closeSecond = () => handle.close();
    }
    try {
      const merchant = await insertMerchant(t.ctx);
      const ids = new Set<string>();
      for (let i = 0; i < 12; i++) for (const q of await send(merchant.id, 'settlement_ready', ['sms'], { date: '2030-01-02', net: i })) ids.add(q.noticeCode);
      sms.bodies.length = 0;
      sms.delayMs = 20;
      const [a, b] = await Promise.all([deliverDueMessages(t.ctx, { limit: 12 }), deliverDueMessages(second, { limit: 12 })]);
      const [c, d] = await Promise.all([deliverDueMessages(t.ctx, { limit: 12 }), deliverDueMessages(second, { limit: 12 })]);
      sms.delayMs = 0;
      expect(a.sent + b.sent + c.sent + d.sent).toBe(12);
      expect(sms.bodies).toHaveLength(12);
      expect(new Set(sms.bodies.map((x) => x.noticeCode))).toEqual(ids);
    } finally {
      await closeSecond();
    }
  });
});

describe('notice look-up flood', () => {
  it('answers 429 with Retry-After once one IP exceeds the limit', async () => {
    let limited: TestResponse | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
      const res = await t.request('GET', '/v1/public/notices/ABCDEFGH', { key: null });
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(404);
    }
    expect(limited).toBeDefined();
    expect(limited!.body.error.code).toBe('rate_limited');
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
  });
});
