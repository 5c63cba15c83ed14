// Applications, shipping and delivery (SPEC §4). Shipping allocates SNs from stock with
// `FOR UPDATE SKIP LOCKED`, so concurrent shipments never take the same terminal.
import type { Selectable } from 'kysely';
import type { Actor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError } from '../../platform/http/errors.js';
import { decodeCursor, pageLimit, toPage, type PageResult } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import { getMerchantSummary } from '../merchants/merchant.service.js';
import { sendNotification } from '../notifications/notification.service.js';
import { canMoveApplication } from './application.state.js';
import { getDeviceModel } from './device-model.service.js';
import { newTid, transitionTerminal } from './terminal.service.js';
import type { ApplicationStatus, ShipmentTable, TerminalApplicationTable } from './terminal.table.js';

export type ApplicationRow = Selectable<TerminalApplicationTable>;
export type ShipmentRow = Selectable<ShipmentTable>;

export const applicationQuantityMax = 500;

export interface ShippingAddress {
  recipient: string; phone: string | null; province: string | null; city: string | null;
  cityCode: string | null; district: string | null; line: string;
}

/** The merchant's registered address and contact, for the application form (data entered once). */
export async function prefilledAddress(db: Executor, merchantId: string): Promise<ShippingAddress> {
  const m = await db.selectFrom('merchants')
    .select(['legal_name', 'phone', 'province', 'city', 'city_code', 'district', 'address_line'])
    .where('id', '=', merchantId).executeTakeFirst();
  if (!m) throw new AppError('merchant_not_found', `Merchant ${merchantId} was not found`);
  return {
    recipient: m.legal_name, phone: m.phone, province: m.province, city: m.city, cityCode: m.city_code,
    district: m.district, line: m.address_line ?? '',
  };
}

export function applicationView(row: ApplicationRow) {
  return {
    id: row.id, merchantId: row.merchant_id, modelCode: row.model_code, quantity: row.quantity, status: row.status,
    shippingAddress: {
      recipient: row.ship_recipient, phone: row.ship_phone, province: row.ship_province, city: row.ship_city,
      cityCode: row.ship_city_code, district: row.ship_district, line: row.ship_line,
    },
    note: row.note, decisionNote: row.decision_note, decidedAt: row.decided_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString(),
  };
}

export async function createApplication(ctx: AppContext, trx: Executor, actor: Actor, input: {
  merchantId: string; modelCode: string; quantity: number; shippingAddress?: Partial<ShippingAddress>; note?: string | null;
}): Promise<ApplicationRow> {
  const merchant = await getMerchantSummary(trx, input.merchantId);
  if (merchant.status !== 'approved') {
    throw new AppError('merchant_not_approved', `Merchant ${merchant.id} is ${merchant.status}, not approved`, { merchantStatus: merchant.status });
  }
  await getDeviceModel(trx, input.modelCode);
  const address = { ...(await prefilledAddress(trx, merchant.id)), ...stripUndefined(input.shippingAddress ?? {}) };
  if (!address.line) throw new AppError('validation_failed', 'A shipping address line is required', {
    fields: [{ field: 'shippingAddress.line', rule: 'required', message: 'no registered address to pre-fill from' }],
  });
  const now = ctx.clock.now();
  const row = await trx.insertInto('terminal_applications').values({
    id: newId('app'), merchant_id: merchant.id, model_code: input.modelCode, quantity: input.quantity, status: 'pending',
    ship_recipient: address.recipient, ship_phone: address.phone, ship_province: address.province, ship_city: address.city,
    ship_city_code: address.cityCode, ship_district: address.district, ship_line: address.line, note: input.note ?? null,
    decision_note: null, decided_by: null, decided_at: null, created_at: now, updated_at: now,
  }).returningAll().executeTakeFirstOrThrow();
  await ctx.audit(trx, actor, {
    action: 'terminal_application.created', subjectType: 'terminal_application', subjectId: row.id, merchantId: merchant.id,
    details: { modelCode: input.modelCode, quantity: input.quantity },
  });
  return row;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export async function listApplications(db: Executor, filters: { merchantId?: string; status?: ApplicationStatus },
  page: { limit?: number; cursor?: string }): Promise<PageResult<ReturnType<typeof applicationView>>> {
  const limit = pageLimit(page.limit);
  const after = decodeCursor(page.cursor);
  let query = db.selectFrom('terminal_applications').selectAll().orderBy('id').limit(limit + 1);
  if (filters.merchantId) query = query.where('merchant_id', '=', filters.merchantId);
  if (filters.status) query = query.where('status', '=', filters.status);
  if (after) query = query.where('id', '>', String(after[0]));
  return toPage(await query.execute(), limit, (r) => [r.id], applicationView);
}

export type ApplicationView = ReturnType<typeof applicationView>;

/** Applications as the portal and console show them: each with its parcels (carrier, tracking, SNs). */
export async function withShipments<T extends { id: string }>(db: Executor, views: T[]): Promise<(T & { shipments: ReturnType<typeof shipmentView>[] })[]> {
  if (views.length === 0) return [];
  const rows = await db.selectFrom('shipments').selectAll()
    .where('application_id', 'in', views.map((v) => v.id)).orderBy('shipped_at').execute();
  const shipments = await Promise.all(rows.map(async (row) => shipmentView(row, await shipmentSns(db, row.id))));
  return views.map((view) => ({ ...view, shipments: shipments.filter((s) => s.applicationId === view.id) }));
}

export async function lockApplication(trx: Executor, id: string, actor: Actor): Promise<ApplicationRow> {
  const row = await trx.selectFrom('terminal_applications').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row || (actor.merchantId !== null && actor.merchantId !== row.merchant_id)) {
    throw new AppError('application_not_found', `Application ${id} was not found`);
  }
  return row;
}

