// The re-activation module's entry points for other modules (contract; owned by reactivation).
// - terminals: GET /v1/terminals/{sn} shows `openCaseSummary`.
// - activation: `hello` asks `onHello` what to tell the terminal (reason, message, deadline, key);
//   codes may be issued where `needsActivationCode`; activation calls `onTerminalReactivated`.
// - terminals: resuming a suspended terminal asks `statusOnResume` (blocked cases stay blocked).
// - transactions: `gateTransaction` says whether a terminal may transact now (blocking cases,
//   dormant terminals) and with which decline code. Checked at transaction start only, so a
//   transaction in flight is never interrupted.
// - merchants: `onSettlementAccountChanged`; risk: `openCase` (same function as the endpoint).
import { sql } from 'kysely';
import type { Actor, Role } from '../../platform/actor.js';
import { systemActor } from '../../platform/actor.js';
import { addDays } from '../../platform/clock.js';
import type { AppContext } from '../../platform/context.js';
import { newTerminalKey, wrapTerminalKey } from '../../platform/crypto/terminal-keys.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError } from '../../platform/http/errors.js';
import { getMerchantSummary } from '../merchants/merchant.service.js';
import { reloadTerminal, type TerminalRow } from '../terminals/terminal.service.js';
import { dormantAfterDays } from './reactivation.config.js';
import { findOpenCase, lastReconfirmedAt, listSteps, type CaseRow } from './reactivation.repository.js';
import { blockIfDue, firmwareCheck, markStepCompleted, openCase } from './reactivation.service.js';
import { reasonCatalogue, reasonText, type ReasonCode, type StepKind } from './reasons.js';

export { openCase } from './reactivation.service.js';
export type { OpenCaseInput, CaseEvidence } from './reactivation.service.js';

export interface OpenCaseSummary {
  caseId: string;
  reason: string;
  policy: 'blocking' | 'grace';
  deadline: string | null;
}

export interface HelloReport {
  firmwareVersion: string | null;
  cityCode: string | null;
  lat: number | null;
  lng: number | null;
}

export interface HelloOutcome {
  /** The terminal's status after the hello (a trigger may have opened a case). */
  status: string;
  reason: string | null;
  message: { zh: string; en: string } | null;
  deadline: string | null;
  caseId: string | null;
  /** Set when the terminal key rotated on this hello: wrapped exactly as in /activate. */
  terminalKey: { iv: string; ciphertext: string; tag: string } | null;
  helpSlug: string | null;
  /** 'grace' while the terminal keeps transacting (a reminder), 'blocking' when it may not. */
  policy?: 'blocking' | 'grace' | null;
  /** When a grace case starts blocking (the first quiet window after the deadline). */
  blocksAt?: string | null;
  /** The quiet window the merchant picked for the step to take effect. */
  effectiveAt?: string | null;
  steps?: { kind: string; status: string }[];
  /** The key version after a rotation on this hello. */
  keyVersion?: number | null;
}

export interface TransactionGate { allowed: boolean; declineCode: string | null; caseId: string | null }

export async function openCaseSummary(db: Executor, terminalId: string): Promise<OpenCaseSummary | null> {
  const row = await findOpenCase(db, terminalId);
  if (!row) return null;
  return { caseId: row.id, reason: row.reason, policy: row.policy, deadline: row.deadline?.toISOString() ?? null };
}

function terminalActor(terminal: TerminalRow): Actor {
  return { kind: 'terminal', id: terminal.id, role: null, merchantId: terminal.merchant_id };
}

/** Firmware trigger (`system_upgrade`) and its completion when the terminal reports the minimum. */
async function firmwareOnHello(ctx: AppContext, trx: Executor, terminal: TerminalRow, open: CaseRow | undefined): Promise<CaseRow | undefined> {
  const firmware = await firmwareCheck(trx, terminal.id);
  if (open) {
    const steps = await listSteps(trx, open.id);
    if (!firmware.below && steps.some((s) => s.kind === 'update_firmware' && s.status === 'pending')) {
      const after = await markStepCompleted(ctx, trx, open, 'update_firmware', terminalActor(terminal));
      return after.status === 'completed' ? undefined : after;
    }
    return open;
  }
  if (!firmware.below) return undefined;
  return openCase(ctx, trx, {
    terminalId: terminal.id, reason: 'system_upgrade', actor: systemActor,
    evidence: { merchantVisible: { firmwareVersion: firmware.version, minFirmware: firmware.minimum } },
    note: 'firmware below the model minimum, reported at hello',
  });
}

