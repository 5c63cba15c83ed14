// Contract of the notifications module: every message to a merchant (or directly to one user's
// own phone, `sendNotificationTo`) is written to the outbox in the caller's transaction, carries a
// notice code, and is delivered by a worker. Callers name a template and its parameters; they
// never build message text themselves.
import { randomBytes, randomInt } from 'node:crypto';
import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import { maskEmail, maskPhone } from '../../platform/crypto/mask.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import {
  backoffSeconds, bulkInsertRowsMax, claimLeaseSeconds, deliveryBatchMax, messageAttemptsMax, messageBackoffBaseSeconds,
  messageBackoffMaxSeconds, noticeCodeAlphabet, noticeCodeCollisionRoundsMax, noticeCodeLength,
} from './notification.limits.js';
import type { Channel, MessageRow, NotificationMessageTable } from './notification.table.js';
import { ProviderError, providersFor } from './providers.js';
import { queueTerminalMessage } from '../activation/terminal-messages.js';
import { isTemplateKey, renderMessage, type Locale } from './templates.js';

export type { Channel } from './notification.table.js';

export interface NotificationInput {
  merchantId: string;
  /** Template key, e.g. 'activation_code_issued', 'reactivation_required' (see templates.ts). */
  template: string;
  channels: Channel[];
  params: Record<string, string | number>;
  terminalId?: string | null;
  /** The merchant's own locale (merchants.locale) unless given. */
  locale?: 'zh-CN' | 'en';
  /**
   * Whether a terminal message goes to the device queue (default). False when the caller shows it
   * on the terminal itself with the returned notice code (announcements, shown while active).
   */
  queueOnTerminal?: boolean;
}

export interface QueuedNotification { messageId: string; channel: Channel; noticeCode: string }

/** The sealed-field name of message bodies and recipients (declared for key rotation). */
export const bodyField = 'notification_messages.body';
export const recipientField = 'notification_messages.recipient';

export function newNoticeCode(): string {
  let code = '';
  for (let i = 0; i < noticeCodeLength; i++) code += noticeCodeAlphabet[randomInt(noticeCodeAlphabet.length)];
  return code;
}

/** Upper case without spaces or dashes; `k7m2 q9tx` → `K7M2Q9TX`. */
export function normaliseNoticeCode(input: string): string {
  return input.normalize('NFKC').replace(/[\s\-_]/g, '').toUpperCase();
}

/**
 * A message to one person rather than to a merchant's contact on file: the user's own phone or
 * email (a password-reset code goes to the user who asked, operators included). Only SMS and
 * email can be addressed this way; the notice code and the outbox work as for merchant messages.
 */
export interface DirectNotificationInput {
  recipient: { userId: string; phone?: string | null; email?: string | null };
  /** The user's merchant (merchant staff), or null for an operator. */
  merchantId: string | null;
  template: string;
  channels: ('sms' | 'email')[];
  params: Record<string, string | number>;
  locale?: 'zh-CN' | 'en';
}

interface Recipient { mask: string; value: string | null; error: string | null }

interface Contact { phone: string | null; email: string | null; who: 'merchant' | 'user' }

function recipientFor(channel: Channel, contact: Contact): Recipient {
  switch (channel) {
    case 'sms':
      return contact.phone
        ? { mask: maskPhone(contact.phone), value: contact.phone, error: null }
        : { mask: '(no phone on file)', value: null, error: `The ${contact.who} has no phone number on file` };
    case 'email':
      return contact.email
        ? { mask: maskEmail(contact.email), value: contact.email, error: null }
        : { mask: '(no email on file)', value: null, error: `The ${contact.who} has no email address on file` };
    case 'inbox': return { mask: 'merchant portal inbox', value: null, error: null };
    case 'terminal': return { mask: 'POS terminal screen', value: null, error: null };
  }
}

/**
 * Writes one message per channel to the outbox in the caller's transaction. SMS and email are
 * delivered later by the worker; inbox and terminal messages are delivered by being stored (they
 * are visible at once). A channel without a recipient on file is recorded as failed, not dropped.
 */
export async function sendNotification(ctx: AppContext, trx: Executor, input: NotificationInput): Promise<QueuedNotification[]> {
  if (!isTemplateKey(input.template)) throw new Error(`Unknown notification template ${input.template}`);
  if (input.channels.includes('terminal') && !input.terminalId) throw new Error('A terminal message needs terminalId');
  const merchant = await trx.selectFrom('merchants').select(['id', 'phone', 'email', 'locale'])
    .where('id', '=', input.merchantId).executeTakeFirst();
  if (!merchant) throw new AppError('merchant_not_found', 'Merchant was not found');
  const locale: Locale = input.locale ?? (merchant.locale === 'en' ? 'en' : 'zh-CN');
  return queueMessages(ctx, trx, {
    ...input, locale, merchantId: merchant.id, userId: null,
    contact: { phone: merchant.phone, email: merchant.email, who: 'merchant' },
  });
}