async function moveApplication(ctx: AppContext, trx: Executor, row: ApplicationRow, to: ApplicationStatus,
  set: Partial<ApplicationRow> = {}): Promise<ApplicationRow> {
  if (!canMoveApplication(row.status, to)) {
    throw new AppError('invalid_state', `Application ${row.id} is ${row.status} and cannot become ${to}`,
      { currentStatus: row.status, requestedStatus: to });
  }
  return trx.updateTable('terminal_applications').set({ ...set, status: to, updated_at: ctx.clock.now() })
    .where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
}

export async function reviewApplication(ctx: AppContext, trx: Executor, actor: Actor, input: {
  id: string; decision: 'approve' | 'reject'; note: string | null;
}): Promise<ApplicationRow> {
  const row = await lockApplication(trx, input.id, actor);
  const to = input.decision === 'approve' ? 'approved' : 'rejected';
  const updated = await moveApplication(ctx, trx, row, to, {
    decision_note: input.note, decided_by: actor.id, decided_at: ctx.clock.now(),
  });
  await ctx.audit(trx, actor, {
    action: `terminal_application.${to}`, subjectType: 'terminal_application', subjectId: row.id, merchantId: row.merchant_id,
    details: { note: input.note },
  });
  return updated;
}

/**
 * Ships an approved application: takes `quantity` in-stock terminals of the model (skipping rows
 * another shipment holds), moves each `in_stock → allocated → shipped` and records the parcel.
 */
