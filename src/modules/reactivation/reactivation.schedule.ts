// The merchant picks, within the grace period, the quiet window in which the step takes effect
// (SPEC §7): the key rotation and the firmware update wait for it, never business hours. The
// merchant also sets its business hours (the quiet window), which reschedules open grace cases.
import type { Actor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError } from '../../platform/http/errors.js';
import { blockingStartsAt, isQuiet, nextQuietStart, type QuietWindow } from './quiet-window.js';
import { caseOrThrow, closedStatuses, merchantQuietWindow } from './reactivation.service.js';
import type { CaseRow } from './reactivation.repository.js';
import { openStatuses } from './reactivation.repository.js';
import { quietWindowMinutesMin } from './reactivation.config.js';
import { getMerchantSummary, setMerchantQuietWindow } from '../merchants/merchant.service.js';
import { validationError } from '../../platform/http/errors.js';

export async function scheduleEffect(ctx: AppContext, trx: Executor, input: { caseId: string; effectiveAt: Date; actor: Actor }): Promise<CaseRow> {
  const row = await caseOrThrow(trx, input.caseId, input.actor, true);
  if ((closedStatuses as readonly string[]).includes(row.status)) {
    throw new AppError('reactivation_case_closed', `Case ${row.id} is ${row.status}`, { caseId: row.id, status: row.status });
  }
  const window = await merchantQuietWindow(trx, row.merchant_id);
  const now = ctx.clock.now();
  const latest = row.blocks_at ?? row.deadline;
  const problems: string[] = [];
  if (row.policy !== 'grace') problems.push('only grace cases can be scheduled');
  if (input.effectiveAt.getTime() < now.getTime()) problems.push('effectiveAt is in the past');
  if (latest !== null && input.effectiveAt.getTime() > latest.getTime()) problems.push('effectiveAt is after the grace period');
  if (!isQuiet(input.effectiveAt, window)) problems.push('effectiveAt is outside the quiet window');
  if (problems.length > 0) {
    throw new AppError('reactivation_schedule_invalid', problems.join('; '), {
      problems, latest: latest?.toISOString() ?? null,
      quietWindow: { startMinute: window.startMinute, endMinute: window.endMinute, timeZone: 'Asia/Shanghai' },
    });
  }
  return trx.updateTable('reactivation_cases').set({ effective_at: input.effectiveAt, updated_at: now })
    .where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
}

/** "HH:MM" (24 h, Asia/Shanghai) ↔ minute of the day. */
export function minuteOfClock(text: string): number | null {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

export function clockOfMinute(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

function quietLengthMinutes(window: QuietWindow): number {
  return (window.endMinute - window.startMinute + 24 * 60) % (24 * 60);
}

export function businessHoursView(merchantId: string, window: QuietWindow) {
  return {
    merchantId, timeZone: 'Asia/Shanghai',
    quietStart: clockOfMinute(window.startMinute), quietEnd: clockOfMinute(window.endMinute),
    businessHours: { start: clockOfMinute(window.endMinute), end: clockOfMinute(window.startMinute) },
  };
}

export async function getBusinessHours(db: Executor, merchantId: string) {
  const merchant = await getMerchantSummary(db, merchantId);
  return businessHoursView(merchant.id, { startMinute: merchant.quietStartMinute, endMinute: merchant.quietEndMinute });
}

/**
 * When a grace case blocks under `window`: the first quiet window after its deadline; if that moment
 * has passed already and it is business hours now, the next quiet window (never mid-business).
 */
export function reschedule(deadline: Date, window: QuietWindow, now: Date): Date {
  const blocksAt = blockingStartsAt(deadline, window);
  if (blocksAt.getTime() <= now.getTime() && !isQuiet(now, window)) return nextQuietStart(now, window);
  return blocksAt;
}

/**
 * Sets the merchant's quiet window (`quietStart`–`quietEnd`, "HH:MM" Asia/Shanghai; business hours
 * are the rest of the day) and recomputes `blocks_at` of its open grace cases that are not blocked
 * yet; a picked `effective_at` outside the new window is cleared (the merchant picks again).
 */
export async function setBusinessHours(ctx: AppContext, trx: Executor, input: {
  merchantId: string; quietStart: string; quietEnd: string; actor: Actor;
}) {
  const startMinute = minuteOfClock(input.quietStart);
  const endMinute = minuteOfClock(input.quietEnd);
  const fields: { field: string; rule: string; message: string }[] = [];
  if (startMinute === null) fields.push({ field: 'quietStart', rule: 'time', message: 'HH:MM, 00:00 to 23:59' });
  if (endMinute === null) fields.push({ field: 'quietEnd', rule: 'time', message: 'HH:MM, 00:00 to 23:59' });
  if (startMinute !== null && endMinute !== null && quietLengthMinutes({ startMinute, endMinute }) < quietWindowMinutesMin) {
    fields.push({ field: 'quietEnd', rule: 'quiet_window_length', message: `the quiet window must last at least ${quietWindowMinutesMin} minutes` });
  }
  if (fields.length > 0 || startMinute === null || endMinute === null) throw validationError(fields);
  const window = { startMinute, endMinute };
  const now = ctx.clock.now();
  const before = await getMerchantSummary(trx, input.merchantId);
  await setMerchantQuietWindow(trx, input.merchantId, window, now);
  const cases = await trx.selectFrom('reactivation_cases').selectAll().where('merchant_id', '=', input.merchantId)
    .where('status', 'in', openStatuses).where('policy', '=', 'grace').where('blocked_at', 'is', null)
    .where('deadline', 'is not', null).orderBy('id').forUpdate().execute();
  const rescheduled: { caseId: string; blocksAt: string }[] = [];
  for (const row of cases) {
    const blocksAt = reschedule(row.deadline!, window, now);
    const keepEffective = row.effective_at === null || isQuiet(row.effective_at, window);
    await trx.updateTable('reactivation_cases')
      .set({ blocks_at: blocksAt, ...(keepEffective ? {} : { effective_at: null }), updated_at: now })
      .where('id', '=', row.id).execute();
    rescheduled.push({ caseId: row.id, blocksAt: blocksAt.toISOString() });
  }
  await ctx.audit(trx, input.actor, { action: 'merchant.business_hours_changed', subjectType: 'merchant', subjectId: input.merchantId,
    merchantId: input.merchantId, details: {
      from: { quietStart: clockOfMinute(before.quietStartMinute), quietEnd: clockOfMinute(before.quietEndMinute) },
      to: { quietStart: input.quietStart, quietEnd: input.quietEnd }, rescheduledCases: rescheduled.length,
    } });
  return { ...businessHoursView(input.merchantId, window), rescheduledCases: rescheduled };
}
