// Webhook endpoints managed by operators (ops_admin writes, operators read): CRUD with the secret
// shown once, secret rotation, the delivery log with attempts, and manual redelivery. Audited.
import type { AppContext } from '../../platform/context.js';
import { actorOf, anyOperator } from '../../platform/http/auth.js';
import { AppError } from '../../platform/http/errors.js';
import { decodeCursor, decodeTimeIdCursor, pageLimit, toPage } from '../../platform/http/pagination.js';
import { AnyObject, Page, Strict, Type } from '../../platform/http/schema.js';
import type { JihuoApp } from '../../platform/module.js';
import type { WebhookDeliveryRow, WebhookEndpointRow } from './notification.table.js';
import {
  createEndpoint, deleteEndpoint, endpointOrThrow, redeliver, rotateEndpointSecret, updateEndpoint, webhookEventTypes,
} from './webhook.service.js';

const admins = ['ops_admin'] as const;
const EventTypes = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: webhookEventTypes.length + 1 });
const IdParams = Strict({ id: Type.String() });

function endpointView(row: WebhookEndpointRow, secret?: string) {
  return {
    id: row.id, url: row.url, description: row.description, eventTypes: row.event_types, status: row.status,
    createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString(),
    ...(secret !== undefined ? { secret } : {}),
  };
}

function deliveryView(row: WebhookDeliveryRow, attempts: { attempt: number; at: Date; status_code: number | null; error: string | null; duration_ms: number }[]) {
  return {
    id: row.id, eventId: row.event_id, eventType: row.event_type, endpointId: row.endpoint_id, merchantId: row.merchant_id,
    status: row.status, attemptCount: Number(row.attempts), lastStatusCode: row.last_status_code, lastError: row.last_error,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
    createdAt: row.created_at.toISOString(), deliveredAt: row.delivered_at?.toISOString() ?? null, failedAt: row.failed_at?.toISOString() ?? null,
    attempts: attempts.map((a) => ({ attempt: a.attempt, at: a.at.toISOString(), statusCode: a.status_code, error: a.error, durationMs: a.duration_ms })),
  };
}

