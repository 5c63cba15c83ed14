// Proves that KYC decisions, shipping and activation message the merchant through the real outbox
// (SMS gateway, SMTP server, inbox) with notice codes the public endpoint confirms, and that an
// SMTP outage is retried with backoff and then marked failed with the provider's error, nothing lost.
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/platform/api-keys.js';
import { deliverDueMessages, sendNotification } from '../src/modules/notifications/notification.service.js';
import { messageAttemptsMax } from '../src/modules/notifications/notification.limits.js';
import { insertDeviceModel, insertMerchant, insertTerminal, validCardNumber, validResidentId } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';
import { terminalRequest } from './terminal-client.js';

interface SmsBody { to: string; text: string; noticeCode: string }

let t: TestApp;
let sms: { server: Server; bodies: SmsBody[] };
let smtp: { server: SMTPServer; mails: { to: string[]; raw: string }[] };

function idNumber(sequence: string): string {
  return validResidentId(`11010519900307${sequence}`);
}

let counter = 0;
/** A merchant through the API; MCC 7995 (gambling) is high risk, so the submission goes to review. */
async function reviewedMerchant(phone: string, email: string): Promise<string> {
  counter++;
  const created = await t.request('POST', '/v1/merchants', { body: {
    type: 'individual', legalName: `通知测试店${counter}`, phone, email, idNumber: idNumber(String(200 + counter)), idName: '张三',
    idExpiry: '2040-01-01', mcc: '7995', address: { province: '北京市', city: '北京市', cityCode: '110100', district: '朝阳区', line: '建国路 1 号' },
    settlementAccount: { bank: '中国银行', number: validCardNumber(`62220210${String(30_000_000 + counter * 7)}12`), holder: '张三' } } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect((await t.request('POST', `/v1/merchants/${created.body.id}/submit`)).body.status).toBe('under_review');
  return created.body.id as string;
}

async function messagesOf(merchantId: string) {
  return t.ctx.db.selectFrom('notification_messages').select(['id', 'template', 'channel', 'status'])
    .where('merchant_id', '=', merchantId).orderBy('created_at').orderBy('channel').execute();
}

beforeAll(async () => {
  const bodies: SmsBody[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => { bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as SmsBody); response.writeHead(200).end('{}'); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sms = { server, bodies };
  const mails: { to: string[]; raw: string }[] = [];
  const smtpServer = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => { mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') }); callback(); });
    },
  });
  await new Promise<void>((resolve) => smtpServer.listen(0, '127.0.0.1', resolve));
  smtp = { server: smtpServer, mails };
  t = await createTestApp({ config: {
    smsWebhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`,
    smtpUrl: `smtp://127.0.0.1:${(smtpServer.server.address() as AddressInfo).port}`,
  } });
});
afterAll(async () => {
  await t.close();
  await new Promise<void>((r) => sms.server.close(() => r()));
  await new Promise<void>((r) => smtp.server.close(() => r()));
});

describe('KYC decisions message the merchant', () => {
  it('sends needs_info, then approved, by SMS, email and inbox with genuine notice codes', async () => {
    const merchantId = await reviewedMerchant('13700001111', 'kyc@shop.example');
    expect(await messagesOf(merchantId)).toEqual([]); // under review: nothing decided yet
    const asked = await t.request('POST', `/v1/merchants/${merchantId}/review`, { body: { decision: 'needs_info', note: '请补充门头照' } });
    expect(asked.status).toBe(200);
    expect((await messagesOf(merchantId)).map((m) => [m.template, m.channel, m.status])).toEqual([
      ['kyc_needs_info', 'email', 'pending'], ['kyc_needs_info', 'inbox', 'sent'], ['kyc_needs_info', 'sms', 'pending'],
    ]);
    expect((await t.request('POST', `/v1/merchants/${merchantId}/review`, { body: { decision: 'approve' } })).status).toBe(200);
    sms.bodies.length = 0;
    smtp.mails.length = 0;
    expect(await deliverDueMessages(t.ctx, { limit: 20 })).toMatchObject({ claimed: 4, sent: 4, failed: 0 });
    expect(sms.bodies.map((b) => b.to)).toEqual(['13700001111', '13700001111']);
    const needsInfo = sms.bodies.find((b) => b.text.includes('请补充门头照'))!;
    const approved = sms.bodies.find((b) => b !== needsInfo)!;
    for (const [body, subject] of [[needsInfo, '请补充商户资料'], [approved, '商户资料审核通过']] as const) {
      const check = await t.request('GET', `/v1/public/notices/${body.noticeCode}`, { key: null });
      expect(check.status).toBe(200);
      expect(check.body).toEqual({ genuine: true, channel: 'sms', sentAt: expect.any(String), recipient: '137****1111', subject });
    }
    expect(smtp.mails.map((m) => m.to)).toEqual([['kyc@shop.example'], ['kyc@shop.example']]);
    for (const mail of smtp.mails) {
      const mailCode = /X-Jihuo-Notice-Code: ([A-Z0-9]{8})/.exec(mail.raw)![1]!;
      expect((await t.request('GET', `/v1/public/notices/${mailCode}`, { key: null })).body).toMatchObject({ genuine: true, channel: 'email', recipient: 'k***@shop.example' });
    }
    const owner = await createApiKey(t.ctx, { name: 'owner', role: 'merchant_owner', merchantId });
    const inbox = await t.request('GET', `/v1/merchants/${merchantId}/inbox`, { key: owner.key });
    expect(inbox.body.data.map((m: { subject: string }) => m.subject).sort()).toEqual(['商户资料审核通过', '请补充商户资料']);
  });

  it('sends the rejection, and the automatic approval on submit', async () => {
    const rejected = await reviewedMerchant('13700002222', 'no@shop.example');
    await t.request('POST', `/v1/merchants/${rejected}/review`, { body: { decision: 'reject', note: '证件无法识别' } });
    expect((await messagesOf(rejected)).map((m) => m.template)).toEqual(['kyc_rejected', 'kyc_rejected', 'kyc_rejected']);
    counter++;
    const created = await t.request('POST', '/v1/merchants', { body: {
      type: 'individual', legalName: '自动通过店', phone: '13700003333', email: 'auto@shop.example', idNumber: idNumber('399'), idName: '张三',
      idExpiry: '2040-01-01', mcc: '5812', address: { province: '北京市', city: '北京市', cityCode: '110100', district: '朝阳区', line: '建国路 1 号' },
      settlementAccount: { bank: '中国银行', number: validCardNumber('622202109876543212'), holder: '张三' } } });
    expect((await t.request('POST', `/v1/merchants/${created.body.id}/submit`)).body.status).toBe('approved');
    expect((await messagesOf(created.body.id)).map((m) => [m.template, m.channel])).toEqual([
      ['kyc_approved', 'email'], ['kyc_approved', 'inbox'], ['kyc_approved', 'sms'],
    ]);
    await deliverDueMessages(t.ctx, { limit: 20 });
  });
});

describe('terminal messages', () => {
  it('tells the merchant when its terminal is shipped and when it is activated', async () => {
    const merchant = await insertMerchant(t.ctx, { phone: '13700004444' });
    const model = await insertDeviceModel(t.ctx, { requiredSelfTests: ['network'] });
    await insertTerminal(t.ctx, { modelCode: model, sn: `SHIP${counter}A` });
    const owner = await createApiKey(t.ctx, { name: 'owner', role: 'merchant_owner', merchantId: merchant.id });
    const applied = await t.request('POST', '/v1/terminal-applications', { key: owner.key, body: { modelCode: model, quantity: 1 } });
    expect(applied.status).toBe(201);
    await t.request('POST', `/v1/terminal-applications/${applied.body.id}/review`, { body: { decision: 'approve' } });
    const shipped = await t.request('POST', `/v1/terminal-applications/${applied.body.id}/ship`, { body: { carrier: 'SF', trackingNumber: `SF9${counter}00001` } });
    expect(shipped.status).toBe(201);
    const testing = await insertTerminal(t.ctx, { modelCode: model, merchantId: merchant.id, status: 'self_test' });
    const selfTest = await terminalRequest(t, { sn: testing.sn, key: testing.terminalKey! }, 'POST', '/terminal/v1/self-test', { results: { network: 'pass' } });
    expect(selfTest.body.status).toBe('active');
    expect((await messagesOf(merchant.id)).map((m) => [m.template, m.channel])).toEqual([
      ['terminal_shipped', 'inbox'], ['terminal_shipped', 'sms'], ['terminal_activated', 'inbox'], ['terminal_activated', 'sms'],
    ]);
    sms.bodies.length = 0;
    await deliverDueMessages(t.ctx, { limit: 20 });
    expect(sms.bodies.map((b) => b.text).join('\n')).toContain(`SF9${counter}00001`);
    expect(sms.bodies.map((b) => b.text).join('\n')).toContain(testing.sn);
  });
});

describe('an SMTP outage', () => {
  it('retries the email with backoff, then marks it failed with the provider error; nothing is lost', async () => {
    // A port that accepts nothing: bind a TCP server, note its port, close it.
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const down = await createTestApp({ config: { smtpUrl: `smtp://127.0.0.1:${closedPort}` } });
    try {
      const merchant = await insertMerchant(down.ctx, { email: 'outage@shop.example' });
      const [queued] = await down.ctx.db.transaction().execute((trx) => sendNotification(down.ctx, trx, {
        merchantId: merchant.id, template: 'kyc_approved', channels: ['email'], params: {}, locale: 'en' }));
      const start = down.ctx.clock.now().getTime();
      const nextAttempts: number[] = [];
      for (let attempt = 1; attempt <= messageAttemptsMax; attempt++) {
        const report = await deliverDueMessages(down.ctx, {});
        expect(report).toEqual({ claimed: 1, sent: 0, retrying: attempt < messageAttemptsMax ? 1 : 0, failed: attempt < messageAttemptsMax ? 0 : 1 });
        const row = await down.ctx.db.selectFrom('notification_messages').selectAll().where('id', '=', queued!.messageId).executeTakeFirstOrThrow();
        if (attempt < messageAttemptsMax) {
          nextAttempts.push(Math.round((row.next_attempt_at.getTime() - down.ctx.clock.now().getTime()) / 1000));
          // Not due before the backoff has passed.
          expect(await deliverDueMessages(down.ctx, {})).toMatchObject({ claimed: 0 });
          down.ctx.clock.set(new Date(row.next_attempt_at.getTime() + 1000));
        }
      }
      expect(nextAttempts).toEqual([30, 60, 120, 240]); // messageBackoffBaseSeconds × 2^(n−1)
      expect(down.ctx.clock.now().getTime() - start).toBeGreaterThan(450_000);
      const log = await down.request('GET', `/v1/notifications/messages?merchantId=${merchant.id}`);
      expect(log.body.data).toHaveLength(1);
      const message = log.body.data[0];
      expect(message).toMatchObject({ id: queued!.messageId, status: 'failed', attemptCount: messageAttemptsMax, channel: 'email' });
      expect(message.lastError).toMatch(/^SMTP delivery failed: .*ECONNREFUSED/);
      expect(message.attempts).toHaveLength(messageAttemptsMax);
      expect(message.attempts.every((a: { outcome: string; provider: string; error: string }) => a.outcome === 'error' && a.provider === 'smtp'
        && a.error.startsWith('SMTP delivery failed'))).toBe(true);
      // Nothing lost: the message is still there to check and to resend.
      expect((await down.request('GET', `/v1/public/notices/${queued!.noticeCode}`, { key: null })).body).toMatchObject({ genuine: true, channel: 'email' });
    } finally {
      await down.close();
    }
  });
});
