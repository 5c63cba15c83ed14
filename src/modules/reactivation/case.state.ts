// The re-activation case state machine of SPEC §7, as one table of allowed transitions. Every
// status change of a case goes through `assertCaseTransition` (reactivation.service.ts).
//
//   open ──► in_progress ──► completed | expired | cancelled
//     └──────────────────────► completed | expired | cancelled
//
// - `open`: opened by a trigger, an operator, the risk module or a campaign; no step done yet.
// - `in_progress`: at least one step done.
// - `completed`: every step done; the terminal is restored (its key rotates on the next `hello`),
//   or, for a case that needs a code, it was activated again with a new activation code.
// - `expired`: the self-service window ran out. A case that restores without a code and has kept
//   its terminal blocked for `caseExpiresAfterBlockedDays` (30 days) without being completed (and
//   not under a scam report) expires; the terminal stays `reactivation_required`, and a successor
//   case of the same reason opens at once, blocking, whose steps end with entering a new
//   activation code (the merchant repeats the steps, then gets a code: SPEC §7 "issues a new
//   activation code where it does not [restore]"). Successors need a code and never expire.
// - `cancelled`: the reason no longer holds: an operator cancelled it, a blocking case superseded
//   this grace one, a scam report was confirmed fraudulent, or the terminal left service (retired
//   or replaced). A blocked terminal is restored, except a retired one.
import { AppError } from '../../platform/http/errors.js';
import type { CaseStatus } from './reactivation.table.js';

export const caseTransitions: Record<CaseStatus, readonly CaseStatus[]> = {
  open: ['in_progress', 'completed', 'expired', 'cancelled'],
  in_progress: ['completed', 'expired', 'cancelled'],
  completed: [],
  expired: [],
  cancelled: [],
};

export function canCaseTransition(from: CaseStatus, to: CaseStatus): boolean {
  return caseTransitions[from].includes(to);
}

/** 409 `reactivation_case_closed` naming the current state when `to` is not allowed from it. */
export function assertCaseTransition(row: { id: string; status: CaseStatus }, to: CaseStatus): void {
  if (canCaseTransition(row.status, to)) return;
  throw new AppError('reactivation_case_closed', `Case ${row.id} is ${row.status} and cannot become ${to}`,
    { caseId: row.id, status: row.status, requestedStatus: to });
}
