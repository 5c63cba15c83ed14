// Proves that the real flows emit partner webhooks in their own transactions: a subscribed receiver
// gets, signed and in order, merchant approval → assignment → code issued → activation → sale →
// void → settlement statement; unsubscribed types are not delivered; no payload carries a secret.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/platform/api-keys.js';
import { unwrapTerminalKey } from '../src/platform/crypto/terminal-keys.js';
import { assertSafeEventData, deliverDueWebhooks, verifyWebhookSignature } from '../src/modules/notifications/webhook.service.js';
import { createTestApp, type TestApp } from './harness.js';
import { validCardNumber, validResidentId } from './fixtures.js';
import { terminalRequest } from './terminal-client.js';

interface Received { path: string; headers: IncomingHttpHeaders; body: string }

const subscribed = [
  'merchant.approved', 'terminal.assigned', 'activation.code_issued', 'activation.code_redeemed',
  'transaction.approved', 'transaction.voided', 'settlement.statement_created',
];

let t: TestApp;
let server: Server;
let baseUrl: string;
let activeSn = '';
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('webhooks from the real flows', () => {
  it('delivers the subscribed events of a merchant-to-settlement flow, signed and in order', async () => {
    const partner = await t.request('POST', '/v1/webhooks/endpoints', { body: { url: `${baseUrl}/partner`, eventTypes: subscribed } });
    const everything = await t.request('POST', '/v1/webhooks/endpoints', { body: { url: `${baseUrl}/all`, eventTypes: ['*'] } });
    expect([partner.status, everything.status]).toEqual([201, 201]);
    await t.request('POST', '/v1/test-clock', { body: { now: '2030-06-01T02:00:00Z' } });

    expect((await t.request('POST', '/v1/device-models', { body: {
      code: 'WH-QR', name: 'QR box', kind: 'qr_box', price: 9900, deposit: { amount: 9900, threshold: 1_000_000, windowDays: 90 }, requiredSelfTests: ['network'], minFirmware: '1.0.0' } })).status).toBe(201);
    const idNumber = validResidentId('11010519900307123');
    const accountNumber = validCardNumber('622202123456789');
    const merchant = await t.request('POST', '/v1/merchants', { body: {
      type: 'individual', legalName: '李记早点', phone: '13800138001', email: 'li@example.com', idNumber, idName: '李小龙',
      idExpiry: '2040-01-01', mcc: '5812', address: { province: '北京市', city: '北京市', cityCode: '110100', district: '朝阳区', line: '建国路 8 号' },
      settlementAccount: { bank: '中国银行', number: accountNumber, holder: '李小龙' } } });
    const merchantId = merchant.body.id as string;
    expect((await t.request('POST', `/v1/merchants/${merchantId}/submit`)).body.status).toBe('approved');

    const sn = `WH${randomBytes(4).toString('hex').toUpperCase()}`;
    const factoryKey = randomBytes(32);
    await t.request('POST', '/v1/terminals/import', { body: { terminals: [{ sn, modelCode: 'WH-QR', factoryKey: factoryKey.toString('hex') }] } });
    expect((await t.request('POST', `/v1/terminals/${sn}/assign`, { body: { merchantId } })).status).toBe(200);
    const issued = await t.request('POST', `/v1/terminals/${sn}/activation-codes`, { body: { channel: 'portal' } });
    expect(issued.status).toBe(201);
    const activated = await terminalRequest(t, { sn, key: factoryKey }, 'POST', '/terminal/v1/activate', { activationCode: issued.body.code });
    expect(activated.status).toBe(200);
    const device = { sn, key: unwrapTerminalKey(factoryKey, sn, activated.body.terminalKey) };
    expect((await terminalRequest(t, device, 'POST', '/terminal/v1/self-test', { results: { network: 'pass' } })).body.status).toBe('active');
    activeSn = sn;
    const sale = await terminalRequest(t, device, 'POST', '/terminal/v1/transactions', { idempotencyKey: 'wh-1', method: 'wechat_qr', amount: 100_000 });
    expect(sale.body.status).toBe('approved');
    const refused = await terminalRequest(t, device, 'POST', '/terminal/v1/transactions',
      { idempotencyKey: 'wh-2', method: 'credit_card', amount: 100, card: { bin: '621700', last4: '0001' } });
    expect(refused.body.status).toBe('declined');
    const owner = await createApiKey(t.ctx, { name: 'owner', role: 'merchant_owner', merchantId });
    await t.request('PUT', `/v1/terminals/${sn}/supervisor-password`, { key: owner.key, body: { password: '246810' } });
    const voided = await terminalRequest(t, device, 'POST', `/terminal/v1/transactions/${sale.body.id}/void`, { idempotencyKey: 'wh-3', supervisorPassword: '246810' });
    expect(voided.status).toBe(201);
    await t.request('POST', '/v1/test-clock', { body: { now: '2030-06-02T02:00:00Z' } });
    expect((await t.request('POST', '/v1/settlements/run', { body: { date: '2030-06-01' } })).status).toBeLessThan(300);

    received.length = 0;
    while ((await deliverDueWebhooks(t.ctx, { limit: 100 })).claimed > 0) { /* drain */ }
    const toPartner = received.filter((r) => r.path === '/partner');
    const events = toPartner.map((r) => JSON.parse(r.body));
    expect(events.map((e) => e.type)).toEqual(subscribed);
    for (const r of toPartner) {
      expect(verifyWebhookSignature(partner.body.secret, String(r.headers['jihuo-signature']), r.body, Math.floor(Date.now() / 1000))).toBe(true);
    }
    const byType = new Map(events.map((e) => [e.type as string, e]));
    expect(byType.get('merchant.approved')).toMatchObject({ merchantId, data: { merchantId, status: 'approved' } });
    expect(byType.get('terminal.assigned').data).toMatchObject({ sn });
    expect(byType.get('activation.code_issued').data).toMatchObject({ sn, channel: 'portal', expiresAt: issued.body.expiresAt });
    expect(byType.get('activation.code_redeemed').data).toMatchObject({ sn, status: 'self_test' });
    expect(byType.get('transaction.approved').data).toMatchObject({ transactionId: sale.body.id, amount: 100_000, fee: 380, net: 99_620 });
    expect(byType.get('transaction.voided').data).toMatchObject({ transactionId: voided.body.id, originalId: sale.body.id, amount: 100_000 });
    expect(byType.get('settlement.statement_created')).toMatchObject({ merchantId, data: { date: '2030-06-01', gross: 100_000, voids: 100_000, net: 0 } });

    // The wildcard endpoint shows that the types the partner did not subscribe to were emitted.
    const all = received.filter((r) => r.path === '/all').map((r) => JSON.parse(r.body).type as string);
    expect(all).toEqual(expect.arrayContaining([...subscribed, 'merchant.submitted', 'terminal.status_changed', 'terminal.delivered',
      'terminal.activated', 'transaction.declined', 'deposit.pending', 'settlement.completed']));
    expect(all.indexOf('transaction.approved')).toBeLessThan(all.indexOf('transaction.declined'));
    // Nothing secret or unmasked travels: not the code, the ID number, the account number.
    for (const r of received) {
      for (const secret of [issued.body.code, idNumber, accountNumber]) expect(r.body).not.toContain(secret);
    }
  });

  it('emits re-activation events: opened, then cancelled with the terminal restored', async () => {
    const opened = await t.request('POST', `/v1/terminals/${activeSn}/reactivations`, { body: { reason: 'risk_control', note: 'check' } });
    expect(opened.status).toBe(201);
    expect((await t.request('POST', `/v1/reactivations/${opened.body.id}/cancel`, { body: { note: 'false alarm' } })).status).toBe(200);
    received.length = 0;
    while ((await deliverDueWebhooks(t.ctx, { limit: 100 })).claimed > 0) { /* drain */ }
    const all = received.filter((r) => r.path === '/all').map((r) => JSON.parse(r.body));
    expect(all.map((e) => [e.type, e.data.from ?? null, e.data.to ?? null])).toEqual([
      ['terminal.status_changed', 'active', 'reactivation_required'], ['reactivation.opened', null, null],
      ['reactivation.cancelled', null, null], ['terminal.status_changed', 'reactivation_required', 'active'],
    ]);
    expect(all[1].data).toMatchObject({ caseId: opened.body.id, sn: activeSn, reason: 'risk_control', policy: 'blocking' });
    expect(received.filter((r) => r.path === '/partner')).toEqual([]);
  });

  it('refuses event data that names a secret (a programmer error)', () => {
    expect(() => assertSafeEventData({ sn: 'S', nested: [{ activationCode: '123456789012' }] })).toThrow('data.nested.0.activationCode');
    expect(() => assertSafeEventData({ declineCode: 'risk_declined', codeId: 'act_1' })).not.toThrow();
  });

  it('lists the event types as one page', async () => {
    const res = await t.request('GET', '/v1/webhooks/event-types');
    expect(res.status).toBe(200);
    expect(res.body.hasMore).toBe(false);
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.data).toEqual(expect.arrayContaining(['terminal.status_changed', 'reactivation.step_completed', 'deposit.pending', 'merchant.needs_info']));
  });
});
