// Proves partner webhooks: operator-managed endpoints with a secret shown once, events written in
// the caller's transaction, HMAC-signed deliveries (t + "." + body), retries with backoff, the
// delivery log and manual redelivery; plus merchant-scoped inbox access.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/platform/api-keys.js';
import { SystemClock } from '../src/platform/clock.js';
import { createContext, type AppContext } from '../src/platform/context.js';
import { openDatabase } from '../src/platform/db/database.js';
import { createLogger } from '../src/platform/log.js';
import { sendNotification } from '../src/modules/notifications/notification.service.js';
import { createEndpoint, deliverDueWebhooks, emitEvent, updateEndpoint, verifyWebhookSignature } from '../src/modules/notifications/webhook.service.js';
import { insertMerchant } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';

interface Received { headers: IncomingHttpHeaders; body: string }
let receiver: { server: Server; url: string; received: Received[]; statuses: number[] };
let t: TestApp;

beforeAll(async () => {
  const received: Received[] = [];
  const statuses: number[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const status = statuses.shift() ?? 200;
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received, statuses };
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
  await new Promise<void>((r) => receiver.server.close(() => r()));
});

async function emit(type: 'terminal.activated' | 'deposit.refunded', merchantId: string, data: Record<string, unknown>) {
  return t.ctx.db.transaction().execute((trx) => emitEvent(t.ctx, trx, { type, merchantId, data }));
}

