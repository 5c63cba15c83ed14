// Disputed cases (SPEC §7 "I did not expect this"): the merchant's scam report pauses the case
// deadline until an operator confirms the case. Confirmed genuine, the deadline (and the moment the
// block would start) move on by the time it was paused; confirmed fraudulent, the case is
// cancelled and a blocked terminal restored.
import type { Actor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError } from '../../platform/http/errors.js';
import type { CaseRow } from './reactivation.repository.js';
import { cancelCase, caseOrThrow, closedStatuses } from './reactivation.service.js';

export async function disputeCase(ctx: AppContext, trx: Executor, caseId: string, ticketId: string, actor: Actor): Promise<CaseRow> {
  const row = await caseOrThrow(trx, caseId, actor, true);
  if ((closedStatuses as readonly string[]).includes(row.status)) {
    throw new AppError('reactivation_case_closed', `Case ${row.id} is ${row.status}`, { caseId: row.id, status: row.status });
  }
  const now = ctx.clock.now();
  const updated = await trx.updateTable('reactivation_cases')
    .set({ disputed_at: row.disputed_at ?? now, dispute_ticket_id: ticketId, dispute_outcome: null, updated_at: now })
    .where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
  await ctx.audit(trx, actor, { action: 'reactivation.disputed', subjectType: 'reactivation_case', subjectId: row.id,
    merchantId: row.merchant_id, details: { ticketId } });
  return updated;
}

export async function resolveDispute(ctx: AppContext, trx: Executor, caseId: string, decision: 'genuine' | 'fraud', actor: Actor): Promise<CaseRow> {
  const row = await caseOrThrow(trx, caseId, null, true);
  if (row.disputed_at === null) throw new AppError('invalid_state', `Case ${row.id} is not disputed`, { caseId: row.id });
  const now = ctx.clock.now();
  const pausedMs = now.getTime() - row.disputed_at.getTime();
  const shift = (d: Date | null) => (d === null ? null : new Date(d.getTime() + pausedMs));
  let updated = await trx.updateTable('reactivation_cases').set({
    disputed_at: null, dispute_outcome: decision, updated_at: now,
    ...(decision === 'genuine' && row.blocked_at === null ? { deadline: shift(row.deadline), blocks_at: shift(row.blocks_at) } : {}),
    // Already blocked: the deadline has passed, but the paused time does not count toward expiry.
    ...(decision === 'genuine' && row.blocked_at !== null ? { blocked_paused_ms: Number(row.blocked_paused_ms) + pausedMs } : {}),
  }).where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
  if (decision === 'fraud') updated = await cancelCase(ctx, trx, updated, actor, 'confirmed fraudulent after a scam report');
  await ctx.audit(trx, actor, { action: `reactivation.dispute_${decision}`, subjectType: 'reactivation_case', subjectId: row.id,
    merchantId: row.merchant_id, details: { pausedMs } });
  return updated;
}