/** Writes SMS or email messages to one user's own phone or email, in the caller's transaction. */
export async function sendNotificationTo(ctx: AppContext, trx: Executor, input: DirectNotificationInput): Promise<QueuedNotification[]> {
  if (!isTemplateKey(input.template)) throw new Error(`Unknown notification template ${input.template}`);
  let locale: Locale = input.locale ?? 'zh-CN';
  if (!input.locale && input.merchantId) {
    const merchant = await trx.selectFrom('merchants').select('locale').where('id', '=', input.merchantId).executeTakeFirst();
    if (merchant?.locale === 'en') locale = 'en';
  }
  return queueMessages(ctx, trx, {
    template: input.template, channels: input.channels, params: input.params, locale,
    merchantId: input.merchantId, userId: input.recipient.userId,
    contact: { phone: input.recipient.phone ?? null, email: input.recipient.email ?? null, who: 'user' },
  });
}

interface QueueInput {
  template: string; channels: Channel[]; params: Record<string, string | number>; terminalId?: string | null;
  locale: Locale; merchantId: string | null; userId: string | null; contact: Contact; queueOnTerminal?: boolean;
}

async function queueMessages(ctx: AppContext, trx: Executor, input: QueueInput): Promise<QueuedNotification[]> {
  const { locale } = input;
  const now = ctx.clock.now();
  const queued: QueuedNotification[] = [];
  for (const channel of [...new Set(input.channels)]) {
    const noticeCode = newNoticeCode();
    const rendered = renderMessage({
      template: input.template, locale, channel, params: input.params, noticeCode, officialDomain: ctx.config.officialDomain,
    });
    const recipient = recipientFor(channel, input.contact);
    const storedOnly = channel === 'inbox' || channel === 'terminal';
    const id = newId('msg');
    await trx.insertInto('notification_messages').values({
      id, merchant_id: input.merchantId, user_id: input.userId, terminal_id: input.terminalId ?? null, channel,
      template: input.template, locale,
      subject: rendered.subject, body_enc: ctx.cipher.seal(bodyField, rendered.body),
      recipient_mask: recipient.mask, recipient_enc: recipient.value === null ? null : ctx.cipher.seal(recipientField, recipient.value),
      notice_code_hash: ctx.hash('notice_code', noticeCode),
      status: recipient.error ? 'failed' : storedOnly ? 'sent' : 'pending',
      next_attempt_at: now, last_error: recipient.error, created_at: now,
      sent_at: storedOnly ? now : null, failed_at: recipient.error ? now : null,
    }).execute();
    if (channel === 'terminal' && input.queueOnTerminal !== false) {
      await queueOnTerminal(ctx, trx, { ...input, merchantId: input.merchantId!, terminalId: input.terminalId!, noticeCode, at: now });
    }
    queued.push({ messageId: id, channel, noticeCode });
  }
  return queued;
}

export interface BulkNotificationItem {
  merchantId: string;
  params: Record<string, string | number>;
  terminalId?: string | null;
}

export interface BulkNotificationInput {
  template: string;
  /** Outbox channels only: a terminal message goes through the device queue, one by one. */
  channels: Exclude<Channel, 'terminal'>[];
  items: readonly BulkNotificationItem[];
}

type MessageInsert = Omit<NotificationMessageTable, 'attempts' | 'claimed_until' | 'claimed_by' | 'provider_message_id' | 'read_at'>;

/**
 * The same messages as `sendNotification` for many merchants at once (a settlement run, a deposit
 * sweep), in the caller's transaction: one SELECT of the merchants and one INSERT per
 * `bulkInsertRowsMax` rows, instead of two queries per merchant and channel. Each message gets
 * its own random notice code (stored as a keyed hash); a code that collides with one issued
 * before is replaced by a fresh one. Returns the number of messages queued.
 */
