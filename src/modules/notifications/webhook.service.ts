// Webhooks to partner systems (SPEC §11): other modules call `emitEvent` inside the transaction of
// the state change; it stores the event and one delivery per subscribed endpoint (an outbox). A
// worker posts each delivery, signed `Jihuo-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret,
// t + "." + body)>`, retrying with exponential backoff; every attempt is logged.
import { randomBytes } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import { constantTimeEqual, hmacSha256Hex } from '../../platform/crypto/hash.js';
import type { Executor } from '../../platform/db/schema.js';
import { forgetInTransaction, oncePerTransaction } from '../../platform/db/transaction-memo.js';
import { AppError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import {
  backoffSeconds, claimLeaseSeconds, deliveryBatchMax, webhookAttemptsMax, webhookBackoffBaseSeconds,
  webhookBackoffMaxSeconds, webhookTimeoutMs,
} from './notification.limits.js';
import type { WebhookDeliveryRow, WebhookEndpointRow } from './notification.table.js';

/**
 * Every event a partner may subscribe to, named `resource.past_verb`. `terminal.status_changed`
 * fires on every status change (from `transitionTerminal`); the named terminal events fire beside it
 * at their milestones. Event data carries ids, statuses and amounts in fen, never secrets or
 * unmasked personal numbers (see `assertSafeEventData`).
 */
export const webhookEventTypes = [
  'terminal.status_changed',
  'terminal.assigned', 'terminal.shipped', 'terminal.delivered', 'terminal.activated', 'terminal.self_test_failed',
  'terminal.suspended', 'terminal.retired', 'terminal.replaced',
  'activation.code_issued', 'activation.code_redeemed', 'activation.paired', 'activation.locked',
  'reactivation.opened', 'reactivation.step_completed', 'reactivation.completed', 'reactivation.expired', 'reactivation.cancelled',
  'transaction.approved', 'transaction.declined', 'transaction.voided', 'transaction.refunded',
  'settlement.statement_created', 'settlement.completed',
  'deposit.pending', 'deposit.collected', 'deposit.refunded', 'deposit.forfeited',
  'merchant.submitted', 'merchant.approved', 'merchant.rejected', 'merchant.needs_info',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

export const secretField = 'webhook_endpoints.secret';
export const signatureHeader = 'Jihuo-Signature';

export interface EmitInput {
  type: WebhookEventType;
  merchantId: string | null;
  /** Event data: ids, statuses, amounts in fen. Never secrets (activation codes, keys). */
  data: Record<string, unknown>;
}

/** Field names that carry secrets or unmasked personal numbers: never part of event data. */
const forbiddenDataKeys = new Set([
  'code', 'activationcode', 'pairingcode', 'verificationcode', 'otp', 'key', 'terminalkey', 'factorykey', 'secret',
  'password', 'supervisorpassword', 'transactionpassword', 'pin', 'idnumber', 'accountnumber', 'cardnumber', 'pan',
]);

/** A programmer error, not a user error: event data must not carry secrets (SPEC §11, §13). */
export function assertSafeEventData(data: unknown, path = 'data'): void {
  if (Array.isArray(data)) { data.forEach((v, i) => assertSafeEventData(v, `${path}.${i}`)); return; }
  if (data === null || typeof data !== 'object') return;
  for (const [k, v] of Object.entries(data)) {
    if (forbiddenDataKeys.has(k.toLowerCase())) throw new Error(`Webhook event data must not carry ${path}.${k}`);
    assertSafeEventData(v, `${path}.${k}`);
  }
}

/** Writes the event and one pending delivery per active endpoint subscribed to its type. */
export async function emitEvent(ctx: AppContext, trx: Executor, input: EmitInput): Promise<{ eventId: string; deliveries: number }> {
  return recordEvent(trx, ctx.clock.now(), input);
}

/**
 * `emitEvent` for callers that hold a time but no context (`transitionTerminal`). An event no
 * endpoint subscribes to is not stored: there is nothing to deliver and no replay, and the
 * transaction path stays one query cheaper.
 */
export async function recordEvent(trx: Executor, at: Date, input: EmitInput): Promise<{ eventId: string; deliveries: number }> {
  if (!(webhookEventTypes as readonly string[]).includes(input.type)) throw new Error(`Unknown webhook event type ${input.type}`);
  assertSafeEventData(input.data);
  const eventId = newId('evt');
  const endpoints = await activeEndpoints(trx);
  const subscribed = endpoints.filter((e) => e.event_types.includes('*') || e.event_types.includes(input.type));
  if (subscribed.length === 0) return { eventId, deliveries: 0 };
  const payload = JSON.stringify({ id: eventId, type: input.type, createdAt: at.toISOString(), merchantId: input.merchantId, data: input.data });
  await trx.insertInto('webhook_events').values({ id: eventId, type: input.type, merchant_id: input.merchantId, payload, created_at: at }).execute();
  await trx.insertInto('webhook_deliveries').values(subscribed.map((e) => ({
    id: newId('whd'), event_id: eventId, endpoint_id: e.id, merchant_id: input.merchantId, event_type: input.type,
    status: 'pending' as const, next_attempt_at: at, created_at: at,
  }))).execute();
  return { eventId, deliveries: subscribed.length };
}

/** The active endpoints, read once per transaction (a sale or an activation emits several events). */
const endpointsKey = 'webhook_endpoints.active';

function activeEndpoints(trx: Executor): Promise<Array<{ id: string; event_types: string[] }>> {
  return oncePerTransaction(trx, endpointsKey,
    () => trx.selectFrom('webhook_endpoints').select(['id', 'event_types']).where('status', '=', 'active').execute());
}

function forgetEndpoints(trx: Executor): void {
  forgetInTransaction(trx, endpointsKey);
}

export interface BulkEmitInput {
  type: WebhookEventType;
  at: Date;
  /**
   * A query (or a data-modifying statement with RETURNING) yielding `event_key` (unique per event
   * of this type: the event id derives from it, so emitting twice stores once), `merchant_id` and
   * `data` (json). It runs as a CTE, so `insert … returning` emits for exactly the rows it wrote.
   */
  source: RawBuilder<{ event_key: string; merchant_id: string | null; data: unknown }>;
}

/**
 * Emits one event per source row in two set-based statements (settlement and deposit sweeps touch
 * every merchant at once: no per-row round trips). Returns the number of events stored. The
 * source always runs, even when no endpoint subscribes (it may be the caller's own write).
 */
export async function emitEventsBulk(trx: Executor, input: BulkEmitInput): Promise<number> {
  if (!(webhookEventTypes as readonly string[]).includes(input.type)) throw new Error(`Unknown webhook event type ${input.type}`);
  const createdAt = input.at.toISOString();
  const subscribed = sql`select id from webhook_endpoints where status = 'active'
    and (event_types @> '["*"]'::jsonb or event_types @> jsonb_build_array(${input.type}::text))`;
  const result = await sql<{ events: string }>`
    with src as (${input.source}),
    events as (
      insert into webhook_events (id, type, merchant_id, payload, created_at)
      select ev.id, ${input.type}::text, ev.merchant_id,
        json_build_object('id', ev.id, 'type', ${input.type}::text, 'createdAt', ${createdAt}::text,
          'merchantId', ev.merchant_id, 'data', ev.data)::text, ${input.at}::timestamptz
      from (select 'evt_' || substr(md5(${input.type}::text || ':' || src.event_key), 1, 20) as id, src.merchant_id,
              src.data::json as data from src) ev
      where exists (${subscribed})
      on conflict (id) do nothing
      returning id, merchant_id),
    deliveries as (
      insert into webhook_deliveries (id, event_id, endpoint_id, merchant_id, event_type, status, next_attempt_at, created_at)
      select 'whd_' || substr(md5(events.id || ':' || e.id), 1, 20), events.id, e.id, events.merchant_id, ${input.type}::text,
        'pending', ${input.at}::timestamptz, ${input.at}::timestamptz
      from events cross join (${subscribed}) e
      returning 1)
    select (select count(*) from events)::text as events, (select count(*) from deliveries)::text as deliveries`.execute(trx);
  return Number(result.rows[0]?.events ?? 0);
}

/** The signature header value for a body sent at `timestampSeconds`. */
export function signWebhook(secret: string, timestampSeconds: number, body: string): string {
  return `t=${timestampSeconds},v1=${hmacSha256Hex(Buffer.from(secret, 'utf8'), `${timestampSeconds}.${body}`)}`;
}

/** What a partner does on receipt: checks the HMAC and that the timestamp is recent. */
export function verifyWebhookSignature(secret: string, header: string, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = new Map(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1');
  if (!Number.isSafeInteger(t) || !v1 || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  return constantTimeEqual(signWebhook(secret, t, body).split('v1=')[1]!, v1);
}

// ---- Endpoints ------------------------------------------------------------------------------

export interface EndpointInput { url: string; eventTypes: string[]; description?: string }

function assertEndpoint(input: Partial<EndpointInput>): void {
  const fields: { field: string; rule: string; message: string }[] = [];
  if (input.url !== undefined) {
    let ok = false;
    try { ok = ['http:', 'https:'].includes(new URL(input.url).protocol); } catch { ok = false; }
    if (!ok) fields.push({ field: 'url', rule: 'url', message: 'must be an http(s) URL' });
  }
  for (const [i, type] of (input.eventTypes ?? []).entries()) {
    if (type !== '*' && !(webhookEventTypes as readonly string[]).includes(type)) {
      fields.push({ field: `eventTypes.${i}`, rule: 'enum', message: `unknown event type ${type}` });
    }
  }
  if (input.eventTypes !== undefined && input.eventTypes.length === 0) fields.push({ field: 'eventTypes', rule: 'minItems', message: 'name at least one event type or *' });
  if (fields.length > 0) throw new AppError('validation_failed', 'The request has invalid fields', { fields });
}

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

export async function createEndpoint(ctx: AppContext, trx: Executor, input: EndpointInput, createdBy: string | null): Promise<{ row: WebhookEndpointRow; secret: string }> {
  assertEndpoint(input);
  forgetEndpoints(trx);
  const now = ctx.clock.now();
  const secret = newWebhookSecret();
  const row = await trx.insertInto('webhook_endpoints').values({
    id: newId('whk'), url: input.url, description: input.description ?? '', event_types: JSON.stringify([...new Set(input.eventTypes)]),
    secret_enc: ctx.cipher.seal(secretField, secret), status: 'active', created_by: createdBy, created_at: now, updated_at: now,
  }).returningAll().executeTakeFirstOrThrow();
  return { row, secret };
}

export async function endpointOrThrow(db: Executor, id: string): Promise<WebhookEndpointRow> {
  const row = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).where('status', '!=', 'deleted').executeTakeFirst();
  if (!row) throw new AppError('not_found', 'Webhook endpoint was not found');
  return row;
}

export async function updateEndpoint(ctx: AppContext, trx: Executor, id: string, input: Partial<EndpointInput> & { status?: 'active' | 'disabled' }): Promise<WebhookEndpointRow> {
  await endpointOrThrow(trx, id);
  assertEndpoint(input);
  forgetEndpoints(trx);
  return trx.updateTable('webhook_endpoints').set({
    ...(input.url !== undefined ? { url: input.url } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.eventTypes !== undefined ? { event_types: JSON.stringify([...new Set(input.eventTypes)]) } : {}),
    ...(input.status !== undefined ? { status: input.status } : {}),
    updated_at: ctx.clock.now(),
  }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export async function rotateEndpointSecret(ctx: AppContext, trx: Executor, id: string): Promise<{ row: WebhookEndpointRow; secret: string }> {
  await endpointOrThrow(trx, id);
  const secret = newWebhookSecret();
  const row = await trx.updateTable('webhook_endpoints').set({ secret_enc: ctx.cipher.seal(secretField, secret), updated_at: ctx.clock.now() })
    .where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  return { row, secret };
}

/** Deleting keeps the row for the delivery log; its pending deliveries are abandoned as failed. */
export async function deleteEndpoint(ctx: AppContext, trx: Executor, id: string): Promise<void> {
  await endpointOrThrow(trx, id);
  forgetEndpoints(trx);
  const now = ctx.clock.now();
  await trx.updateTable('webhook_endpoints').set({ status: 'deleted', updated_at: now }).where('id', '=', id).execute();
  await trx.updateTable('webhook_deliveries').set({ status: 'failed', failed_at: now, last_error: 'The endpoint was deleted', claimed_until: null, claimed_by: null })
    .where('endpoint_id', '=', id).where('status', '=', 'pending').execute();
}

/** Queues a delivery again (any status) for an immediate attempt; the attempt log is kept. */
export async function redeliver(ctx: AppContext, trx: Executor, deliveryId: string): Promise<WebhookDeliveryRow> {
  const delivery = await trx.selectFrom('webhook_deliveries').selectAll().where('id', '=', deliveryId).executeTakeFirst();
  if (!delivery) throw new AppError('not_found', 'Webhook delivery was not found');
  await endpointOrThrow(trx, delivery.endpoint_id);
  return trx.updateTable('webhook_deliveries').set({
    status: 'pending', attempts: 0, next_attempt_at: ctx.clock.now(), claimed_until: null, claimed_by: null, failed_at: null,
  }).where('id', '=', deliveryId).returningAll().executeTakeFirstOrThrow();
}

// ---- Delivery -------------------------------------------------------------------------------

export interface WebhookReport { claimed: number; delivered: number; retrying: number; failed: number }

interface ClaimedDelivery extends WebhookDeliveryRow { url: string; secret_enc: string; payload: string; endpoint_status: string }

/** One bounded pass of the webhook worker; claims like `deliverDueMessages` (SKIP LOCKED + lease). */
export async function deliverDueWebhooks(ctx: AppContext, options: { limit?: number } = {}): Promise<WebhookReport> {
  const limit = Math.min(Math.max(options.limit ?? deliveryBatchMax, 1), deliveryBatchMax * 5);
  const now = ctx.clock.now();
  const token = randomBytes(12).toString('hex');
  const leaseEnd = new Date(now.getTime() + claimLeaseSeconds * 1000);
  const claimed = await ctx.db.transaction().execute(async (trx) => (await sql<ClaimedDelivery>`
    with claimed as (
      update webhook_deliveries set claimed_until = ${leaseEnd}, claimed_by = ${token}, attempts = attempts + 1
      where id in (
        select id from webhook_deliveries
        where status = 'pending' and (attempts = 0 or next_attempt_at <= ${now}) and (claimed_until is null or claimed_until < ${now})
        order by next_attempt_at, seq limit ${limit}
        for update skip locked)
      returning *)
    select c.*, e.url, e.secret_enc, e.status as endpoint_status, v.payload
    from claimed c join webhook_endpoints e on e.id = c.endpoint_id join webhook_events v on v.id = c.event_id
    order by c.next_attempt_at, c.seq`.execute(trx)).rows);
  const report: WebhookReport = { claimed: claimed.length, delivered: 0, retrying: 0, failed: 0 };
  for (const delivery of claimed) report[await deliverWebhook(ctx, delivery, token)]++;
  return report;
}

async function postSigned(ctx: AppContext, delivery: ClaimedDelivery): Promise<{ statusCode: number | null; error: string | null }> {
  if (delivery.endpoint_status !== 'active') return { statusCode: null, error: `The endpoint is ${delivery.endpoint_status}` };
  const timestamp = Math.floor(ctx.clock.wallNow().getTime() / 1000);
  const secret = ctx.cipher.open(secretField, delivery.secret_enc);
  try {
    const response = await fetch(delivery.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json', 'user-agent': 'Jihuo-Webhooks/1',
        [signatureHeader]: signWebhook(secret, timestamp, delivery.payload),
        'Jihuo-Event-Id': delivery.event_id, 'Jihuo-Event-Type': delivery.event_type, 'Jihuo-Delivery-Id': delivery.id,
      },
      body: delivery.payload,
      signal: AbortSignal.timeout(webhookTimeoutMs),
      redirect: 'manual',
    });
    await response.arrayBuffer().catch(() => undefined);
    return response.ok ? { statusCode: response.status, error: null } : { statusCode: response.status, error: `HTTP ${response.status}` };
  } catch (err) {
    return { statusCode: null, error: `Endpoint unreachable: ${(err as Error).message}` };
  }
}

async function deliverWebhook(ctx: AppContext, delivery: ClaimedDelivery, token: string): Promise<'delivered' | 'retrying' | 'failed'> {
  const started = Date.now();
  const { statusCode, error } = await postSigned(ctx, delivery);
  const at = ctx.clock.now();
  const attempt = Number(delivery.attempts);
  const outcome = error === null ? 'delivered' : attempt >= webhookAttemptsMax || delivery.endpoint_status !== 'active' ? 'failed' : 'retrying';
  const release = { claimed_until: null, claimed_by: null, last_status_code: statusCode };
  await ctx.db.transaction().execute(async (trx) => {
    const updated = await trx.updateTable('webhook_deliveries').set(
      outcome === 'delivered' ? { ...release, status: 'delivered', delivered_at: at, last_error: null }
        : outcome === 'failed' ? { ...release, status: 'failed', failed_at: at, last_error: error }
          : { ...release, last_error: error, next_attempt_at: new Date(at.getTime() + backoffSeconds(attempt, webhookBackoffBaseSeconds, webhookBackoffMaxSeconds) * 1000) },
    ).where('id', '=', delivery.id).where('claimed_by', '=', token).where('status', '=', 'pending').returning('id').executeTakeFirst();
    if (!updated) return;
    await trx.insertInto('webhook_attempts').values({
      delivery_id: delivery.id, attempt, at, status_code: statusCode, error, duration_ms: Date.now() - started,
    }).execute();
  });
  return outcome;
}
