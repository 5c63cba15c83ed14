// Proves sendNotificationsBulk: the same messages as sendNotification (per-merchant locale and
// recipient, a notice code each that verifies, sealed body) for thousands of merchants in a
// handful of queries, independent of the number of merchants.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyField, sendNotificationsBulk, verifyNoticeCode } from '../src/modules/notifications/notification.service.js';
import { insertMerchant, insertMerchantsBulk } from './fixtures.js';
import { countingContext, createTestApp, type TestApp } from './harness.js';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

describe('sendNotificationsBulk', () => {
  it('queues one message per merchant and channel with its own locale, recipient and a notice code that verifies', async () => {
    const zh = await insertMerchant(t.ctx, { phone: '13812345678' });
    const en = await insertMerchant(t.ctx, { phone: '13987654321' });
    await t.ctx.db.updateTable('merchants').set({ locale: 'en' }).where('id', '=', en.id).execute();
    const queued = await t.ctx.db.transaction().execute((trx) => sendNotificationsBulk(t.ctx, trx, {
      template: 'settlement_ready', channels: ['inbox', 'sms'],
      items: [{ merchantId: zh.id, params: { date: '2030-01-02', net: 12_345 } }, { merchantId: en.id, params: { date: '2030-01-02', net: 99 } }],
    }));
    expect(queued).toBe(4);
    const rows = await t.ctx.db.selectFrom('notification_messages').selectAll().where('merchant_id', 'in', [zh.id, en.id]).execute();
    expect(rows).toHaveLength(4);
    expect(rows.map((r) => [r.merchant_id, r.channel, r.locale, r.status, r.recipient_mask])).toEqual(expect.arrayContaining([
      [zh.id, 'inbox', 'zh-CN', 'sent', 'merchant portal inbox'], [zh.id, 'sms', 'zh-CN', 'pending', '138****5678'],
      [en.id, 'inbox', 'en', 'sent', 'merchant portal inbox'], [en.id, 'sms', 'en', 'pending', '139****4321'],
    ]));
    const zhSms = rows.find((r) => r.merchant_id === zh.id && r.channel === 'sms')!;
    const body = t.ctx.cipher.open(bodyField, zhSms.body_enc);
    expect(body).toContain('¥123.45');
    expect(zhSms.subject).toBe('2030-01-02 结算单');
    const code = /核验码 ([2-9A-Z]{8})/.exec(body)![1]!;
    expect(await verifyNoticeCode(t.ctx, code)).toMatchObject({ genuine: true, channel: 'sms', recipient: '138****5678' });
    expect(new Set(rows.map((r) => r.notice_code_hash)).size).toBe(4);
    expect(rows.find((r) => r.merchant_id === en.id && r.channel === 'inbox')!.subject).toBe('Settlement statement for 2030-01-02');
  });

  it('takes a fixed number of queries for 2,500 merchants (one SELECT and one INSERT per 1,000 rows)', async () => {
    const ids = await insertMerchantsBulk(t.ctx, 2500);
    const counted = countingContext(t.ctx);
    const queued = await counted.ctx.db.transaction().execute((trx) => sendNotificationsBulk(counted.ctx, trx, {
      template: 'settlement_ready', channels: ['inbox'], items: ids.map((merchantId, i) => ({ merchantId, params: { date: '2030-01-03', net: i } })),
    }));
    expect(queued).toBe(2500);
    expect(counted.queries()).toBe(6);
    const stored = await t.ctx.db.selectFrom('notification_messages').select((eb) => eb.fn.count<string>('notice_code_hash').distinct().as('n'))
      .where('template', '=', 'settlement_ready').where('merchant_id', 'in', ids).executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(2500);
  });

  it('refuses an unknown merchant and terminal messages', async () => {
    await expect(t.ctx.db.transaction().execute((trx) => sendNotificationsBulk(t.ctx, trx, {
      template: 'settlement_ready', channels: ['inbox'], items: [{ merchantId: 'mch_nobody', params: { date: '2030-01-01', net: 1 } }],
    }))).rejects.toMatchObject({ code: 'merchant_not_found' });
    await expect(t.ctx.db.transaction().execute((trx) => sendNotificationsBulk(t.ctx, trx, {
      template: 'settlement_ready', channels: ['terminal' as 'inbox'], items: [],
    }))).rejects.toThrow(/not sent in bulk/);
  });
});
