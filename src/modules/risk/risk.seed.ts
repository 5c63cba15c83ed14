// The demo risk rules (Appendix B: seeded rules act by `flag` only).
import { systemActor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import { createRule } from './risk.service.js';
import type { RiskAction, RuleKind } from './rules.js';

/** MCCs of businesses that trade in the day (night-time activity is unusual for them). */
export const dayTimeMccsDefault = ['5411', '5311', '5651', '5732', '5912', '5942', '5945', '7230', '8021', '8062', '8220'];

const seedRules: Array<{ kind: RuleKind; name: string; action: RiskAction; params: Record<string, unknown> }> = [
  { kind: 'velocity', name: 'Velocity per terminal: 30 sales or ¥200,000 in 10 minutes', action: 'flag', params: { windowMinutes: 10, maxCount: 30, maxAmountFen: 20_000_000 } },
  { kind: 'large_after_activation', name: 'Sale of ¥50,000 or more within 7 days of activation', action: 'flag', params: { amountFen: 5_000_000, days: 7 } },
  { kind: 'round_amounts', name: 'Cash-out pattern: 5 sales in multiples of ¥1,000 in a day', action: 'flag', params: { count: 5, multipleFen: 100_000 } },
  { kind: 'declines_burst', name: 'Card testing: 5 declines in 10 minutes', action: 'flag', params: { count: 5, windowMinutes: 10 } },
  { kind: 'night_activity', name: 'Night-time sales (00:00–05:00) for day-time businesses', action: 'flag', params: { startMinute: 0, endMinute: 300, mccs: dayTimeMccsDefault } },
  { kind: 'location_mismatch', name: 'Terminal outside its registered city', action: 'flag', params: {} },
];

export async function seedRiskRules(ctx: AppContext): Promise<void> {
  const existing = await ctx.db.selectFrom('risk_rules').select('id').limit(1).executeTakeFirst();
  if (existing) return;
  await ctx.db.transaction().execute(async (trx) => {
    for (const rule of seedRules) await createRule(ctx, trx, systemActor, { ...rule, enabled: true });
  });
}
