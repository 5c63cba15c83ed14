// Announcements of maintenance windows and updates (SPEC §12): to all merchants or a filter (model,
// city, MCC), shown in the portal and on terminals while active, and sent once by SMS/email to
// merchants who opted in. A maintenance window that overlaps business hours warns the operator.
import type { Selectable } from 'kysely';
import { shanghaiMinuteOfDay } from '../../platform/clock.js';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import { sendNotification } from '../notifications/notification.service.js';
import type { AnnouncementFilter, AnnouncementTable } from './support.table.js';

export type AnnouncementRow = Selectable<AnnouncementTable>;

export const announcementDeliveryBatch = 200;

/** Whether [start, end) touches the business hours between quietEnd and quietStart (Shanghai). */
export function overlapsBusinessHours(start: Date, end: Date, quietStartMinute: number, quietEndMinute: number): boolean {
  const stepMs = 15 * 60_000;
  for (let t = start.getTime(); t < end.getTime(); t += stepMs) {
    const minute = shanghaiMinuteOfDay(new Date(t));
    const quiet = quietStartMinute > quietEndMinute
      ? minute >= quietStartMinute || minute < quietEndMinute
      : minute >= quietStartMinute && minute < quietEndMinute;
    if (!quiet) return true;
  }
  return false;
}

/** Merchant ids an announcement addresses (all approved merchants when the filter is empty). */
export async function targetMerchantIds(db: Executor, filter: AnnouncementFilter): Promise<string[]> {
  let query = db.selectFrom('merchants').select('merchants.id').where('merchants.status', '=', 'approved');
  if (filter.cityCodes?.length) query = query.where('merchants.city_code', 'in', filter.cityCodes);
  if (filter.mccs?.length) query = query.where('merchants.mcc', 'in', filter.mccs);
  if (filter.modelCodes?.length) {
    const models = filter.modelCodes;
    query = query.where((eb) => eb.exists(eb.selectFrom('terminals').select('terminals.id')
      .whereRef('terminals.merchant_id', '=', 'merchants.id').where('terminals.model_code', 'in', models)));
  }
  return (await query.execute()).map((r) => r.id);
}

export async function maintenanceWarnings(db: Executor, a: Pick<AnnouncementRow, 'kind' | 'starts_at' | 'ends_at' | 'filter'>): Promise<string[]> {
  if (a.kind !== 'maintenance') return [];
  const ids = await targetMerchantIds(db, a.filter);
  if (ids.length === 0) return [];
  const windows = await db.selectFrom('merchants').select(['quiet_start_minute', 'quiet_end_minute'])
    .where('id', 'in', ids).groupBy(['quiet_start_minute', 'quiet_end_minute']).execute();
  const affected = windows.filter((w) => overlapsBusinessHours(a.starts_at, a.ends_at, w.quiet_start_minute, w.quiet_end_minute));
  return affected.length > 0
    ? [`The maintenance window overlaps the business hours of merchants in ${affected.length} business-hours group(s)`]
    : [];
}

function matchesTerminal(filter: AnnouncementFilter, t: { model_code: string; city_code: string | null; mcc: string | null }): boolean {
  if (filter.modelCodes?.length && !filter.modelCodes.includes(t.model_code)) return false;
  if (filter.cityCodes?.length && (!t.city_code || !filter.cityCodes.includes(t.city_code))) return false;
  if (filter.mccs?.length && (!t.mcc || !filter.mccs.includes(t.mcc))) return false;
  return true;
}

export async function activeAnnouncements(db: Executor, now: Date): Promise<AnnouncementRow[]> {
  return db.selectFrom('announcements').selectAll().where('status', '=', 'published')
    .where('starts_at', '<=', now).where('ends_at', '>', now).orderBy('starts_at').execute();
}

async function terminalTarget(db: Executor, terminalId: string) {
  return db.selectFrom('terminals').leftJoin('merchants', 'merchants.id', 'terminals.merchant_id')
    .select(['terminals.model_code', 'terminals.merchant_id', 'merchants.city_code', 'merchants.mcc'])
    .where('terminals.id', '=', terminalId).executeTakeFirst();
}

/** Active announcements addressed to one terminal. */
export async function announcementsForTerminal(db: Executor, terminalId: string, now: Date): Promise<AnnouncementRow[]> {
  const t = await terminalTarget(db, terminalId);
  if (!t) return [];
  return (await activeAnnouncements(db, now)).filter((a) => a.channels.includes('terminal') && matchesTerminal(a.filter, t));
}

export interface TerminalAnnouncement { announcement: AnnouncementRow; noticeCode: string }

