// "I did not expect this" (SPEC §7, §12): one action from any re-activation case or received
// message opens a high-priority fraud ticket and alerts operators; the merchant sees the outcome
// on the ticket and the case. Pausing the case deadline goes through the re-activation module.
import type { Actor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError, validationError } from '../../platform/http/errors.js';
import { raiseOperatorAlert } from '../activation/activation.service.js';
import { sendNotification } from '../notifications/notification.service.js';
import { disputeCase } from '../reactivation/dispute.service.js';
import { caseOrThrow } from '../reactivation/reactivation.service.js';
import { openTicket, ticketView } from './ticket.service.js';

export interface ScamReportInput { caseId?: string | undefined; noticeCode?: string | undefined; merchantId?: string | undefined; note?: string | undefined }

export async function reportScam(ctx: AppContext, trx: Executor, actor: Actor, input: ScamReportInput) {
  if (!input.caseId && !input.noticeCode) {
    throw validationError([{ field: 'caseId', rule: 'one_of', message: 'name the case or the notice code of the message' }]);
  }
  const reported = input.caseId ? await caseOrThrow(trx, input.caseId, actor, true) : null;
  const merchantId = actor.merchantId ?? reported?.merchant_id ?? input.merchantId;
  if (!merchantId) throw validationError([{ field: 'merchantId', rule: 'required', message: 'operators name the merchant' }]);
  const merchant = await trx.selectFrom('merchants').select('id').where('id', '=', merchantId).executeTakeFirst();
  if (!merchant) throw new AppError('merchant_not_found', `Merchant ${merchantId} was not found`);
  const subject = input.caseId ? `Suspected scam: re-activation case ${input.caseId}` : `Suspected scam: message ${input.noticeCode}`;
  const ticket = await openTicket(ctx, trx, actor, {
    merchantId, terminalId: reported?.terminal_id ?? null, category: 'fraud', priority: 'urgent', source: actor.merchantId ? 'portal' : 'hotline', subject,
    body: input.note ?? 'The merchant did not expect this request and reports it as a possible scam.', fraud: true,
    relatedCaseId: input.caseId ?? null, relatedNotice: input.noticeCode ?? null, notifyMerchant: false,
  });
  // The case's deadline pauses until an operator confirms it genuine or fraudulent.
  if (reported) await disputeCase(ctx, trx, reported.id, ticket.id, actor);
  const alertId = await raiseOperatorAlert(trx, {
    kind: 'scam_reported', terminalId: reported?.terminal_id ?? null, merchantId, at: ctx.clock.now(),
    details: { ticketId: ticket.id, caseId: input.caseId ?? null, noticeCode: input.noticeCode ?? null },
  });
  // The merchant is told, through the outbox with a notice code, that the report arrived.
  await sendNotification(ctx, trx, {
    merchantId, template: 'scam_report_received', channels: ['inbox', 'sms'], params: { ticketId: ticket.id }, terminalId: ticket.terminal_id,
  });
  await ctx.audit(trx, actor, { action: 'scam.reported', subjectType: 'ticket', subjectId: ticket.id, merchantId,
    details: { caseId: input.caseId ?? null, noticeCode: input.noticeCode ?? null, alertId } });
  return { ticket: ticketView(ticket, ctx.clock.now()), casePaused: reported !== null };
}
