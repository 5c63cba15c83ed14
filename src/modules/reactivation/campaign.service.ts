// Re-activation campaigns (SPEC §7): an operator targets terminals by filter, sees a dry-run
// count, and starts a rollout that opens cases at a bounded rate (cases per hour). All state is in
// the database: a worker on any instance claims a running campaign with FOR UPDATE SKIP LOCKED
// and continues from its cursor; unique (campaign_id, terminal_id) forbids duplicate cases.
import { sql, type Selectable } from 'kysely';
import type { Actor } from '../../platform/actor.js';
import { systemActor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import { campaignBatchMax, campaignScanMax, dryRunSampleSize } from './reactivation.config.js';
import { findOpenCase } from './reactivation.repository.js';
import { assertOperatorReason, openCase } from './reactivation.service.js';
import { policyLabel, reasonCatalogue } from './reasons.js';
import type { ReactivationCampaignTable } from './reactivation.table.js';
import { isVersion } from '../terminals/firmware.js';
import { derivedRiskLevelIn } from '../risk/risk.service.js';

export type CampaignRow = Selectable<ReactivationCampaignTable>;

export interface CampaignFilter {
  modelCodes?: string[];
  /** Firmware at or above this version (inclusive). */
  firmwareFrom?: string;
  /** Firmware below this version (exclusive). */
  firmwareBelow?: string;
  cityCodes?: string[];
  riskLevels?: ('low' | 'medium' | 'high')[];
  mccs?: string[];
  activatedBefore?: string;
  activatedAfter?: string;
}

const versionParts = 4;

/** A version as a fixed-length integer array in SQL (pre-release tags ignored); null if not a version. */
function versionArray(expression: ReturnType<typeof sql>) {
  return sql`(case when ${expression} ~ '^[0-9]+([.][0-9]+)*(-.*)?$'
    then (string_to_array(regexp_replace(${expression}, '-.*$', ''), '.')::int[] || array[0,0,0,0])[1:${sql.lit(versionParts)}]
    end)`;
}

function literalVersion(version: string): number[] {
  const parts = version.split('-')[0]!.split('.').map(Number);
  while (parts.length < versionParts) parts.push(0);
  return parts.slice(0, versionParts);
}

export function assertFilter(filter: CampaignFilter): void {
  for (const field of ['firmwareFrom', 'firmwareBelow'] as const) {
    const value = filter[field];
    if (value !== undefined && !isVersion(value)) {
      throw new AppError('validation_failed', `${field} is not a version`, { fields: [{ field: `filter.${field}`, rule: 'version', message: 'e.g. 2.1.0' }] });
    }
  }
}

/** Active terminals matching the filter, ordered by id. Reads terminals and merchants (read-only). */
export function targetQuery(db: Executor, filter: CampaignFilter) {
  let query = db.selectFrom('terminals').innerJoin('merchants', 'merchants.id', 'terminals.merchant_id')
    .where('terminals.status', '=', 'active');
  if (filter.modelCodes?.length) query = query.where('terminals.model_code', 'in', filter.modelCodes);
  if (filter.cityCodes?.length) query = query.where('merchants.city_code', 'in', filter.cityCodes);
  // The derived level (KYC and risk hits, kept by the risk module), not the KYC column alone.
  if (filter.riskLevels?.length) query = query.where(derivedRiskLevelIn(filter.riskLevels, { merchantId: 'merchants.id', kycLevel: 'merchants.risk_level' }));
  if (filter.mccs?.length) query = query.where('merchants.mcc', 'in', filter.mccs);
  if (filter.activatedBefore) query = query.where('terminals.activated_at', '<', new Date(filter.activatedBefore));
  if (filter.activatedAfter) query = query.where('terminals.activated_at', '>=', new Date(filter.activatedAfter));
  const firmware = versionArray(sql.ref('terminals.firmware_version'));
  if (filter.firmwareFrom) {
    const from = literalVersion(filter.firmwareFrom);
    query = query.where(sql<boolean>`${firmware} >= ${sql`array[${sql.join(from.map((n) => sql.lit(n)))}]`}`);
  }
  if (filter.firmwareBelow) {
    const below = literalVersion(filter.firmwareBelow);
    query = query.where(sql<boolean>`${firmware} < ${sql`array[${sql.join(below.map((n) => sql.lit(n)))}]`}`);
  }
  return query;
}

export async function dryRun(db: Executor, filter: CampaignFilter) {
  assertFilter(filter);
  const count = await targetQuery(db, filter).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  const sample = await targetQuery(db, filter)
    .select(['terminals.sn', 'terminals.model_code', 'terminals.firmware_version', 'terminals.merchant_id', 'merchants.city_code', 'terminals.activated_at'])
    .orderBy('terminals.id').limit(dryRunSampleSize).execute();
  return {
    count: Number(count.n),
    sample: sample.map((s) => ({ sn: s.sn, modelCode: s.model_code, firmwareVersion: s.firmware_version, merchantId: s.merchant_id,
      cityCode: s.city_code, activatedAt: s.activated_at?.toISOString() ?? null })),
  };
}

export async function startCampaign(ctx: AppContext, trx: Executor, input: {
  name: string; reason: string; note: string | null; filter: CampaignFilter; ratePerHour: number; actor: Actor;
}): Promise<CampaignRow> {
  const reason = assertOperatorReason(input.reason);
  assertFilter(input.filter);
  const now = ctx.clock.now();
  const total = await targetQuery(trx, input.filter).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  const row = await trx.insertInto('reactivation_campaigns').values({
    id: newId('cmp'), name: input.name, reason, note: input.note, filter: JSON.stringify(input.filter), status: 'running',
    rate_per_hour: input.ratePerHour, total_count: Number(total.n), opened_count: 0, skipped_count: 0, cursor_terminal_id: null,
    window_started_at: null, window_opened_count: 0, created_by_kind: input.actor.kind, created_by_id: input.actor.id,
    started_at: now, finished_at: null, created_at: now, updated_at: now,
  }).returningAll().executeTakeFirstOrThrow();
  await ctx.audit(trx, input.actor, { action: 'reactivation_campaign.started', subjectType: 'reactivation_campaign', subjectId: row.id,
    details: { reason, filter: input.filter, ratePerHour: input.ratePerHour, total: row.total_count } });
  return row;
}

const campaignTransitions: Record<'pause' | 'resume' | 'cancel', { from: CampaignRow['status'][]; to: CampaignRow['status'] }> = {
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  cancel: { from: ['running', 'paused'], to: 'cancelled' },
};

export async function changeCampaign(ctx: AppContext, trx: Executor, id: string, action: keyof typeof campaignTransitions, actor: Actor): Promise<CampaignRow> {
  const row = await trx.selectFrom('reactivation_campaigns').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw new AppError('reactivation_campaign_not_found', `Campaign ${id} was not found`);
  const rule = campaignTransitions[action];
  if (!rule.from.includes(row.status)) {
    throw new AppError('invalid_state', `Campaign ${id} is ${row.status} and cannot ${action}`, { currentStatus: row.status });
  }
  const now = ctx.clock.now();
  const updated = await trx.updateTable('reactivation_campaigns')
    .set({ status: rule.to, updated_at: now, ...(rule.to === 'cancelled' ? { finished_at: now } : {}) })
    .where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  await ctx.audit(trx, actor, { action: `reactivation_campaign.${action}`, subjectType: 'reactivation_campaign', subjectId: id });
  return updated;
}

export function campaignView(row: CampaignRow) {
  return {
    id: row.id, name: row.name, reason: row.reason, note: row.note, filter: row.filter, status: row.status,
    ratePerHour: row.rate_per_hour, total: row.total_count, opened: row.opened_count, skipped: row.skipped_count,
    remaining: Math.max(0, row.total_count - row.opened_count - row.skipped_count),
    startedAt: row.started_at.toISOString(), finishedAt: row.finished_at?.toISOString() ?? null,
    updatedAt: row.updated_at.toISOString(),
  };
}

const hourMs = 3_600_000;

/**
 * One bounded pass over one running campaign: opens at most `rate_per_hour` cases per hour window
 * (and `campaignBatchMax` per pass), continuing from the campaign's cursor. Returns cases opened.
 */
export async function runCampaignPass(ctx: AppContext): Promise<number> {
  return ctx.db.transaction().execute(async (trx) => {
    const campaign = await trx.selectFrom('reactivation_campaigns').selectAll().where('status', '=', 'running')
      .orderBy('updated_at').limit(1).forUpdate().skipLocked().executeTakeFirst();
    if (!campaign) return 0;
    const now = ctx.clock.now();
    const newWindow = campaign.window_started_at === null || now.getTime() - campaign.window_started_at.getTime() >= hourMs;
    const windowStart = newWindow ? now : campaign.window_started_at!;
    const windowCount = newWindow ? 0 : campaign.window_opened_count;
    const budget = Math.min(campaign.rate_per_hour - windowCount, campaignBatchMax);
    const filter = campaign.filter as CampaignFilter;
    const blocking = policyLabel(reasonCatalogue[campaign.reason as keyof typeof reasonCatalogue].policy) === 'blocking';
    let cursor = campaign.cursor_terminal_id;
    let opened = 0;
    let skipped = 0;
    let finished = false;
    while (opened < budget && opened + skipped < campaignScanMax) {
      let query = targetQuery(trx, filter).select('terminals.id').orderBy('terminals.id').limit(Math.min(budget - opened, campaignScanMax));
      if (cursor !== null) query = query.where('terminals.id', '>', cursor);
      const rows = await query.execute();
      if (rows.length === 0) { finished = true; break; }
      for (const row of rows) {
        cursor = row.id;
        const existing = await findOpenCase(trx, row.id);
        const already = await trx.selectFrom('reactivation_cases').select('id')
          .where('campaign_id', '=', campaign.id).where('terminal_id', '=', row.id).executeTakeFirst();
        if (already || (existing && !(blocking && existing.policy === 'grace'))) { skipped += 1; continue; }
        await openCase(ctx, trx, { terminalId: row.id, reason: campaign.reason, note: campaign.note, actor: systemActor,
          campaignId: campaign.id, evidence: { merchantVisible: { campaign: campaign.name } } });
        opened += 1;
      }
    }
    await trx.updateTable('reactivation_campaigns').set({
      cursor_terminal_id: cursor, opened_count: campaign.opened_count + opened, skipped_count: campaign.skipped_count + skipped,
      window_started_at: windowStart, window_opened_count: windowCount + opened, updated_at: now,
      ...(finished ? { status: 'completed' as const, finished_at: now } : {}),
    }).where('id', '=', campaign.id).execute();
    return opened;
  });
}