/**
 * The active announcements a terminal shows (`hello`, `GET /terminal/v1/messages`), each with its
 * notice code. The first showing on a terminal writes the outbox message (channel terminal) in the
 * caller's transaction; later showings reuse its code. A terminal without a merchant shows none:
 * there is no one to address the notice to.
 */
export async function terminalAnnouncements(ctx: AppContext, trx: Executor, terminalId: string, now: Date,
  limit: number): Promise<TerminalAnnouncement[]> {
  const t = await terminalTarget(trx, terminalId);
  if (!t?.merchant_id) return [];
  const active = (await announcementsForTerminal(trx, terminalId, now)).slice(0, limit);
  const result: TerminalAnnouncement[] = [];
  for (const announcement of active) {
    result.push({ announcement, noticeCode: await terminalNoticeCode(ctx, trx, announcement, { terminalId, merchantId: t.merchant_id }, now) });
  }
  return result;
}

async function terminalNoticeCode(ctx: AppContext, trx: Executor, a: AnnouncementRow,
  to: { terminalId: string; merchantId: string }, now: Date): Promise<string> {
  // Claim the pair first: a concurrent showing waits on the row and then reads the code.
  const claimed = await trx.insertInto('announcement_terminal_notices').values({
    announcement_id: a.id, terminal_id: to.terminalId, merchant_id: to.merchantId, notice_code: '', message_id: '', created_at: now,
  }).onConflict((oc) => oc.columns(['announcement_id', 'terminal_id']).doNothing()).returning('terminal_id').executeTakeFirst();
  if (!claimed) {
    const row = await trx.selectFrom('announcement_terminal_notices').select('notice_code')
      .where('announcement_id', '=', a.id).where('terminal_id', '=', to.terminalId).executeTakeFirstOrThrow();
    return row.notice_code;
  }
  const [queued] = await sendNotification(ctx, trx, {
    merchantId: to.merchantId, template: 'announcement', channels: ['terminal'], terminalId: to.terminalId, queueOnTerminal: false,
    params: announcementParams(a),
  });
  await trx.updateTable('announcement_terminal_notices').set({ notice_code: queued!.noticeCode, message_id: queued!.messageId })
    .where('announcement_id', '=', a.id).where('terminal_id', '=', to.terminalId).execute();
  return queued!.noticeCode;
}

function announcementParams(a: AnnouncementRow): Record<string, string> {
  return {
    title: a.title_zh, titleEn: a.title_en, body: a.body_zh, bodyEn: a.body_en,
    startsAt: a.starts_at.toISOString(), endsAt: a.ends_at.toISOString(),
  };
}

export async function announcementsForMerchant(db: Executor, merchantId: string, now: Date): Promise<AnnouncementRow[]> {
  const active = (await activeAnnouncements(db, now)).filter((a) => a.channels.includes('portal'));
  const result: AnnouncementRow[] = [];
  for (const a of active) if ((await targetMerchantIds(db, a.filter)).includes(merchantId)) result.push(a);
  return result;
}

/** Worker pass: SMS/email each active announcement once to opted-in merchants it addresses. */
export async function deliverAnnouncements(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  let sent = 0;
  for (const a of await activeAnnouncements(ctx.db, now)) {
    const channels = a.channels.filter((c): c is 'sms' | 'email' => c === 'sms' || c === 'email');
    if (channels.length === 0) continue;
    const targets = new Set(await targetMerchantIds(ctx.db, a.filter));
    const optIns = await ctx.db.selectFrom('announcement_opt_ins').selectAll().where('channel', 'in', channels).execute();
    for (const optIn of optIns.filter((o) => targets.has(o.merchant_id)).slice(0, announcementDeliveryBatch)) {
      await ctx.db.transaction().execute(async (trx) => {
        const claimed = await trx.insertInto('announcement_deliveries')
          .values({ announcement_id: a.id, merchant_id: optIn.merchant_id, channel: optIn.channel, sent_at: now })
          .onConflict((oc) => oc.columns(['announcement_id', 'merchant_id', 'channel']).doNothing()).returning('merchant_id').executeTakeFirst();
        if (!claimed) return;
        await sendNotification(ctx, trx, {
          merchantId: optIn.merchant_id, template: 'announcement', channels: [optIn.channel], params: announcementParams(a),
        });
        sent++;
      });
    }
  }
  return sent;
}

export function announcementView(a: AnnouncementRow) {
  return {
    id: a.id, kind: a.kind, title: { zh: a.title_zh, en: a.title_en }, body: { zh: a.body_zh, en: a.body_en },
    startsAt: a.starts_at.toISOString(), endsAt: a.ends_at.toISOString(), filter: a.filter, channels: a.channels,
    status: a.status, publishedAt: a.published_at?.toISOString() ?? null,
  };
}
