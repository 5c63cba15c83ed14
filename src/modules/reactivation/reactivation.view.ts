// What a case looks like to the merchant (portal, terminal, hotline): the reason, the evidence
// that may be shown, the steps, the deadline. Internal evidence only ever goes to operators.
import type { Actor } from '../../platform/actor.js';
import type { Executor } from '../../platform/db/schema.js';
import { listSteps, terminalSn, type CaseRow, type StepRow } from './reactivation.repository.js';
import { reasonCatalogue, reasonText, type ReasonCode } from './reasons.js';

export function caseView(row: CaseRow, steps: StepRow[], sn: string, actor: Actor | null) {
  const reason = row.reason as ReasonCode;
  const definition = reasonCatalogue[reason];
  const operator = actor === null || actor.merchantId === null;
  return {
    id: row.id,
    sn,
    reason,
    policy: row.policy,
    status: row.status,
    deadline: row.deadline?.toISOString() ?? null,
    blocksAt: row.blocks_at?.toISOString() ?? null,
    blocking: row.blocked_at !== null && (row.status === 'open' || row.status === 'in_progress'),
    effectiveAt: row.effective_at?.toISOString() ?? null,
    needsActivationCode: row.needs_code,
    steps: steps.map((s) => ({ kind: s.kind, status: s.status, completedAt: s.completed_at?.toISOString() ?? null })),
    title: definition.title,
    message: reasonText(reason, 'portal'),
    evidence: row.evidence_merchant,
    ...(operator ? { internalEvidence: row.evidence_internal, note: row.note, campaignId: row.campaign_id } : {}),
    dispute: row.dispute_ticket_id === null ? null : {
      status: row.dispute_outcome ?? 'under_review', ticketId: row.dispute_ticket_id,
      pausedSince: row.disputed_at?.toISOString() ?? null,
    },
    helpSlug: definition.helpSlug,
    replacesCaseId: row.replaces_case_id,
    createdAt: row.created_at.toISOString(),
    closedAt: row.closed_at?.toISOString() ?? null,
  };
}

export type CaseView = ReturnType<typeof caseView>;

export async function loadCaseView(db: Executor, row: CaseRow, actor: Actor | null): Promise<CaseView> {
  return caseView(row, await listSteps(db, row.id), await terminalSn(db, row.terminal_id), actor);
}
