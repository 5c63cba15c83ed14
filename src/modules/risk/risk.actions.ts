// What a risk hit does beyond being recorded: open a `risk_control` or `relocation` re-activation
// case with the evidence that may be shown to the merchant (SPEC §10 → §7). When the terminal
// already has an open case of the same or a stronger policy, the hit points at that case.
import type { Actor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError } from '../../platform/http/errors.js';
import { openCase } from '../reactivation/reactivation.service.js';
import type { RiskHitRow } from './risk.service.js';

const riskActor: Actor = { kind: 'system', id: 'risk', role: null, merchantId: null };

export async function applyCaseAction(ctx: AppContext, trx: Executor, hit: RiskHitRow, actor: Actor = riskActor): Promise<RiskHitRow> {
  if (hit.action !== 'open_risk_case' && hit.action !== 'open_relocation_case') return hit;
  if (!hit.terminal_id) return hit;
  let caseId: string;
  try {
    const opened = await openCase(ctx, trx, {
      terminalId: hit.terminal_id, reason: hit.action === 'open_relocation_case' ? 'relocation' : 'risk_control',
      note: `risk rule ${hit.kind} (hit ${hit.id})`, actor,
      evidence: { merchantVisible: hit.merchant_visible, internal: { hitId: hit.id, ruleId: hit.rule_id, ruleVersion: hit.rule_version, ...hit.evidence } },
    });
    caseId = opened.id;
  } catch (err) {
    // A terminal not activated yet (self-test) cannot get a case: the hit stays open for review.
    if (err instanceof AppError && err.code === 'terminal_not_active') return hit;
    if (!(err instanceof AppError) || err.code !== 'reactivation_case_exists') throw err;
    caseId = String(err.details.caseId);
  }
  return trx.updateTable('risk_hits').set({ status: 'actioned', case_id: caseId })
    .where('id', '=', hit.id).returningAll().executeTakeFirstOrThrow();
}
