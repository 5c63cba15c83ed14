// Support tickets: opened by merchants (portal), operators (hotline) or the system (scam reports,
// repeated self-test failures, activation locks). Internal notes stay apart from replies; every
// reply to the merchant goes through the notifications outbox with a notice code.
import type { Selectable } from 'kysely';
import type { Actor } from '../../platform/actor.js';
import { isOperator, operatorRoles, systemActor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import { findUser, isOperatorRole } from '../accounts/accounts.service.js';
import { sendNotification } from '../notifications/notification.service.js';
import type { TicketCategory, TicketPriority, TicketStatus, TicketTable } from './support.table.js';
import { canMoveTicket, slaBreached, slaDueAt } from './ticket.state.js';

export type TicketRow = Selectable<TicketTable>;

export interface OpenTicketInput {
  merchantId: string;
  terminalId?: string | null;
  category: TicketCategory;
  priority: TicketPriority;
  source: 'portal' | 'hotline' | 'auto';
  subject: string;
  body: string;
  fraud?: boolean;
  relatedCaseId?: string | null;
  relatedNotice?: string | null;
  /** Tell the merchant through the outbox; by default when someone else (hotline, system) opens it. */
  notifyMerchant?: boolean;
}

type TicketNotice = 'ticket_opened' | 'ticket_reply' | 'ticket_resolved' | 'ticket_closed';

/** Every ticket message to the merchant goes through the outbox, with a notice code (SPEC §11). */
async function notifyMerchant(ctx: AppContext, trx: Executor, ticket: TicketRow, template: TicketNotice): Promise<void> {
  await sendNotification(ctx, trx, {
    merchantId: ticket.merchant_id, template, channels: ['inbox', 'sms'],
    params: { ticketId: ticket.id, subject: ticket.subject }, terminalId: ticket.terminal_id,
  });
}

export async function openTicket(ctx: AppContext, trx: Executor, actor: Actor, input: OpenTicketInput): Promise<TicketRow> {
  const now = ctx.clock.now();
  const row = await trx.insertInto('tickets').values({
    id: newId('tkt'), merchant_id: input.merchantId, terminal_id: input.terminalId ?? null, category: input.category,
    priority: input.priority, status: 'open', source: input.source, subject: input.subject, fraud: input.fraud ?? false,
    assignee_id: null, related_case_id: input.relatedCaseId ?? null, related_notice: input.relatedNotice ?? null,
    sla_due_at: slaDueAt(now, input.priority), first_response_at: null, resolved_at: null, closed_at: null,
    created_at: now, updated_at: now,
  }).returningAll().executeTakeFirstOrThrow();
  await trx.insertInto('ticket_messages').values({
    ticket_id: row.id, merchant_id: row.merchant_id, author_kind: actor.kind, author_id: actor.id,
    visibility: 'merchant', body: input.body, created_at: now,
  }).execute();
  await ctx.audit(trx, actor, { action: 'ticket.opened', subjectType: 'ticket', subjectId: row.id, merchantId: row.merchant_id,
    details: { category: row.category, priority: row.priority, fraud: row.fraud, source: row.source } });
  if (input.notifyMerchant ?? actor.merchantId === null) await notifyMerchant(ctx, trx, row, 'ticket_opened');
  return row;
}

export interface AutoTicket { ticket: TicketRow; opened: boolean }

/**
 * For other modules: a ticket opened by the system (activation lock, repeated self-test failures).
 * One unresolved automatic ticket per terminal and category: a repeat becomes an internal note on
 * it, so a terminal that keeps failing does not flood the hotline queue.
 */
export async function openAutoTicket(ctx: AppContext, trx: Executor, input: Omit<OpenTicketInput, 'source'>): Promise<AutoTicket> {
  const actor = systemActor;
  if (input.terminalId) {
    const existing = await trx.selectFrom('tickets').selectAll().where('terminal_id', '=', input.terminalId)
      .where('source', '=', 'auto').where('category', '=', input.category).where('status', 'not in', ['resolved', 'closed'])
      .orderBy('created_at', 'desc').limit(1).forUpdate().executeTakeFirst();
    if (existing) {
      const now = ctx.clock.now();
      await trx.insertInto('ticket_messages').values({
        ticket_id: existing.id, merchant_id: existing.merchant_id, author_kind: actor.kind, author_id: actor.id,
        visibility: 'internal', body: input.body, created_at: now,
      }).execute();
      await trx.updateTable('tickets').set({ updated_at: now }).where('id', '=', existing.id).execute();
      await ctx.audit(trx, actor, { action: 'ticket.auto_repeated', subjectType: 'ticket', subjectId: existing.id,
        merchantId: existing.merchant_id, details: { category: existing.category, subject: input.subject } });
      return { ticket: existing, opened: false };
    }
  }
  return { ticket: await openTicket(ctx, trx, actor, { ...input, source: 'auto' }), opened: true };
}

export async function lockTicket(trx: Executor, id: string, actor: Actor): Promise<TicketRow> {
  const row = await trx.selectFrom('tickets').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row || (actor.merchantId !== null && actor.merchantId !== row.merchant_id)) {
    throw new AppError('not_found', `Ticket ${id} was not found`);
  }
  return row;
}