describe('webhook endpoints', () => {
  let endpointId: string;
  let secret: string;

  it('creates an endpoint whose secret is shown once', async () => {
    const created = await t.request('POST', '/v1/webhooks/endpoints', { body: { url: receiver.url, eventTypes: ['terminal.activated'], description: 'ERP' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: receiver.url, eventTypes: ['terminal.activated'], status: 'active' });
    expect(created.body.secret).toMatch(/^whsec_/);
    endpointId = created.body.id;
    secret = created.body.secret;
    const read = await t.request('GET', `/v1/webhooks/endpoints/${endpointId}`);
    expect(read.status).toBe(200);
    expect(read.body.secret).toBeUndefined();
    const row = await t.ctx.db.selectFrom('webhook_endpoints').select('secret_enc').where('id', '=', endpointId).executeTakeFirstOrThrow();
    expect(row.secret_enc).not.toContain(secret);
  });

  it('refuses unknown event types, bad URLs and non-admin callers', async () => {
    const bad = await t.request('POST', '/v1/webhooks/endpoints', { body: { url: 'ftp://x', eventTypes: ['terminal.exploded'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['eventTypes.0', 'url']);
    const agent = await createApiKey(t.ctx, { name: 'agent', role: 'ops_agent' });
    const denied = await t.request('POST', '/v1/webhooks/endpoints', { key: agent.key, body: { url: receiver.url, eventTypes: ['*'] } });
    expect(denied.status).toBe(403);
    expect((await t.request('GET', '/v1/webhooks/endpoints', { key: agent.key })).status).toBe(200);
  });

  it('delivers a subscribed event signed with HMAC-SHA256 over timestamp.body', async () => {
    const merchant = await insertMerchant(t.ctx);
    const { eventId, deliveries } = await emit('terminal.activated', merchant.id, { sn: 'SN1', terminalId: 'trm_1' });
    expect(deliveries).toBe(1);
    expect((await emit('deposit.refunded', merchant.id, { sn: 'SN1', amount: 29800 })).deliveries).toBe(0);
    receiver.received.length = 0;
    expect(await deliverDueWebhooks(t.ctx, {})).toEqual({ claimed: 1, delivered: 1, retrying: 0, failed: 0 });
    expect(receiver.received).toHaveLength(1);
    const { headers, body } = receiver.received[0]!;
    expect(JSON.parse(body)).toEqual({ id: eventId, type: 'terminal.activated', createdAt: expect.any(String), merchantId: merchant.id, data: { sn: 'SN1', terminalId: 'trm_1' } });
    const signature = String(headers['jihuo-signature']);
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature);
    expect(match).not.toBeNull();
    expect(match![2]).toBe(createHmac('sha256', secret).update(`${match![1]}.${body}`).digest('hex'));
    expect(verifyWebhookSignature(secret, signature, body, Math.floor(Date.now() / 1000))).toBe(true);
    expect(verifyWebhookSignature(secret, signature, `${body} `, Math.floor(Date.now() / 1000))).toBe(false);
    expect(headers['jihuo-event-id']).toBe(eventId);
  });

  it('retries a failing endpoint with backoff, logs attempts, and redelivers on request', async () => {
    const merchant = await insertMerchant(t.ctx);
    const { eventId } = await emit('terminal.activated', merchant.id, { sn: 'SN2' });
    receiver.received.length = 0;
    receiver.statuses.push(500);
    expect(await deliverDueWebhooks(t.ctx, {})).toMatchObject({ claimed: 1, retrying: 1 });
    expect(await deliverDueWebhooks(t.ctx, {})).toMatchObject({ claimed: 0 });
    t.ctx.clock.set(new Date(t.ctx.clock.now().getTime() + 61_000));
    expect(await deliverDueWebhooks(t.ctx, {})).toMatchObject({ claimed: 1, delivered: 1 });
    const log = await t.request('GET', `/v1/webhooks/deliveries?merchantId=${merchant.id}`);
    expect(log.status).toBe(200);
    expect(log.body.data).toHaveLength(1);
    const delivery = log.body.data[0];
    expect(delivery).toMatchObject({ eventId, endpointId, status: 'delivered', attemptCount: 2, lastStatusCode: 200 });
    expect(delivery.attempts.map((a: { statusCode: number; error: string | null }) => [a.statusCode, a.error])).toEqual([[500, 'HTTP 500'], [200, null]]);

    const again = await t.request('POST', `/v1/webhooks/deliveries/${delivery.id}/redeliver`);
    expect(again.status).toBe(202);
    expect(again.body.status).toBe('pending');
    expect(await deliverDueWebhooks(t.ctx, {})).toMatchObject({ claimed: 1, delivered: 1 });
    expect(receiver.received.map((r) => JSON.parse(r.body).id)).toEqual([eventId, eventId, eventId]);
  });

  it('writes no event when the caller\'s transaction rolls back', async () => {
    const merchant = await insertMerchant(t.ctx);
    await expect(t.ctx.db.transaction().execute(async (trx) => {
      await emitEvent(t.ctx, trx, { type: 'terminal.activated', merchantId: merchant.id, data: {} });
      throw new Error('rolled back');
    })).rejects.toThrow('rolled back');
    const rows = await t.ctx.db.selectFrom('webhook_events').select('id').where('merchant_id', '=', merchant.id).execute();
    expect(rows).toEqual([]);
  });

  it('sees, within one transaction, the endpoints that transaction creates or disables', async () => {
    const merchant = await insertMerchant(t.ctx);
    const emit = (trx: typeof t.ctx.db) => emitEvent(t.ctx, trx, { type: 'deposit.forfeited', merchantId: merchant.id, data: {} });
    const counts = await t.ctx.db.transaction().execute(async (trx) => {
      const before = (await emit(trx)).deliveries; // endpoints read once here, then remembered by the transaction
      const { row } = await createEndpoint(t.ctx, trx, { url: receiver.url, eventTypes: ['deposit.forfeited'] }, null);
      const created = (await emit(trx)).deliveries;
      await updateEndpoint(t.ctx, trx, row.id, { status: 'disabled' });
      const disabled = (await emit(trx)).deliveries;
      return [before, created, disabled];
    });
    expect(counts).toEqual([counts[0], counts[0]! + 1, counts[0]]);
  });

  it('delivers each event once with two concurrent worker passes on two connections', async () => {
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
      for (let i = 0; i < 10; i++) ids.add((await emit('terminal.activated', merchant.id, { i })).eventId);
      receiver.received.length = 0;
      const reports = await Promise.all([deliverDueWebhooks(t.ctx, { limit: 10 }), deliverDueWebhooks(second, { limit: 10 })]);
      expect(reports[0].delivered + reports[1].delivered).toBe(10);
      expect(receiver.received).toHaveLength(10);
      expect(new Set(receiver.received.map((r) => JSON.parse(r.body).id))).toEqual(ids);
    } finally {
      await closeSecond();
    }
  });

  it('deletes an endpoint and keeps its log', async () => {
    expect((await t.request('DELETE', `/v1/webhooks/endpoints/${endpointId}`)).status).toBe(204);
    expect((await t.request('GET', `/v1/webhooks/endpoints/${endpointId}`)).status).toBe(404);
    expect((await t.request('GET', `/v1/webhooks/deliveries?endpointId=${endpointId}`)).body.data.length).toBeGreaterThan(0);
  });
});

describe('merchant inbox access', () => {
  it('shows a merchant its own inbox and hides other merchants\' (404)', async () => {
    const mine = await insertMerchant(t.ctx);
    const other = await insertMerchant(t.ctx);
    await t.ctx.db.transaction().execute((trx) => sendNotification(t.ctx, trx, { merchantId: mine.id, template: 'kyc_approved', channels: ['inbox'], params: {}, locale: 'en' }));
    const owner = await createApiKey(t.ctx, { name: 'owner', role: 'merchant_owner', merchantId: mine.id });
    const inbox = await t.request('GET', `/v1/merchants/${mine.id}/inbox`, { key: owner.key });
    expect(inbox.status).toBe(200);
    expect(inbox.body.data.map((m: { subject: string }) => m.subject)).toEqual(['Merchant verification approved']);
    const read = await t.request('POST', `/v1/merchants/${mine.id}/inbox/${inbox.body.data[0].id}/read`, { key: owner.key });
    expect(read.status).toBe(200);
    expect((await t.request('GET', `/v1/merchants/${other.id}/inbox`, { key: owner.key })).status).toBe(404);
    expect((await t.request('GET', '/v1/notifications/messages', { key: owner.key })).status).toBe(403);
  });
});
