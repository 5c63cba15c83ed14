// Terminal applications (SPEC §4): a merchant applies, an operator approves or rejects, shipping
// allocates stock, delivery is confirmed. One table of allowed transitions.
import type { ApplicationStatus } from './terminal.table.js';

export const applicationStatuses: readonly ApplicationStatus[] = ['pending', 'approved', 'rejected', 'shipped', 'delivered'];

export const applicationTransitions: Record<ApplicationStatus, readonly ApplicationStatus[]> = {
  pending: ['approved', 'rejected'],
  approved: ['shipped', 'rejected'],
  rejected: [],
  shipped: ['delivered'],
  delivered: [],
};

export function canMoveApplication(from: ApplicationStatus, to: ApplicationStatus): boolean {
  return applicationTransitions[from].includes(to);
}