export async function moveTicket(ctx: AppContext, trx: Executor, ticket: TicketRow, to: TicketStatus, actor: Actor): Promise<TicketRow> {
  if (ticket.status === to) return ticket;
  if (!canMoveTicket(ticket.status, to)) {
    throw new AppError('invalid_state', `Ticket ${ticket.id} is ${ticket.status} and cannot become ${to}`, { currentStatus: ticket.status });
  }
  const now = ctx.clock.now();
  const updated = await trx.updateTable('tickets').set({
    status: to, updated_at: now,
    ...(to === 'resolved' ? { resolved_at: now } : {}), ...(to === 'closed' ? { closed_at: now } : {}),
  }).where('id', '=', ticket.id).returningAll().executeTakeFirstOrThrow();
  await ctx.audit(trx, actor, { action: 'ticket.status_changed', subjectType: 'ticket', subjectId: ticket.id,
    merchantId: ticket.merchant_id, details: { from: ticket.status, to } });
  // The merchant hears of a resolution or closure they did not make themselves.
  if (actor.merchantId === null && (to === 'resolved' || to === 'closed')) {
    await notifyMerchant(ctx, trx, updated, to === 'resolved' ? 'ticket_resolved' : 'ticket_closed');
  }
  return updated;
}

export async function addTicketMessage(ctx: AppContext, trx: Executor, actor: Actor, ticket: TicketRow,
  input: { body: string; internal: boolean }): Promise<void> {
  if (ticket.status === 'closed') throw new AppError('ticket_closed', `Ticket ${ticket.id} is closed; open a new one`);
  const operator = isOperator(actor);
  if (input.internal && !operator) throw new AppError('forbidden', 'Only operators write internal notes');
  const now = ctx.clock.now();
  await trx.insertInto('ticket_messages').values({
    ticket_id: ticket.id, merchant_id: ticket.merchant_id, author_kind: actor.kind, author_id: actor.id,
    visibility: input.internal ? 'internal' : 'merchant', body: input.body, created_at: now,
  }).execute();
  if (input.internal) return;
  if (operator) {
    await trx.updateTable('tickets').set({ first_response_at: ticket.first_response_at ?? now, updated_at: now })
      .where('id', '=', ticket.id).execute();
    await moveTicket(ctx, trx, ticket, ticket.status === 'resolved' ? 'resolved' : 'pending_merchant', actor);
    await notifyMerchant(ctx, trx, ticket, 'ticket_reply');
  } else if (ticket.status !== 'open') {
    await moveTicket(ctx, trx, ticket, ticket.status === 'resolved' ? 'open' : 'pending_ops', actor);
  }
}

/**
 * Assigns (or reassigns) a ticket to an agent: an existing, enabled operator user (ops_agent,
 * ops_risk, ops_admin). Unknown users → 404 `assignee_not_found`; others → 400 `assignee_not_operator`.
 */
export async function assignTicket(ctx: AppContext, trx: Executor, actor: Actor, ticket: TicketRow, assigneeId: string): Promise<TicketRow> {
  const user = await findUser(trx, assigneeId);
  if (!user) throw new AppError('assignee_not_found', `No user ${assigneeId}: assign the ticket to an operator user`, { assigneeId });
  if (!isOperatorRole(user.role) || user.disabled_at !== null) {
    throw new AppError('assignee_not_operator', `User ${assigneeId} cannot take tickets: only enabled operator users (${operatorRoles.join(', ')}) can`,
      { assigneeId, role: user.role, disabled: user.disabled_at !== null });
  }
  const updated = await trx.updateTable('tickets').set({ assignee_id: user.id, updated_at: ctx.clock.now() })
    .where('id', '=', ticket.id).returningAll().executeTakeFirstOrThrow();
  await ctx.audit(trx, actor, { action: 'ticket.assigned', subjectType: 'ticket', subjectId: ticket.id, merchantId: ticket.merchant_id,
    details: { assigneeId: user.id, previousAssigneeId: ticket.assignee_id } });
  return updated;
}

export function ticketView(row: TicketRow, now: Date) {
  return {
    id: row.id, merchantId: row.merchant_id, terminalId: row.terminal_id, category: row.category, priority: row.priority,
    status: row.status, source: row.source, subject: row.subject, fraud: row.fraud, assigneeId: row.assignee_id,
    relatedCaseId: row.related_case_id, slaDueAt: row.sla_due_at.toISOString(), slaBreached: slaBreached(row, now),
    firstResponseAt: row.first_response_at?.toISOString() ?? null, resolvedAt: row.resolved_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
  };
}