/** Relocation trigger: a reported city other than the merchant's registered city blocks now. */
async function relocationOnHello(ctx: AppContext, trx: Executor, terminal: TerminalRow, report: HelloReport,
  open: CaseRow | undefined): Promise<CaseRow | undefined> {
  if (report.cityCode === null || terminal.merchant_id === null) return open;
  if (open && open.policy === 'blocking') return open;
  const merchant = await getMerchantSummary(trx, terminal.merchant_id);
  if (merchant.cityCode === null || merchant.cityCode === report.cityCode) return open;
  return openCase(ctx, trx, {
    terminalId: terminal.id, reason: 'relocation', actor: systemActor,
    evidence: {
      merchantVisible: { reportedCityCode: report.cityCode, registeredCityCode: merchant.cityCode },
      internal: { lat: report.lat, lng: report.lng },
    },
    note: 'hello reported a city other than the registered one',
  });
}

/** Rotates the terminal key after a completed case that restores without a code (SPEC §6, §7). */
async function rotateKeyIfDue(ctx: AppContext, trx: Executor, terminal: TerminalRow): Promise<{ key: HelloOutcome['terminalKey']; version: number } | null> {
  if (terminal.status !== 'active') return null;
  const now = ctx.clock.now();
  const pending = await trx.selectFrom('reactivation_cases').selectAll()
    .where('terminal_id', '=', terminal.id).where('key_rotation_pending', '=', true).forUpdate().execute();
  if (pending.length === 0) return null;
  if (pending.some((c) => c.effective_at !== null && c.effective_at.getTime() > now.getTime())) return null;
  const factoryKey = Buffer.from(ctx.cipher.open('terminals.factory_key', terminal.factory_key_enc), 'hex');
  const fresh = newTerminalKey();
  // The terminals module has no key-rotation service yet: the key columns are written here.
  const updated = await trx.updateTable('terminals').set({
    terminal_key_enc: ctx.cipher.seal('terminals.terminal_key', fresh.toString('hex')),
    previous_terminal_key_enc: terminal.terminal_key_enc,
    key_version: sql<number>`key_version + 1`,
    updated_at: now,
  }).where('id', '=', terminal.id).returning(['key_version']).executeTakeFirstOrThrow();
  await trx.updateTable('reactivation_cases').set({ key_rotation_pending: false, updated_at: now })
    .where('id', 'in', pending.map((c) => c.id)).execute();
  const { appendTerminalEvent } = await import('../terminals/terminal.service.js');
  await appendTerminalEvent(trx, { terminal, at: now, kind: 'terminal_key_rotated', actor: terminalActor(terminal),
    details: { keyVersion: updated.key_version, caseIds: pending.map((c) => c.id) } });
  return { key: wrapTerminalKey(factoryKey, terminal.sn, fresh), version: updated.key_version };
}

/** Called by `hello` inside its transaction after the terminal's report is stored. */
export async function onHello(ctx: AppContext, trx: Executor, terminal: TerminalRow, report: HelloReport): Promise<HelloOutcome | null> {
  if (terminal.status !== 'active' && terminal.status !== 'reactivation_required') return null;
  let open = await findOpenCase(trx, terminal.id, true);
  open = await firmwareOnHello(ctx, trx, terminal, open);
  open = await relocationOnHello(ctx, trx, await reloadTerminal(trx, terminal.id), report, open);
  if (open && open.policy === 'grace') open = await blockIfDue(ctx, trx, open, await reloadTerminal(trx, terminal.id));
  const rotated = await rotateKeyIfDue(ctx, trx, await reloadTerminal(trx, terminal.id));
  const current = await reloadTerminal(trx, terminal.id);
  const base: HelloOutcome = {
    status: current.status, reason: null, message: null, deadline: null, caseId: null,
    terminalKey: rotated?.key ?? null, helpSlug: null, policy: null, blocksAt: null, effectiveAt: null, steps: [],
    keyVersion: rotated?.version ?? null,
  };
  if (!open) return base;
  const reason = open.reason as ReasonCode;
  const steps = await listSteps(trx, open.id);
  return {
    ...base, reason, message: reasonText(reason, 'terminal'), deadline: open.deadline?.toISOString() ?? null,
    caseId: open.id, helpSlug: reasonCatalogue[reason].helpSlug, policy: open.policy,
    blocksAt: open.blocks_at?.toISOString() ?? null, effectiveAt: open.effective_at?.toISOString() ?? null,
    steps: steps.map((s) => ({ kind: s.kind, status: s.status })),
  };
}

