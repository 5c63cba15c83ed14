// Notification endpoints: the public notice-code check (SPEC §11, Appendix A/B), the merchant
// inbox, the operators' delivery log, and the webhook endpoints (webhooks.routes.ts).
import type { AppContext } from '../../platform/context.js';
import { actorOf, anyOperator, assertMerchantScope, operatorsAndMerchants } from '../../platform/http/auth.js';
import { AppError } from '../../platform/http/errors.js';
import { decodeCursor, pageLimit, toPage } from '../../platform/http/pagination.js';
import { AnyObject, Page, Strict, Type } from '../../platform/http/schema.js';
import type { JihuoApp } from '../../platform/module.js';
import { noticeLookupsPerMinuteMax } from './notification.limits.js';
import { bodyField, verifyNoticeCode } from './notification.service.js';
import type { MessageRow } from './notification.table.js';
import { webhookRoutes } from './webhooks.routes.js';

const ChannelSchema = Type.Union([Type.Literal('sms'), Type.Literal('email'), Type.Literal('inbox'), Type.Literal('terminal')]);
const StatusSchema = Type.Union([Type.Literal('pending'), Type.Literal('sent'), Type.Literal('failed')]);
const pageFields = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
};

function cursorAfter(cursor: string | undefined): { at: Date; id: string } | undefined {
  const key = decodeCursor(cursor);
  if (!key) return undefined;
  const [at, id] = key;
  if (typeof at !== 'string' || typeof id !== 'string' || Number.isNaN(Date.parse(at))) {
    throw new AppError('validation_failed', 'The cursor is not one this API issued');
  }
  return { at: new Date(at), id };
}

const cursorOf = (row: { created_at: Date; id: string }) => [row.created_at.toISOString(), row.id];

export async function notificationRoutes(app: JihuoApp, ctx: AppContext): Promise<void> {
  app.get('/v1/public/notices/:code', {
    schema: {
      tags: ['notifications'],
      summary: 'Check whether a message with this notice code was really sent by Jihuo',
      description: `Case and spaces are ignored. Rate limited to ${noticeLookupsPerMinuteMax} look-ups a minute per client IP (429 with Retry-After).`,
      params: Type.Object({ code: Type.String() }),
      response: {
        200: Type.Object({
          genuine: Type.Literal(true), channel: ChannelSchema, sentAt: Type.String(), recipient: Type.String(), subject: Type.String(),
        }),
        404: Type.Object({ genuine: Type.Literal(false) }),
      },
    },
    config: { access: { public: true }, rateLimit: { max: noticeLookupsPerMinuteMax, timeWindow: '1 minute' } },
  }, async (request, reply) => {
    const found = await verifyNoticeCode(ctx, request.params.code);
    if (!found) return reply.status(404).send({ genuine: false });
    return found;
  });

  app.get('/v1/merchants/:id/inbox', {
    schema: {
      tags: ['notifications'], summary: 'The merchant portal inbox, newest first',
      params: Strict({ id: Type.String() }), querystring: Strict(pageFields), response: { 200: Page(AnyObject) },
    },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const merchantId = request.params.id;
    assertMerchantScope(actorOf(request), merchantId, new AppError('merchant_not_found', 'Merchant was not found'));
    const limit = pageLimit(request.query.limit);
    const after = cursorAfter(request.query.cursor);
    let query = ctx.db.selectFrom('notification_messages').selectAll()
      .where('merchant_id', '=', merchantId).where('channel', '=', 'inbox');
    if (after) query = query.where((eb) => eb.or([eb('created_at', '<', after.at), eb.and([eb('created_at', '=', after.at), eb('id', '<', after.id)])]));
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    return toPage(rows, limit, cursorOf, (row) => ({
      id: row.id, template: row.template, subject: row.subject, text: ctx.cipher.open(bodyField, row.body_enc),
      terminalId: row.terminal_id, createdAt: row.created_at.toISOString(), readAt: row.read_at?.toISOString() ?? null,
    }));
  });

  app.post('/v1/merchants/:id/inbox/:messageId/read', {
    schema: {
      tags: ['notifications'], summary: 'Mark an inbox message as read',
      params: Strict({ id: Type.String(), messageId: Type.String() }), response: { 200: AnyObject },
    },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const { id: merchantId, messageId } = request.params;
    const notFound = new AppError('not_found', 'Message was not found');
    assertMerchantScope(actorOf(request), merchantId, notFound);
    const row = await ctx.db.updateTable('notification_messages').set({ read_at: ctx.clock.now() })
      .where('id', '=', messageId).where('merchant_id', '=', merchantId).where('channel', '=', 'inbox')
      .returning(['id', 'read_at']).executeTakeFirst();
    if (!row) throw notFound;
    return { id: row.id, readAt: row.read_at?.toISOString() ?? null };
  });

  app.get('/v1/notifications/messages', {
    schema: {
      tags: ['notifications'], summary: 'Delivery log of messages with their attempts (newest first)',
      querystring: Strict({
        merchantId: Type.Optional(Type.String()), channel: Type.Optional(ChannelSchema), status: Type.Optional(StatusSchema),
        template: Type.Optional(Type.String()), ...pageFields,
      }),
      response: { 200: Page(AnyObject) },
    },
    config: { access: { roles: anyOperator } },
  }, async (request) => {
    const q = request.query;
    const limit = pageLimit(q.limit);
    const after = cursorAfter(q.cursor);
    let query = ctx.db.selectFrom('notification_messages').selectAll();
    if (q.merchantId) query = query.where('merchant_id', '=', q.merchantId);
    if (q.channel) query = query.where('channel', '=', q.channel);
    if (q.status) query = query.where('status', '=', q.status);
    if (q.template) query = query.where('template', '=', q.template);
    if (after) query = query.where((eb) => eb.or([eb('created_at', '<', after.at), eb.and([eb('created_at', '=', after.at), eb('id', '<', after.id)])]));
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    const ids = rows.map((r) => r.id);
    const attempts = ids.length === 0 ? [] : await ctx.db.selectFrom('notification_attempts').selectAll()
      .where('message_id', 'in', ids).orderBy('message_id').orderBy('attempt').execute();
    const byMessage = new Map<string, typeof attempts>();
    for (const a of attempts) byMessage.set(a.message_id, [...(byMessage.get(a.message_id) ?? []), a]);
    return toPage(rows, limit, cursorOf, (row) => messageLogView(row, byMessage.get(row.id) ?? []));
  });

  await webhookRoutes(app, ctx);
}

/** An operator's view of a message: no text (it may carry a code), masked recipient, attempts. */
function messageLogView(row: MessageRow, attempts: { attempt: number; at: Date; outcome: string; provider: string; error: string | null }[]) {
  return {
    id: row.id, merchantId: row.merchant_id, terminalId: row.terminal_id, channel: row.channel, template: row.template,
    locale: row.locale, subject: row.subject, recipient: row.recipient_mask, status: row.status,
    attemptCount: Number(row.attempts), lastError: row.last_error, createdAt: row.created_at.toISOString(),
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
    sentAt: row.sent_at?.toISOString() ?? null, failedAt: row.failed_at?.toISOString() ?? null,
    attempts: attempts.map((a) => ({ attempt: a.attempt, at: a.at.toISOString(), outcome: a.outcome, provider: a.provider, error: a.error })),
  };
}
