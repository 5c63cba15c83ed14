// Background passes of the re-activation module, each bounded and safe on several instances
// (rows are claimed with FOR UPDATE SKIP LOCKED; unique indexes stop duplicate cases):
// grace cases start blocking at their quiet-window start, advance warnings go out once,
// expired documents open `kyc_expired`, activated terminals are re-verified every 12 months (config),
// cases left blocked unfinished expire, and cases of retired terminals are cancelled.
import { sql } from 'kysely';
import { systemActor } from '../../platform/actor.js';
import { addDays, shanghaiDate } from '../../platform/clock.js';
import type { AppContext } from '../../platform/context.js';
import type { Worker } from '../../platform/module.js';
import { periodsElapsed } from './quiet-window.js';
import { caseExpiresAfterBlockedDays, sweepBatchMax, warningLeadDays } from './reactivation.config.js';
import { claimNotice, findCase, findOpenCase, openStatuses, terminalSn } from './reactivation.repository.js';
import { applyBlock, closeCase, expireCase, expiredDocuments, openCase, sendWarning } from './reactivation.service.js';
import { lockTerminal } from '../terminals/terminal.service.js';
import { runCampaignPass } from './campaign.service.js';

/** Grace cases whose blocking start has come block their terminal (between transactions). */
export async function sweepBlocking(ctx: AppContext): Promise<number> {
  return ctx.db.transaction().execute(async (trx) => {
    const due = await trx.selectFrom('reactivation_cases').selectAll()
      .where('status', 'in', openStatuses).where('policy', '=', 'grace').where('blocked_at', 'is', null)
      .where('disputed_at', 'is', null).where('blocks_at', '<=', ctx.clock.now()).orderBy('blocks_at').limit(sweepBatchMax).forUpdate().skipLocked().execute();
    for (const row of due) {
      const sn = (await trx.selectFrom('terminals').select('sn').where('id', '=', row.terminal_id).executeTakeFirstOrThrow()).sn;
      await applyBlock(ctx, trx, row, await lockTerminal(trx, sn), systemActor);
    }
    return due.length;
  });
}

/** Advance warnings of grace cases: 3 days and 1 day before the deadline, each sent once; none while disputed. */
export async function sendWarnings(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  let sent = 0;
  for (const days of warningLeadDays) {
    const kind = `warning_${days}d`;
    sent += await ctx.db.transaction().execute(async (trx) => {
      const due = await trx.selectFrom('reactivation_cases').selectAll()
        .where('status', 'in', openStatuses).where('policy', '=', 'grace').where('blocked_at', 'is', null)
        // A disputed case's deadline is paused: no countdown until an operator confirms it.
        .where('disputed_at', 'is', null)
        .where('deadline', '>', now).where('deadline', '<=', addDays(now, days))
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('reactivation_notices').select('case_id')
          .whereRef('reactivation_notices.case_id', '=', 'reactivation_cases.id').where('reactivation_notices.kind', '=', kind))))
        .orderBy('deadline').limit(sweepBatchMax).forUpdate().skipLocked().execute();
      let count = 0;
      for (const row of due) {
        // A 3-day warning that is overtaken by the 1-day one is not sent late.
        if (days > Math.min(...warningLeadDays) && row.deadline !== null && row.deadline.getTime() <= addDays(now, Math.min(...warningLeadDays)).getTime()) {
          await claimNotice(trx, { caseId: row.id, kind, merchantId: row.merchant_id, at: now });
          continue;
        }
        if (await claimNotice(trx, { caseId: row.id, kind, merchantId: row.merchant_id, at: now })) {
          await sendWarning(ctx, trx, row, kind);
          count += 1;
        }
      }
      return count;
    });
  }
  return sent;
}

/**
 * Opens `kyc_expired` for activated terminals of merchants whose ID card or business licence
 * has expired (grace until expiry + 30 days). Reads merchants' expiry dates (read-only).
 */
export async function sweepExpiredDocuments(ctx: AppContext): Promise<number> {
  const today = shanghaiDate(ctx.clock.now());
  const candidates = await ctx.db.selectFrom('terminals').innerJoin('merchants', 'merchants.id', 'terminals.merchant_id')
    .select(['terminals.id as terminalId', 'terminals.merchant_id as merchantId', 'merchants.id_expiry', 'merchants.license_expiry'])
    .where('terminals.status', 'in', ['active', 'reactivation_required'])
    .where((eb) => eb.or([eb('merchants.id_expiry', '<', sql<any>`${today}::date`), eb('merchants.license_expiry', '<', sql<any>`${today}::date`)]))
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('reactivation_cases').select('id')
      .whereRef('reactivation_cases.terminal_id', '=', 'terminals.id')
      .where((eb) => eb.or([eb('reactivation_cases.status', 'in', openStatuses), eb('reactivation_cases.trigger_key', 'like', 'kyc:%')])))))
    .orderBy('terminals.id').limit(sweepBatchMax).execute();
  let opened = 0;
  for (const c of candidates) {
    if (c.merchantId === null) continue;
    opened += await ctx.db.transaction().execute(async (trx) => {
      const expired = await expiredDocuments(trx, c.merchantId!, ctx.clock.now());
      const first = expired[0];
      if (!first || await findOpenCase(trx, c.terminalId)) return 0;
      const triggerKey = `kyc:${first.document}:${first.expiry}`;
      const seen = await trx.selectFrom('reactivation_cases').select('id').where('terminal_id', '=', c.terminalId)
        .where('trigger_key', '=', triggerKey).executeTakeFirst();
      if (seen) return 0;
      await openCase(ctx, trx, { terminalId: c.terminalId, reason: 'kyc_expired', actor: systemActor, triggerKey,
        note: 'document on file expired', evidence: { merchantVisible: { document: first.document, expiry: first.expiry } } });
      return 1;
    });
  }
  return opened;
}