export async function sendNotificationsBulk(ctx: AppContext, trx: Executor, input: BulkNotificationInput): Promise<number> {
  if (!isTemplateKey(input.template)) throw new Error(`Unknown notification template ${input.template}`);
  if ((input.channels as Channel[]).includes('terminal')) throw new Error('Terminal messages are not sent in bulk');
  const channels = [...new Set(input.channels)];
  if (channels.length === 0) return 0;
  const itemsPerChunk = Math.max(1, Math.floor(bulkInsertRowsMax / channels.length));
  const now = ctx.clock.now();
  let queued = 0;
  for (let start = 0; start < input.items.length; start += itemsPerChunk) {
    const chunk = input.items.slice(start, start + itemsPerChunk);
    const ids = [...new Set(chunk.map((item) => item.merchantId))];
    const merchants = new Map((await trx.selectFrom('merchants').select(['id', 'phone', 'email', 'locale'])
      .where('id', 'in', ids).execute()).map((m) => [m.id, m]));
    const rows: Array<{ row: MessageInsert; item: BulkNotificationItem; channel: Channel; locale: Locale }> = [];
    for (const item of chunk) {
      const merchant = merchants.get(item.merchantId);
      if (!merchant) throw new AppError('merchant_not_found', 'Merchant was not found');
      const locale: Locale = merchant.locale === 'en' ? 'en' : 'zh-CN';
      for (const channel of channels) {
        const recipient = recipientFor(channel, { ...merchant, who: 'merchant' });
        const storedOnly = channel === 'inbox';
        rows.push({
          item, channel, locale,
          row: {
            id: newId('msg'), merchant_id: merchant.id, user_id: null, terminal_id: item.terminalId ?? null, channel, template: input.template, locale,
            subject: '', body_enc: '', notice_code_hash: '',
            recipient_mask: recipient.mask, recipient_enc: recipient.value === null ? null : ctx.cipher.seal(recipientField, recipient.value),
            status: recipient.error ? 'failed' : storedOnly ? 'sent' : 'pending',
            next_attempt_at: now, last_error: recipient.error, created_at: now,
            sent_at: storedOnly ? now : null, failed_at: recipient.error ? now : null,
          },
        });
      }
    }
    queued += await insertWithFreshCodes(ctx, trx, input.template, rows);
  }
  return queued;
}

/** Renders each row with a new notice code and inserts them; rows whose code was taken get another. */
async function insertWithFreshCodes(ctx: AppContext, trx: Executor, template: string,
  rows: Array<{ row: MessageInsert; item: BulkNotificationItem; channel: Channel; locale: Locale }>): Promise<number> {
  let pending = rows;
  let inserted = 0;
  for (let round = 0; pending.length > 0; round++) {
    if (round >= noticeCodeCollisionRoundsMax) throw new Error('Could not find unused notice codes');
    const values = pending.map(({ row, item, channel, locale }) => {
      const noticeCode = newNoticeCode();
      const rendered = renderMessage({ template, locale, channel, params: item.params, noticeCode, officialDomain: ctx.config.officialDomain });
      return { ...row, subject: rendered.subject, body_enc: ctx.cipher.seal(bodyField, rendered.body), notice_code_hash: ctx.hash('notice_code', noticeCode) };
    });
    const done = new Set((await trx.insertInto('notification_messages').values(values)
      .onConflict((oc) => oc.column('notice_code_hash').doNothing()).returning('id').execute()).map((r) => r.id));
    inserted += done.size;
    pending = pending.filter(({ row }) => !done.has(row.id));
  }
  return inserted;
}

/** The terminal screen is bilingual: the message goes to the activation module's device queue. */
async function queueOnTerminal(ctx: AppContext, trx: Executor, input: NotificationInput & { terminalId: string; noticeCode: string; at: Date }): Promise<void> {
  const render = (locale: Locale) => renderMessage({
    template: input.template, locale, channel: 'terminal', params: input.params, noticeCode: input.noticeCode,
    officialDomain: ctx.config.officialDomain,
  }).body;
  const kind = input.template.startsWith('reactivation') ? 'reactivation' : input.template.startsWith('activation') ? 'activation' : 'notice';
  await queueTerminalMessage(trx, {
    terminalId: input.terminalId, merchantId: input.merchantId, kind, text: { zh: render('zh-CN'), en: render('en') },
    noticeCode: input.noticeCode, at: input.at,
  });
}

// ---- Delivery -------------------------------------------------------------------------------

export interface DeliveryReport { claimed: number; sent: number; retrying: number; failed: number }

/**
 * One bounded pass of the outbox worker: claims due SMS and email messages (`FOR UPDATE SKIP
 * LOCKED`, with a lease so a crashed worker's claim expires), delivers each through its provider
 * outside any transaction, and records the attempt. Safe on several instances at once: a message
 * is claimed by one pass only, and only that pass (its claim token) may record the outcome.
 * A first attempt is always due, so a test clock moved backwards cannot strand new messages.
 */
