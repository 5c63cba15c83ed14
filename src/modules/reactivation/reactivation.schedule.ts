// The merchant picks, within the grace period, the quiet window in which the step takes effect
// (SPEC §7): the key rotation and the firmware update wait for it, never business hours.
import type { Actor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError } from '../../platform/http/errors.js';
import { isQuiet } from './quiet-window.js';
import { caseOrThrow, closedStatuses, merchantQuietWindow } from './reactivation.service.js';
import type { CaseRow } from './reactivation.repository.js';

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
