// Outbox checks for tests that go through the real notifications module: a local SMS gateway
// that records what it receives, the outbox rows of a merchant, and the public notice check.
import { randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliverDueMessages } from '../src/modules/notifications/notification.service.js';
import type { TestApp } from './harness.js';

export interface SmsBody { to: string; text: string; noticeCode: string }
export interface SmsReceiver { server: Server; url: string; bodies: SmsBody[]; close(): Promise<void> }

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** An HTTP SMS gateway on a free local port (Appendix A webhook body); answers 200 to everything. */
export async function startSmsReceiver(): Promise<SmsReceiver> {
  const bodies: SmsBody[] = [];
  const server = createServer((request, response) => {
    void readBody(request).then((body) => {
      bodies.push(JSON.parse(body) as SmsBody);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`;
  return { server, url, bodies, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** `GET /v1/public/notices/{code}`, each from its own client address so the per-IP limit never trips. */
export async function checkNotice(t: TestApp, code: string): Promise<{ status: number; body: any }> {
  const response = await t.app.inject({
    method: 'GET', url: `/v1/public/notices/${encodeURIComponent(code)}`, remoteAddress: `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`,
  });
  return { status: response.statusCode, body: response.json() };
}

export interface OutboxRow { template: string; channel: string; merchantId: string | null }

/** The outbox rows of a merchant (optionally one template), oldest first. */
export async function outboxRows(t: TestApp, merchantId: string, template?: string): Promise<OutboxRow[]> {
  let query = t.ctx.db.selectFrom('notification_messages').select(['template', 'channel', 'merchant_id'])
    .where('merchant_id', '=', merchantId);
  if (template) query = query.where('template', '=', template);
  const rows = await query.orderBy('created_at').orderBy('channel').execute();
  return rows.map((r) => ({ template: r.template, channel: r.channel, merchantId: r.merchant_id }));
}

export interface DeliveredSms extends OutboxRow { to: string; noticeCode: string; check: any }

/**
 * Runs the outbox worker, then for each SMS the gateway received since the last call: the outbox
 * row its notice code belongs to, and what the public notice check answers for that code.
 */
export async function deliveredSms(t: TestApp, receiver: SmsReceiver): Promise<DeliveredSms[]> {
  await deliverDueMessages(t.ctx);
  const result: DeliveredSms[] = [];
  for (const sms of receiver.bodies.splice(0)) {
    const row = await t.ctx.db.selectFrom('notification_messages').select(['template', 'channel', 'merchant_id'])
      .where('notice_code_hash', '=', t.ctx.hash('notice_code', sms.noticeCode)).executeTakeFirstOrThrow();
    result.push({
      template: row.template, channel: row.channel, merchantId: row.merchant_id, to: sms.to, noticeCode: sms.noticeCode,
      check: (await checkNotice(t, sms.noticeCode)).body,
    });
  }
  return result;
}

/** The notice code printed in the newest inbox message of a template (zh-CN or en footer). */
export async function inboxNoticeCode(t: TestApp, merchantId: string, template: string): Promise<string> {
  const inbox = await t.request('GET', `/v1/merchants/${merchantId}/inbox?limit=100`);
  const message = (inbox.body.data as Array<{ template: string; text: string }>).find((m) => m.template === template);
  if (!message) throw new Error(`no inbox message ${template} for ${merchantId}`);
  const match = /(?:核验码|Notice code) ([23456789A-Z]{8})/.exec(message.text);
  if (!match) throw new Error(`no notice code in ${message.text}`);
  return match[1]!;
}