/** Periodic security verification: every `config.securityVerificationMonths` from activation. */
export async function sweepSecurityVerification(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  const cutoff = new Date(now.getTime());
  const intervalMonths = ctx.config.securityVerificationMonths;
  cutoff.setUTCMonth(cutoff.getUTCMonth() - intervalMonths);
  const candidates = await ctx.db.selectFrom('terminals').select(['id', 'activated_at'])
    .where('status', '=', 'active').where('activated_at', '<=', addDays(cutoff, 1))
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('reactivation_cases').select('id')
      .whereRef('reactivation_cases.terminal_id', '=', 'terminals.id')
      .where((eb) => eb.or([
        eb('reactivation_cases.status', 'in', openStatuses),
        eb.and([eb('reactivation_cases.reason', '=', 'security_verification'), eb('reactivation_cases.created_at', '>', cutoff)]),
      ])))))
    .orderBy('id').limit(sweepBatchMax).execute();
  let opened = 0;
  for (const c of candidates) {
    const activatedAt = c.activated_at;
    if (activatedAt === null) continue;
    const period = periodsElapsed(activatedAt, now, intervalMonths);
    if (period < 1) continue;
    opened += await ctx.db.transaction().execute(async (trx) => {
      const triggerKey = `security:${period}`;
      const seen = await trx.selectFrom('reactivation_cases').select('id').where('terminal_id', '=', c.id)
        .where('trigger_key', '=', triggerKey).executeTakeFirst();
      if (seen || await findOpenCase(trx, c.id)) return 0;
      await openCase(ctx, trx, { terminalId: c.id, reason: 'security_verification', actor: systemActor, triggerKey,
        note: `periodic verification ${period}`, evidence: { merchantVisible: { period, activatedAt: activatedAt.toISOString() } } });
      return 1;
    });
  }
  return opened;
}

/**
 * Cases that restore without a code and have kept their terminal blocked for
 * `caseExpiresAfterBlockedDays` unfinished expire; each gets a successor that needs a code
 * (case.state.ts). Disputed cases are paused and do not expire. One transaction per case, the
 * terminal locked before the case (the order every other path takes).
 */
export async function sweepExpiry(ctx: AppContext): Promise<number> {
  const cutoff = addDays(ctx.clock.now(), -caseExpiresAfterBlockedDays);
  const due = await ctx.db.selectFrom('reactivation_cases').select(['id', 'terminal_id'])
    .where('status', 'in', openStatuses).where('needs_code', '=', false).where('disputed_at', 'is', null)
    .where(sql<boolean>`blocked_at + make_interval(secs => blocked_paused_ms / 1000.0) <= ${cutoff}`)
    .orderBy('blocked_at').limit(sweepBatchMax).execute();
  let expired = 0;
  for (const candidate of due) {
    expired += await ctx.db.transaction().execute(async (trx) => {
      await lockTerminal(trx, await terminalSn(trx, candidate.terminal_id));
      const row = await findCase(trx, candidate.id, true);
      const still = row && (openStatuses as readonly string[]).includes(row.status) && !row.needs_code
        && row.disputed_at === null && row.blocked_at !== null
        && row.blocked_at.getTime() + Number(row.blocked_paused_ms) <= cutoff.getTime();
      if (!still) return 0;
      await expireCase(ctx, trx, row);
      return 1;
    });
  }
  return expired;
}

/** Open cases of terminals that left service (retired, or replaced) are cancelled. */
export async function sweepRetiredTerminals(ctx: AppContext): Promise<number> {
  const due = await ctx.db.selectFrom('reactivation_cases').innerJoin('terminals', 'terminals.id', 'reactivation_cases.terminal_id')
    .select(['reactivation_cases.id', 'terminals.sn', 'terminals.replaced_by'])
    .where('reactivation_cases.status', 'in', openStatuses).where('terminals.status', '=', 'retired')
    .orderBy('reactivation_cases.id').limit(sweepBatchMax).execute();
  let cancelled = 0;
  for (const candidate of due) {
    cancelled += await ctx.db.transaction().execute(async (trx) => {
      await lockTerminal(trx, candidate.sn);
      const row = await findCase(trx, candidate.id, true);
      if (!row || !(openStatuses as readonly string[]).includes(row.status)) return 0;
      const details = { terminalRetired: true, replacedBy: candidate.replaced_by };
      await closeCase(ctx, trx, row, 'cancelled', systemActor, details);
      await ctx.audit(trx, systemActor, { action: 'reactivation.cancelled', subjectType: 'reactivation_case', subjectId: row.id,
        merchantId: row.merchant_id, details });
      return 1;
    });
  }
  return cancelled;
}

export const reactivationWorkers: Worker[] = [
  { name: 'reactivation.blocking', intervalMs: 60_000, run: async (ctx) => { await sweepBlocking(ctx); } },
  { name: 'reactivation.warnings', intervalMs: 5 * 60_000, run: async (ctx) => { await sendWarnings(ctx); } },
  { name: 'reactivation.kyc', intervalMs: 60 * 60_000, run: async (ctx) => { await sweepExpiredDocuments(ctx); } },
  { name: 'reactivation.campaigns', intervalMs: 30_000, run: async (ctx) => { await runCampaignPass(ctx); } },
  { name: 'reactivation.security', intervalMs: 60 * 60_000, run: async (ctx) => { await sweepSecurityVerification(ctx); } },
  { name: 'reactivation.expiry', intervalMs: 60 * 60_000, run: async (ctx) => { await sweepExpiry(ctx); } },
  { name: 'reactivation.retired', intervalMs: 60 * 60_000, run: async (ctx) => { await sweepRetiredTerminals(ctx); } },
];