function latest(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() >= b.getTime() ? a : b;
}

/**
 * Whether a terminal may start a transaction now. A grace case whose quiet-window start has come
 * blocks here; a terminal idle for `dormantAfterDays` (since its last sale, or since a dormant
 * case or a re-activation by code last closed) gets a blocking `dormant` case and the sale is
 * declined with `dormant`. Blocks decline with the reason code (Appendix B).
 */
export async function gateTransaction(ctx: AppContext, trx: Executor, terminal: TerminalRow): Promise<TransactionGate> {
  if (terminal.status !== 'active' && terminal.status !== 'reactivation_required') {
    return { allowed: false, declineCode: 'terminal_not_active', caseId: null };
  }
  let open = await findOpenCase(trx, terminal.id, true);
  if (open && open.policy === 'grace') open = await blockIfDue(ctx, trx, open, terminal);
  if (open && open.blocked_at !== null) return { allowed: false, declineCode: open.reason, caseId: open.id };
  if (terminal.status === 'reactivation_required') return { allowed: false, declineCode: open?.reason ?? 'terminal_not_active', caseId: open?.id ?? null };
  const idleSince = (at: Date | null) => at !== null && addDays(at, dormantAfterDays).getTime() <= ctx.clock.now().getTime();
  let lastUse = terminal.last_transaction_at ?? terminal.activated_at;
  // Only a terminal idle since its last sale needs the (rarer) look-up of its last re-confirmation.
  if (!open && idleSince(lastUse)) lastUse = latest(lastUse, await lastReconfirmedAt(trx, terminal.id));
  if (!open && lastUse !== null && idleSince(lastUse)) {
    const opened = await openCase(ctx, trx, {
      terminalId: terminal.id, reason: 'dormant', actor: systemActor, note: 'first transaction after the dormancy period',
      evidence: { merchantVisible: { lastTransactionAt: lastUse.toISOString(), dormantAfterDays } },
    });
    return { allowed: false, declineCode: 'dormant', caseId: opened.id };
  }
  return { allowed: true, declineCode: null, caseId: null };
}

/**
 * The status a suspended terminal returns to when an operator resumes it (Appendix B): while a
 * blocking case is open (or a grace case whose blocking start passed during the suspension, which
 * blocks now) that is `reactivation_required`, otherwise `active`. Inside the caller's transaction.
 */
export async function statusOnResume(ctx: AppContext, trx: Executor, terminal: TerminalRow): Promise<{
  status: 'active' | 'reactivation_required'; caseId: string | null; reason: string | null;
}> {
  let open = await findOpenCase(trx, terminal.id, true);
  if (open && open.policy === 'grace') open = await blockIfDue(ctx, trx, open, terminal);
  if (open && open.blocked_at !== null) return { status: 'reactivation_required', caseId: open.id, reason: open.reason };
  return { status: 'active', caseId: null, reason: null };
}

export interface CodeRequirement { caseId: string; reason: string; pendingSteps: StepKind[] }

/**
 * The open case of this terminal that ends with a new activation code, and the steps still pending
 * before the code may be issued (every step except `enter_activation_code`; SPEC §7: confirm
 * identity, call the hotline... first, then the code). Null when no open case needs a code.
 */
export async function activationCodeRequirement(db: Executor, terminalId: string): Promise<CodeRequirement | null> {
  const row = await findOpenCase(db, terminalId);
  if (!row || !row.needs_code) return null;
  const steps = await listSteps(db, row.id);
  const pendingSteps = steps.filter((s) => s.status === 'pending' && s.kind !== 'enter_activation_code').map((s) => s.kind);
  return { caseId: row.id, reason: row.reason, pendingSteps };
}

/**
 * Operators who may take responsibility for a needs-code case's other steps when they issue its
 * code (they verified the merchant themselves, e.g. a risk officer clearing a risk_control case);
 * the steps are recorded as completed by them and the waiver is audited. Hotline agents and the
 * merchant's own users do the steps (confirm identity by SMS, the hotline call) first.
 */