export async function shipApplication(ctx: AppContext, trx: Executor, actor: Actor, input: {
  id: string; carrier: string; trackingNumber: string;
}): Promise<{ application: ApplicationRow; shipment: ShipmentRow; sns: string[] }> {
  const application = await lockApplication(trx, input.id, actor);
  if (!canMoveApplication(application.status, 'shipped')) {
    throw new AppError('invalid_state', `Application ${application.id} is ${application.status} and cannot be shipped`,
      { currentStatus: application.status, requestedStatus: 'shipped' });
  }
  const stock = await trx.selectFrom('terminals').select(['id', 'sn'])
    .where('status', '=', 'in_stock').where('model_code', '=', application.model_code).where('merchant_id', 'is', null)
    .orderBy('sn').limit(application.quantity).forUpdate().skipLocked().execute();
  if (stock.length < application.quantity) {
    throw new AppError('terminal_stock_insufficient',
      `Only ${stock.length} terminals of ${application.model_code} are free in stock; ${application.quantity} needed`,
      { modelCode: application.model_code, available: stock.length, requested: application.quantity });
  }
  const existing = await trx.selectFrom('shipments').select('id')
    .where('carrier', '=', input.carrier).where('tracking_number', '=', input.trackingNumber).executeTakeFirst();
  if (existing) throw new AppError('conflict', `Tracking number ${input.trackingNumber} of ${input.carrier} is already used`);
  const at = ctx.clock.now();
  const shipment = await trx.insertInto('shipments').values({
    id: newId('shp'), application_id: application.id, merchant_id: application.merchant_id, carrier: input.carrier,
    tracking_number: input.trackingNumber, status: 'shipped', shipped_at: at, delivered_at: null, delivered_by: null,
  }).returningAll().executeTakeFirstOrThrow();
  for (const terminal of stock) {
    await transitionTerminal(trx, {
      sn: terminal.sn, to: 'allocated', from: ['in_stock'], actor, at, reason: 'application',
      set: { merchant_id: application.merchant_id, tid: await newTid(trx) }, details: { applicationId: application.id },
    });
    await transitionTerminal(trx, {
      sn: terminal.sn, to: 'shipped', from: ['allocated'], actor, at, reason: 'shipment',
      details: { shipmentId: shipment.id, carrier: input.carrier, trackingNumber: input.trackingNumber },
    });
  }
  await trx.insertInto('shipment_terminals')
    .values(stock.map((t) => ({ shipment_id: shipment.id, terminal_id: t.id, merchant_id: application.merchant_id }))).execute();
  const updated = await moveApplication(ctx, trx, application, 'shipped');
  await ctx.audit(trx, actor, {
    action: 'terminal_application.shipped', subjectType: 'terminal_application', subjectId: application.id,
    merchantId: application.merchant_id, details: { shipmentId: shipment.id, sns: stock.map((t) => t.sn) },
  });
  await sendNotification(ctx, trx, { merchantId: application.merchant_id, template: 'terminal_shipped', channels: ['sms', 'inbox'],
    params: { carrier: input.carrier, trackingNumber: input.trackingNumber, count: stock.length } });
  return { application: updated, shipment, sns: stock.map((t) => t.sn) };
}

export async function lockShipment(trx: Executor, where: { id: string } | { carrier: string; trackingNumber: string }, actor: Actor): Promise<ShipmentRow> {
  let query = trx.selectFrom('shipments').selectAll().forUpdate();
  query = 'id' in where ? query.where('id', '=', where.id)
    : query.where('carrier', '=', where.carrier).where('tracking_number', '=', where.trackingNumber);
  const row = await query.executeTakeFirst();
  if (!row || (actor.merchantId !== null && actor.merchantId !== row.merchant_id)) {
    throw new AppError('shipment_not_found', 'The shipment was not found');
  }
  return row;
}

export async function shipmentSns(db: Executor, shipmentId: string): Promise<string[]> {
  const rows = await db.selectFrom('shipment_terminals').innerJoin('terminals', 'terminals.id', 'shipment_terminals.terminal_id')
    .select('terminals.sn').where('shipment_terminals.shipment_id', '=', shipmentId).orderBy('terminals.sn').execute();
  return rows.map((r) => r.sn);
}

export function shipmentView(row: ShipmentRow, sns: string[]) {
  return {
    id: row.id, applicationId: row.application_id, merchantId: row.merchant_id, carrier: row.carrier,
    trackingNumber: row.tracking_number, status: row.status, shippedAt: row.shipped_at.toISOString(),
    deliveredAt: row.delivered_at?.toISOString() ?? null, deliveredBy: row.delivered_by, sns,
  };
}

/** Delivery, confirmed by the merchant or the carrier's callback; a repeat changes nothing. */
export async function confirmDelivery(ctx: AppContext, trx: Executor, actor: Actor, shipment: ShipmentRow,
  by: 'merchant' | 'carrier' | 'operator'): Promise<ShipmentRow> {
  if (shipment.status === 'delivered') return shipment;
  const at = ctx.clock.now();
  const sns = await shipmentSns(trx, shipment.id);
  for (const sn of sns) {
    await transitionTerminal(trx, {
      sn, to: 'delivered', from: ['shipped'], actor, at, reason: `delivery_confirmed_by_${by}`,
      details: { shipmentId: shipment.id, trackingNumber: shipment.tracking_number },
    });
  }
  const updated = await trx.updateTable('shipments').set({ status: 'delivered', delivered_at: at, delivered_by: by })
    .where('id', '=', shipment.id).returningAll().executeTakeFirstOrThrow();
  if (shipment.application_id) {
    const application = await lockApplication(trx, shipment.application_id, actor);
    if (application.status === 'shipped') await moveApplication(ctx, trx, application, 'delivered');
  }
  await ctx.audit(trx, actor, {
    action: 'shipment.delivered', subjectType: 'shipment', subjectId: shipment.id, merchantId: shipment.merchant_id, details: { by },
  });
  return updated;
}
