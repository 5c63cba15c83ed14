// What a risk hit does beyond being recorded: open a `risk_control` or `relocation` re-activation
// case with the evidence that may be shown to the merchant (SPEC §10 → §7).
import type { Actor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import type { RiskHitRow } from './risk.service.js';

const riskActor: Actor = { kind: 'system', id: 'risk', role: null, merchantId: null };

export async function applyCaseAction(ctx: AppContext, trx: Executor, hit: RiskHitRow, actor: Actor = riskActor): Promise<RiskHitRow> {
  if (hit.action !== 'open_risk_case' && hit.action !== 'open_relocation_case') return hit;
  void ctx; void trx; void actor;
  return hit; // Wired to the re-activation module's openCase once it lands.
}