export const stepWaiverRoles: readonly Role[] = ['ops_risk', 'ops_admin'];

/**
 * Called by activation inside its transaction before it issues a code to an operator of
 * `stepWaiverRoles`: completes the open case's pending steps other than the code itself in that
 * operator's name and audits `reactivation.steps_waived`. Returns the steps waived (none when the
 * terminal has no such case, or nothing is pending).
 */
export async function waiveStepsBeforeCode(ctx: AppContext, trx: Executor, terminalId: string, actor: Actor): Promise<StepKind[]> {
  if (actor.role === null || !stepWaiverRoles.includes(actor.role)) return [];
  const requirement = await activationCodeRequirement(trx, terminalId);
  if (!requirement || requirement.pendingSteps.length === 0) return [];
  let row = await findOpenCase(trx, terminalId, true);
  for (const kind of requirement.pendingSteps) {
    if (!row) break;
    row = await markStepCompleted(ctx, trx, row, kind, actor);
  }
  await ctx.audit(trx, actor, {
    action: 'reactivation.steps_waived', subjectType: 'reactivation_case', subjectId: requirement.caseId, merchantId: row?.merchant_id ?? null,
    details: { reason: requirement.reason, steps: requirement.pendingSteps },
  });
  return requirement.pendingSteps;
}

/** The error for a code asked for before the case's other steps are done (409, names them). */
export function stepsPendingError(requirement: CodeRequirement): AppError {
  return new AppError('reactivation_steps_pending',
    `Case ${requirement.caseId} (${requirement.reason}) has steps to complete before an activation code: ${requirement.pendingSteps.join(', ')}`,
    { caseId: requirement.caseId, reason: requirement.reason, pendingSteps: requirement.pendingSteps });
}

/**
 * Whether activation may issue a code to this terminal for its open case (Appendix B): the case
 * needs a code and all its other steps are done. No role overrides this: an operator who has
 * verified the merchant completes the steps (hotline agent) or cancels the case.
 */
export async function needsActivationCode(db: Executor, terminalId: string): Promise<{ caseId: string; reason: string } | null> {
  const requirement = await activationCodeRequirement(db, terminalId);
  return requirement && requirement.pendingSteps.length === 0 ? { caseId: requirement.caseId, reason: requirement.reason } : null;
}

/**
 * Called by activation inside its transaction when a terminal with an open case that needs a
 * code is activated again: only the `enter_activation_code` step completes (the others were
 * required before the code was issued), and with it the case.
 */
export async function onTerminalReactivated(ctx: AppContext, trx: Executor, terminalId: string): Promise<void> {
  const row = await findOpenCase(trx, terminalId, true);
  if (!row || !row.needs_code) return;
  const requirement = await activationCodeRequirement(trx, terminalId);
  if (requirement && requirement.pendingSteps.length > 0) throw stepsPendingError(requirement);
  const terminal = await reloadTerminal(trx, terminalId);
  const steps = await listSteps(trx, row.id);
  if (steps.some((s) => s.kind === 'enter_activation_code' && s.status === 'pending')) {
    await markStepCompleted(ctx, trx, row, 'enter_activation_code', terminalActor(terminal));
  }
}

/**
 * Called by merchants inside the transaction that changes the settlement account: every
 * activated terminal of the merchant blocks until the change is confirmed (`account_change`).
 * Reads the terminals table (read-only) for the merchant's terminals.
 */
export async function onSettlementAccountChanged(ctx: AppContext, trx: Executor, merchantId: string, actor: Actor = systemActor): Promise<string[]> {
  const terminals = await trx.selectFrom('terminals').select(['id'])
    .where('merchant_id', '=', merchantId).where('status', 'in', ['active', 'reactivation_required']).orderBy('id').execute();
  const opened: string[] = [];
  for (const t of terminals) {
    const open = await findOpenCase(trx, t.id);
    if (open && open.policy === 'blocking') continue;
    const row = await openCase(ctx, trx, { terminalId: t.id, reason: 'account_change', actor,
      note: 'settlement account changed', evidence: { merchantVisible: { change: 'settlement_account' } } });
    opened.push(row.id);
  }
  return opened;
}