export async function webhookRoutes(app: JihuoApp, ctx: AppContext): Promise<void> {
  app.get('/v1/webhooks/event-types', {
    schema: { tags: ['webhooks'], summary: 'Event types a webhook endpoint may subscribe to (one page: the list is short)', response: { 200: Page(Type.String()) } },
    config: { access: { roles: anyOperator } },
  }, async () => ({ data: [...webhookEventTypes], hasMore: false, nextCursor: null }));

  app.post('/v1/webhooks/endpoints', {
    schema: {
      tags: ['webhooks'], summary: 'Create a webhook endpoint; the signing secret is in this answer only',
      body: Strict({ url: Type.String({ minLength: 1, maxLength: 2000 }), eventTypes: EventTypes, description: Type.Optional(Type.String({ maxLength: 500 })) }),
      response: { 201: AnyObject },
    },
    config: { access: { roles: admins } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const created = await ctx.db.transaction().execute(async (trx) => {
      const result = await createEndpoint(ctx, trx, request.body, actor.id);
      await ctx.audit(trx, actor, { action: 'webhook_endpoint.created', subjectType: 'webhook_endpoint', subjectId: result.row.id, details: { url: result.row.url, eventTypes: result.row.event_types } });
      return result;
    });
    return reply.status(201).send(endpointView(created.row, created.secret));
  });

  app.get('/v1/webhooks/endpoints', {
    schema: { tags: ['webhooks'], summary: 'List webhook endpoints', querystring: Strict({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })), cursor: Type.Optional(Type.String({ maxLength: 512 })) }), response: { 200: Page(AnyObject) } },
    config: { access: { roles: anyOperator } },
  }, async (request) => {
    const limit = pageLimit(request.query.limit);
    const after = decodeCursor(request.query.cursor)?.[0];
    let query = ctx.db.selectFrom('webhook_endpoints').selectAll().where('status', '!=', 'deleted');
    if (typeof after === 'string') query = query.where('id', '>', after);
    const rows = await query.orderBy('id').limit(limit + 1).execute();
    return toPage(rows, limit, (r) => [r.id], (r) => endpointView(r));
  });

  app.get('/v1/webhooks/endpoints/:id', {
    schema: { tags: ['webhooks'], summary: 'One webhook endpoint (without its secret)', params: IdParams, response: { 200: AnyObject } },
    config: { access: { roles: anyOperator } },
  }, async (request) => endpointView(await endpointOrThrow(ctx.db, request.params.id)));

  app.patch('/v1/webhooks/endpoints/:id', {
    schema: {
      tags: ['webhooks'], summary: 'Change a webhook endpoint (URL, event types, description, active/disabled)', params: IdParams,
      body: Strict({
        url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })), eventTypes: Type.Optional(EventTypes),
        description: Type.Optional(Type.String({ maxLength: 500 })), status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
      }),
      response: { 200: AnyObject },
    },
    config: { access: { roles: admins } },
  }, async (request) => {
    const actor = actorOf(request);
    const row = await ctx.db.transaction().execute(async (trx) => {
      const updated = await updateEndpoint(ctx, trx, request.params.id, request.body);
      await ctx.audit(trx, actor, { action: 'webhook_endpoint.updated', subjectType: 'webhook_endpoint', subjectId: updated.id, details: { ...request.body } });
      return updated;
    });
    return endpointView(row);
  });

  app.post('/v1/webhooks/endpoints/:id/rotate-secret', {
    schema: { tags: ['webhooks'], summary: 'Replace the signing secret; the new secret is in this answer only', params: IdParams, response: { 200: AnyObject } },
    config: { access: { roles: admins } },
  }, async (request) => {
    const actor = actorOf(request);
    const rotated = await ctx.db.transaction().execute(async (trx) => {
      const result = await rotateEndpointSecret(ctx, trx, request.params.id);
      await ctx.audit(trx, actor, { action: 'webhook_endpoint.secret_rotated', subjectType: 'webhook_endpoint', subjectId: result.row.id, details: {} });
      return result;
    });
    return endpointView(rotated.row, rotated.secret);
  });

  app.delete('/v1/webhooks/endpoints/:id', {
    schema: { tags: ['webhooks'], summary: 'Delete a webhook endpoint (its delivery log is kept)', params: IdParams },
    config: { access: { roles: admins } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    await ctx.db.transaction().execute(async (trx) => {
      await deleteEndpoint(ctx, trx, request.params.id);
      await ctx.audit(trx, actor, { action: 'webhook_endpoint.deleted', subjectType: 'webhook_endpoint', subjectId: request.params.id, details: {} });
    });
    return reply.status(204).send();
  });

  app.get('/v1/webhooks/deliveries', {
    schema: {
      tags: ['webhooks'], summary: 'Delivery log of webhook events with their attempts (newest first)',
      querystring: Strict({
        endpointId: Type.Optional(Type.String()), eventType: Type.Optional(Type.String()), merchantId: Type.Optional(Type.String()),
        status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')])),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })), cursor: Type.Optional(Type.String({ maxLength: 512 })),
      }),
      response: { 200: Page(AnyObject) },
    },
    config: { access: { roles: anyOperator } },
  }, async (request) => {
    const q = request.query;
    const limit = pageLimit(q.limit);
    const after = decodeTimeIdCursor(q.cursor);
    let query = ctx.db.selectFrom('webhook_deliveries').selectAll();
    if (q.endpointId) query = query.where('endpoint_id', '=', q.endpointId);
    if (q.eventType) query = query.where('event_type', '=', q.eventType);
    if (q.merchantId) query = query.where('merchant_id', '=', q.merchantId);
    if (q.status) query = query.where('status', '=', q.status);
    if (after) {
      query = query.where((eb) => eb.or([eb('created_at', '<', after.at), eb.and([eb('created_at', '=', after.at), eb('id', '<', after.id)])]));
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    const ids = rows.map((r) => r.id);
    const attempts = ids.length === 0 ? [] : await ctx.db.selectFrom('webhook_attempts').selectAll()
      .where('delivery_id', 'in', ids).orderBy('id').execute();
    return toPage(rows, limit, (r) => [r.created_at.toISOString(), r.id], (r) => deliveryView(r, attempts.filter((a) => a.delivery_id === r.id)));
  });

  app.post('/v1/webhooks/deliveries/:id/redeliver', {
    schema: { tags: ['webhooks'], summary: 'Queue a webhook delivery again for an immediate attempt', params: IdParams, response: { 202: AnyObject } },
    config: { access: { roles: admins } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const row = await ctx.db.transaction().execute(async (trx) => {
      const queued = await redeliver(ctx, trx, request.params.id);
      await ctx.audit(trx, actor, { action: 'webhook_delivery.redelivered', subjectType: 'webhook_delivery', subjectId: queued.id, details: { eventId: queued.event_id } });
      return queued;
    });
    return reply.status(202).send(deliveryView(row, []));
  });
}