export async function deliverDueMessages(ctx: AppContext, options: { limit?: number } = {}): Promise<DeliveryReport> {
  const limit = Math.min(Math.max(options.limit ?? deliveryBatchMax, 1), deliveryBatchMax * 5);
  const now = ctx.clock.now();
  const token = randomBytes(12).toString('hex');
  const leaseEnd = new Date(now.getTime() + claimLeaseSeconds * 1000);
  const claimed = await ctx.db.transaction().execute(async (trx) => (await sql<MessageRow>`
    update notification_messages set claimed_until = ${leaseEnd}, claimed_by = ${token}, attempts = attempts + 1
    where id in (
      select id from notification_messages
      where status = 'pending' and channel in ('sms', 'email') and (attempts = 0 or next_attempt_at <= ${now})
        and (claimed_until is null or claimed_until < ${now})
      order by next_attempt_at, id limit ${limit}
      for update skip locked)
    returning *`.execute(trx)).rows);
  const report: DeliveryReport = { claimed: claimed.length, sent: 0, retrying: 0, failed: 0 };
  for (const message of claimed) {
    const outcome = await deliverOne(ctx, message, token);
    report[outcome]++;
  }
  return report;
}

async function deliverOne(ctx: AppContext, message: MessageRow, token: string): Promise<'sent' | 'retrying' | 'failed'> {
  const provider = providersFor(ctx)[message.channel as 'sms' | 'email'];
  let error: string | null = null;
  let providerMessageId: string | null = null;
  try {
    const body = ctx.cipher.open(bodyField, message.body_enc);
    const to = ctx.cipher.open(recipientField, message.recipient_enc ?? '');
    const noticeCode = extractNoticeCode(body);
    ({ providerMessageId } = await provider.send({ messageId: message.id, to, subject: message.subject, text: body, noticeCode }));
  } catch (err) {
    error = err instanceof ProviderError ? err.message : `Delivery failed: ${(err as Error).message}`;
  }
  const at = ctx.clock.now();
  const attempt = Number(message.attempts);
  const outcome = error === null ? 'sent' : attempt >= messageAttemptsMax ? 'failed' : 'retrying';
  await ctx.db.transaction().execute(async (trx) => {
    const updated = await trx.updateTable('notification_messages').set(
      outcome === 'sent'
        ? { status: 'sent', sent_at: at, provider_message_id: providerMessageId, last_error: null, claimed_until: null, claimed_by: null }
        : outcome === 'failed'
          ? { status: 'failed', failed_at: at, last_error: error, claimed_until: null, claimed_by: null }
          : {
            last_error: error, claimed_until: null, claimed_by: null,
            next_attempt_at: new Date(at.getTime() + backoffSeconds(attempt, messageBackoffBaseSeconds, messageBackoffMaxSeconds) * 1000),
          },
    ).where('id', '=', message.id).where('claimed_by', '=', token).where('status', '=', 'pending')
      .returning('id').executeTakeFirst();
    if (!updated) return; // the lease expired and another pass took the message over
    if (outcome === 'failed') {
      ctx.log.warn({ messageId: message.id, channel: message.channel, template: message.template, attempts: attempt }, 'notification delivery failed for good');
    }
    await trx.insertInto('notification_attempts').values({
      message_id: message.id, merchant_id: message.merchant_id, attempt, at,
      outcome: error === null ? 'sent' : 'error', provider: provider.name, error,
    }).execute();
  });
  return outcome;
}

/** The notice code printed in a rendered message (the footer is the last occurrence). */
function extractNoticeCode(body: string): string {
  const matches = [...body.matchAll(new RegExp(`(?:核验码|Notice code) ([${noticeCodeAlphabet}]{${noticeCodeLength}})`, 'g'))];
  return matches.at(-1)?.[1] ?? '';
}

// ---- Public verification --------------------------------------------------------------------

export interface NoticeVerification { genuine: true; channel: Channel; sentAt: string; recipient: string; subject: string }

/**
 * Whether a message with this notice code was really sent. `sentAt` is the delivery time, or the
 * time it was queued while it is still on its way (or failed): the moment Jihuo issued it.
 */
export async function verifyNoticeCode(ctx: AppContext, input: string): Promise<NoticeVerification | null> {
  const code = normaliseNoticeCode(input);
  if (code.length !== noticeCodeLength || [...code].some((c) => !noticeCodeAlphabet.includes(c))) return null;
  const row = await ctx.db.selectFrom('notification_messages')
    .select(['channel', 'sent_at', 'created_at', 'recipient_mask', 'subject'])
    .where('notice_code_hash', '=', ctx.hash('notice_code', code)).executeTakeFirst();
  if (!row) return null;
  return {
    genuine: true, channel: row.channel, sentAt: (row.sent_at ?? row.created_at).toISOString(),
    recipient: row.recipient_mask, subject: row.subject,
  };
}
