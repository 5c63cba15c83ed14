// The support ticket state machine and SLA rules (SPEC §12), as tables.
import type { TicketPriority, TicketStatus } from './support.table.js';

export const ticketTransitions: Record<TicketStatus, readonly TicketStatus[]> = {
  open: ['pending_merchant', 'pending_ops', 'resolved'],
  pending_merchant: ['pending_ops', 'resolved', 'open'],
  pending_ops: ['pending_merchant', 'resolved', 'open'],
  resolved: ['closed', 'open'],
  closed: [],
};

/** Hours from opening to the SLA due time, by priority. */
export const slaHours: Record<TicketPriority, number> = { urgent: 1, high: 4, normal: 24, low: 72 };

export function canMoveTicket(from: TicketStatus, to: TicketStatus): boolean {
  return ticketTransitions[from].includes(to);
}

export function slaDueAt(openedAt: Date, priority: TicketPriority): Date {
  return new Date(openedAt.getTime() + slaHours[priority] * 3_600_000);
}

export function slaBreached(ticket: { status: TicketStatus; sla_due_at: Date }, now: Date): boolean {
  return ticket.status !== 'resolved' && ticket.status !== 'closed' && now > ticket.sla_due_at;
}
