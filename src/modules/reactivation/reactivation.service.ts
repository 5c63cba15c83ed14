// Re-activation rules (SPEC §7, Appendix B): opening a case (the one function every trigger, the
// operator endpoint, the risk module and campaigns use), completing steps with data on file,
// restoring the terminal, and the view a merchant sees (why, what to do, by when).
import { randomInt } from 'node:crypto';
import type { Actor } from '../../platform/actor.js';
import { isOperator, systemActor } from '../../platform/actor.js';
import { addDays, addMinutes, shanghaiDate, shanghaiDayStart } from '../../platform/clock.js';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError, assertNever, validationError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import { getMerchantSummary } from '../merchants/merchant.service.js';
import { sendNotification, type Channel } from '../notifications/notification.service.js';
import { emitEvent } from '../notifications/webhook.service.js';
import { compareVersions } from '../terminals/firmware.js';
import { appendTerminalEvent, lockTerminal, reloadTerminal, transitionTerminal, type TerminalRow } from '../terminals/terminal.service.js';
import { kycGraceWithoutExpiryDays, smsCodeAttemptsMax, smsCodeDigits, smsCodeTtlMinutes } from './reactivation.config.js';
import {
  findCase, findOpenCase, listSteps, openStatuses, terminalSn, type CaseRow, type StepRow,
} from './reactivation.repository.js';
import { assertCaseTransition } from './case.state.js';
import { blockingStartsAt, defaultQuietWindow, type QuietWindow } from './quiet-window.js';
import {
  isReasonCode, operatorReasons, policyLabel, reasonCatalogue, reasonText, type Policy, type ReasonCode, type StepKind,
} from './reasons.js';

export interface CaseEvidence { merchantVisible?: Record<string, unknown>; internal?: Record<string, unknown> }

export interface OpenCaseInput {
  terminalId?: string;
  sn?: string;
  reason: string;
  note?: string | null;
  evidence?: CaseEvidence;
  actor: Actor;
  /** Overrides the policy's default deadline (grace reasons only). */
  deadline?: Date | null;
  campaignId?: string | null;
  /** Sweeps open one case per trigger (e.g. `security:2`, `kyc:id:2025-01-31`). */
  triggerKey?: string | null;
  /** The expired case this one succeeds: blocking at once, and its steps end with a new code. */
  successorOf?: CaseRow | null;
}

export const closedStatuses = ['completed', 'expired', 'cancelled'] as const;

function isClosed(row: CaseRow): boolean {
  return (closedStatuses as readonly string[]).includes(row.status);
}

function invalidReason(reason: string): AppError {
  return new AppError('reactivation_reason_invalid',
    `Unknown re-activation reason "${reason}"; valid reasons: ${operatorReasons.join(', ')}`,
    { reason, validReasons: [...operatorReasons] });
}

export function assertOperatorReason(reason: string): ReasonCode {
  if (!isReasonCode(reason) || !operatorReasons.includes(reason)) throw invalidReason(reason);
  return reason;
}

/** The steps a case of this reason requires; reasons that need a code end with entering it. */
export function stepsFor(reason: ReasonCode): StepKind[] {
  const definition = reasonCatalogue[reason];
  const steps = [...definition.steps];
  if (!definition.restoresWithoutCode && !steps.includes('enter_activation_code')) steps.push('enter_activation_code');
  return steps;
}

function withCodeStep(steps: StepKind[]): StepKind[] {
  return steps.includes('enter_activation_code') ? steps : [...steps, 'enter_activation_code'];
}

export async function merchantQuietWindow(db: Executor, merchantId: string | null): Promise<QuietWindow> {
  if (merchantId === null) return defaultQuietWindow;
  const merchant = await getMerchantSummary(db, merchantId);
  return { startMinute: merchant.quietStartMinute, endMinute: merchant.quietEndMinute };
}

/**
 * Expired identity documents on file, earliest first. The merchants service does not expose
 * expiry dates yet, so this reads the merchants table (read-only).
 */
export async function expiredDocuments(db: Executor, merchantId: string, now: Date): Promise<{ document: 'id' | 'license'; expiry: string }[]> {
  const row = await db.selectFrom('merchants').select(['id_expiry', 'license_expiry']).where('id', '=', merchantId).executeTakeFirst();
  if (!row) return [];
  const today = shanghaiDate(now);
  const out: { document: 'id' | 'license'; expiry: string }[] = [];
  const idExpiry = dateText(row.id_expiry);
  const licenseExpiry = dateText(row.license_expiry);
  if (idExpiry !== null && idExpiry < today) out.push({ document: 'id', expiry: idExpiry });
  if (licenseExpiry !== null && licenseExpiry < today) out.push({ document: 'license', expiry: licenseExpiry });
  return out.sort((a, b) => a.expiry.localeCompare(b.expiry));
}

function dateText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return shanghaiDate(value);
  return String(value).slice(0, 10);
}

async function defaultDeadline(db: Executor, policy: Policy, merchantId: string | null, now: Date): Promise<Date | null> {
  switch (policy.kind) {
    case 'grace': return addDays(now, policy.days);
    case 'grace_until_expiry': {
      const expired = merchantId === null ? [] : await expiredDocuments(db, merchantId, now);
      const first = expired[0];
      if (!first) return addDays(now, kycGraceWithoutExpiryDays);
      // The document is valid through its expiry date; grace runs 30 days after that day.
      const deadline = addDays(shanghaiDayStart(first.expiry), policy.daysAfterExpiry + 1);
      return deadline.getTime() > now.getTime() ? deadline : now;
    }
    case 'blocking_now': case 'blocking_next_use': case 'blocking_until_confirmed': case 'first_activation':
      return null;
    default: return assertNever(policy);
  }
}

async function resolveTerminal(trx: Executor, input: { terminalId?: string; sn?: string }): Promise<TerminalRow> {
  let sn = input.sn;
  if (sn === undefined) {
    if (input.terminalId === undefined) throw new Error('openCase needs terminalId or sn');
    const row = await trx.selectFrom('terminals').select('sn').where('id', '=', input.terminalId).executeTakeFirst();
    if (!row) throw new AppError('terminal_not_found', `Terminal ${input.terminalId} was not found`);
    sn = row.sn;
  }
  return lockTerminal(trx, sn);
}

/**
 * Opens a re-activation case (SPEC §7, Appendix B) in the caller's transaction: one open case per
 * terminal; a blocking case replaces an open grace case (which becomes `cancelled`); any other
 * second case → 409. A blocking case moves the terminal to `reactivation_required` at once.
 */
export async function openCase(ctx: AppContext, trx: Executor, input: OpenCaseInput): Promise<CaseRow> {
  const reason = assertOperatorReason(input.reason);
  const terminal = await resolveTerminal(trx, input);
  if (terminal.status !== 'active' && terminal.status !== 'reactivation_required') {
    throw new AppError('terminal_not_active', `Terminal ${terminal.sn} is ${terminal.status}; re-activation applies to activated terminals`,
      { currentStatus: terminal.status });
  }
  const definition = reasonCatalogue[reason];
  const successor = input.successorOf ?? null;
  const policy = successor ? 'blocking' : policyLabel(definition.policy);
  const needsCode = successor ? true : !definition.restoresWithoutCode;
  const steps = successor ? withCodeStep(stepsFor(reason)) : stepsFor(reason);
  const now = ctx.clock.now();
  const existing = await findOpenCase(trx, terminal.id, true);
  if (existing) {
    if (!(policy === 'blocking' && existing.policy === 'grace')) {
      throw new AppError('reactivation_case_exists',
        `Terminal ${terminal.sn} already has an open ${existing.policy} case (${existing.reason})`,
        { caseId: existing.id, reason: existing.reason, policy: existing.policy });
    }
    await closeCase(ctx, trx, existing, 'cancelled', input.actor, { supersededBy: reason });
  }
  const deadline = policy === 'grace' ? (input.deadline ?? await defaultDeadline(trx, definition.policy, terminal.merchant_id, now)) : null;
  const blocksAt = deadline === null ? now : blockingStartsAt(deadline, await merchantQuietWindow(trx, terminal.merchant_id));
  const id = newId('rea');
  const row = await trx.insertInto('reactivation_cases').values({
    id, terminal_id: terminal.id, merchant_id: terminal.merchant_id, reason, policy, status: 'open',
    note: input.note ?? null, evidence_merchant: JSON.stringify(input.evidence?.merchantVisible ?? {}),
    evidence_internal: JSON.stringify(input.evidence?.internal ?? {}), deadline, blocks_at: blocksAt,
    blocked_at: null, disputed_at: null, dispute_ticket_id: null, dispute_outcome: null, effective_at: null, needs_code: needsCode, key_rotation_pending: false,
    trigger_key: input.triggerKey ?? null, campaign_id: input.campaignId ?? null, replaces_case_id: successor?.id ?? existing?.id ?? null,
    opened_by_kind: input.actor.kind, opened_by_id: input.actor.id, created_at: now, updated_at: now, closed_at: null,
  }).returningAll().executeTakeFirstOrThrow();
  await trx.insertInto('reactivation_steps').values(steps.map((kind, position) => ({
    case_id: id, kind, position, merchant_id: terminal.merchant_id, status: 'pending' as const, completed_at: null,
    completed_by_kind: null, completed_by_id: null, code_hash: null, code_expires_at: null, code_attempts: 0,
  }))).execute();
  let opened = row;
  if (policy === 'blocking') opened = await applyBlock(ctx, trx, row, terminal, input.actor);
  else {
    await appendTerminalEvent(trx, { terminal, at: now, kind: 'reactivation_opened', actor: input.actor, reason,
      details: { caseId: id, policy, deadline: deadline?.toISOString() ?? null } });
  }
  await notify(ctx, trx, opened, terminal.sn, 'opened', 'reactivation_required');
  await ctx.audit(trx, input.actor, { action: 'reactivation.opened', subjectType: 'reactivation_case', subjectId: id,
    merchantId: terminal.merchant_id, details: { reason, policy, sn: terminal.sn, campaignId: input.campaignId ?? null } });
  await emitEvent(ctx, trx, { type: 'reactivation.opened', merchantId: terminal.merchant_id, data: {
    caseId: id, terminalId: terminal.id, sn: terminal.sn, reason, policy, deadline: deadline?.toISOString() ?? null } });
  return opened;
}

/** Makes a case block the terminal now (blocking reasons, or a grace case past its quiet-window start). */
export async function applyBlock(ctx: AppContext, trx: Executor, row: CaseRow, terminal: TerminalRow, actor: Actor): Promise<CaseRow> {
  const now = ctx.clock.now();
  if (terminal.status === 'active') {
    await transitionTerminal(trx, { sn: terminal.sn, to: 'reactivation_required', actor, at: now, reason: row.reason,
      details: { caseId: row.id, policy: row.policy }, from: ['active'] });
  }
  return trx.updateTable('reactivation_cases').set({ blocked_at: now, updated_at: now })
    .where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
}

/** Blocks the terminal of a grace case whose quiet-window start has come; false when not due. */
export async function blockIfDue(ctx: AppContext, trx: Executor, row: CaseRow, terminal: TerminalRow): Promise<CaseRow> {
  // A disputed case is paused: nothing blocks until an operator has confirmed it.
  if (row.blocked_at !== null || row.blocks_at === null || row.disputed_at !== null || isClosed(row)) return row;
  if (row.blocks_at.getTime() > ctx.clock.now().getTime()) return row;
  return applyBlock(ctx, trx, row, terminal, systemActor);
}

async function notify(ctx: AppContext, trx: Executor, row: CaseRow, sn: string, kind: string, template: string): Promise<void> {
  if (row.merchant_id === null) return;
  const daysLeft = row.deadline === null ? null : Math.max(0, Math.ceil((row.deadline.getTime() - ctx.clock.now().getTime()) / 86_400_000));
  const channels: Channel[] = ['sms', 'inbox', 'terminal'];
  if (kind === 'opened' || kind === 'completed') channels.push('email');
  await sendNotification(ctx, trx, {
    merchantId: row.merchant_id, template, channels, terminalId: row.terminal_id,
    params: {
      caseId: row.id, reason: row.reason, sn,
      ...(row.deadline !== null ? { deadline: row.deadline.toISOString() } : {}),
      ...(daysLeft !== null && kind.startsWith('warning') ? { daysLeft } : {}),
    },
  });
  await trx.insertInto('reactivation_notices').values({ case_id: row.id, kind, merchant_id: row.merchant_id, sent_at: ctx.clock.now() })
    .onConflict((oc) => oc.columns(['case_id', 'kind']).doNothing()).execute();
}

export async function sendWarning(ctx: AppContext, trx: Executor, row: CaseRow, kind: string): Promise<void> {
  await notify(ctx, trx, row, await terminalSn(trx, row.terminal_id), kind, 'reactivation_reminder');
}

/**
 * Expires a case that restores without a code and has kept its terminal blocked too long
 * (case.state.ts): the terminal stays blocked, and a successor case of the same reason opens at
 * once whose steps end with a new activation code. Returns the successor.
 */
export async function expireCase(ctx: AppContext, trx: Executor, row: CaseRow): Promise<CaseRow> {
  if (row.needs_code || row.blocked_at === null) {
    throw new Error(`case ${row.id} cannot expire: it needs a code or has not blocked its terminal`);
  }
  await closeCase(ctx, trx, row, 'expired', systemActor, { blockedAt: row.blocked_at.toISOString() });
  await ctx.audit(trx, systemActor, { action: 'reactivation.expired', subjectType: 'reactivation_case', subjectId: row.id,
    merchantId: row.merchant_id, details: { reason: row.reason, blockedAt: row.blocked_at.toISOString() } });
  return openCase(ctx, trx, {
    terminalId: row.terminal_id, reason: row.reason, actor: systemActor, successorOf: row,
    note: `case ${row.id} expired unfinished: a new activation code is needed`,
    evidence: { merchantVisible: { ...row.evidence_merchant, expiredCaseId: row.id }, internal: row.evidence_internal },
  });
}

/** Closes a case as cancelled or expired (completion goes through `completeCase`). */
export async function closeCase(ctx: AppContext, trx: Executor, row: CaseRow, status: 'cancelled' | 'expired', actor: Actor,
  details: Record<string, unknown> = {}): Promise<CaseRow> {
  if (isClosed(row)) throw caseClosed(row);
  assertCaseTransition(row, status);
  const now = ctx.clock.now();
  const closed = await trx.updateTable('reactivation_cases').set({ status, closed_at: now, updated_at: now })
    .where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
  const terminal = await reloadTerminal(trx, row.terminal_id);
  await appendTerminalEvent(trx, { terminal, at: now, kind: `reactivation_${status}`, actor, reason: row.reason,
    details: { caseId: row.id, ...details } });
  await emitEvent(ctx, trx, { type: status === 'expired' ? 'reactivation.expired' : 'reactivation.cancelled', merchantId: row.merchant_id,
    data: { caseId: row.id, terminalId: row.terminal_id, sn: terminal.sn, reason: row.reason } });
  return closed;
}

/** Operator cancels a case: a blocked terminal is restored (the reason no longer holds). */
export async function cancelCase(ctx: AppContext, trx: Executor, row: CaseRow, actor: Actor, note: string | null): Promise<CaseRow> {
  const closed = await closeCase(ctx, trx, row, 'cancelled', actor, { note });
  const sn = await terminalSn(trx, row.terminal_id);
  const terminal = await lockTerminal(trx, sn);
  if (terminal.status === 'reactivation_required') {
    await transitionTerminal(trx, { sn, to: 'active', actor, at: ctx.clock.now(), reason: row.reason, details: { caseId: row.id, cancelled: true } });
  }
  await ctx.audit(trx, actor, { action: 'reactivation.cancelled', subjectType: 'reactivation_case', subjectId: row.id,
    merchantId: row.merchant_id, details: { note } });
  return closed;
}

function caseClosed(row: CaseRow): AppError {
  return new AppError('reactivation_case_closed', `Case ${row.id} is ${row.status}`, { caseId: row.id, status: row.status });
}

export async function caseOrThrow(db: Executor, id: string, actor: Actor | null, lock = false): Promise<CaseRow> {
  const row = await findCase(db, id, lock);
  if (!row || (actor !== null && actor.merchantId !== null && actor.merchantId !== row.merchant_id)) {
    throw new AppError('reactivation_case_not_found', `Re-activation case ${id} was not found`);
  }
  return row;
}

/**
 * The case and one of its steps, for completing it: 404 when either is unknown (or another
 * merchant's), 409 `reactivation_case_closed` when the case is closed. Callers check this before
 * any secret (SMS code, supervisor password) is verified, so a closed case costs no attempt.
 */
export async function caseStep(db: Executor, input: { caseId: string; kind: string; actor: Actor; lock?: boolean }): Promise<{ row: CaseRow; step: StepRow }> {
  const row = await caseOrThrow(db, input.caseId, input.actor, input.lock ?? false);
  if (isClosed(row)) throw caseClosed(row);
  const steps = await listSteps(db, row.id);
  const step = steps.find((s) => s.kind === input.kind);
  if (!step) {
    throw new AppError('reactivation_step_not_found', `Case ${row.id} has no step ${input.kind}`,
      { steps: steps.map((s) => s.kind) });
  }
  return { row, step };
}

export interface StepInput { code?: string; transactionPassword?: string }

/**
 * Completes one step of an open case, reusing data on file (SPEC §3 "entered once"): documents
 * count as renewed once those on file are no longer expired, firmware once the terminal reports
 * the model minimum. The SMS code is checked by `checkSmsCode` before (its attempts must persist).
 */
export async function completeStep(ctx: AppContext, trx: Executor, input: { caseId: string; kind: string; actor: Actor; body: StepInput }): Promise<CaseRow> {
  const { row, step } = await caseStep(trx, { caseId: input.caseId, kind: input.kind, actor: input.actor, lock: true });
  if (step.status === 'completed') return row;
  await assertStepSatisfied(ctx, trx, row, step, input);
  return markStepCompleted(ctx, trx, row, step.kind, input.actor);
}

async function assertStepSatisfied(ctx: AppContext, trx: Executor, row: CaseRow, step: StepRow,
  input: { actor: Actor; body: StepInput }): Promise<void> {
  const kind = step.kind;
  switch (kind) {
    case 'confirm_identity_sms':
      if (step.code_hash === null || input.body.code === undefined) {
        throw new AppError('verification_code_invalid', 'Request a code with send-code, then complete with {code}', { attemptsRemaining: 0 });
      }
      return; // Checked (and attempts counted) by checkSmsCode before this transaction.
    case 'confirm_transaction_password':
      // Verified against the terminal's supervisor password by the route, before this transaction.
      if (!/^\d{6}$/.test(input.body.transactionPassword ?? '')) {
        throw validationError([{ field: 'transactionPassword', rule: 'pattern', message: 'six digits' }]);
      }
      return;
    case 'renew_documents': {
      if (row.merchant_id === null) return;
      const expired = await expiredDocuments(trx, row.merchant_id, ctx.clock.now());
      if (expired.length > 0) {
        throw new AppError('reactivation_step_incomplete', 'Documents on file are still expired: upload the renewed ones first',
          { step: kind, expired: expired.map((e) => e.document) });
      }
      return;
    }
    case 'update_firmware': {
      const status = await firmwareCheck(trx, row.terminal_id);
      if (status.below) {
        throw new AppError('reactivation_step_incomplete', 'The terminal has not reported the required firmware yet',
          { step: kind, firmwareVersion: status.version, minFirmware: status.minimum });
      }
      return;
    }
    case 'call_hotline':
      if (!isOperator(input.actor)) throw new AppError('forbidden', 'The hotline agent completes this step during your call');
      return;
    case 'enter_activation_code':
      throw new AppError('reactivation_step_incomplete', 'This step completes when the terminal is activated with a new activation code',
        { step: kind });
    default: assertNever(kind);
  }
}

export async function markStepCompleted(ctx: AppContext, trx: Executor, row: CaseRow, kind: StepKind, actor: Actor): Promise<CaseRow> {
  const now = ctx.clock.now();
  await trx.updateTable('reactivation_steps')
    .set({ status: 'completed', completed_at: now, completed_by_kind: actor.kind, completed_by_id: actor.id, code_hash: null })
    .where('case_id', '=', row.id).where('kind', '=', kind).execute();
  await emitEvent(ctx, trx, { type: 'reactivation.step_completed', merchantId: row.merchant_id,
    data: { caseId: row.id, terminalId: row.terminal_id, reason: row.reason, step: kind } });
  const pending = await trx.selectFrom('reactivation_steps').select('kind')
    .where('case_id', '=', row.id).where('status', '=', 'pending').execute();
  if (pending.length === 0) return completeCase(ctx, trx, row, actor);
  if (row.status === 'open') {
    assertCaseTransition(row, 'in_progress');
    return trx.updateTable('reactivation_cases').set({ status: 'in_progress', updated_at: now })
      .where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
  }
  return row;
}

/** All steps done: the case completes and the terminal is restored (its key rotates on next hello). */
async function completeCase(ctx: AppContext, trx: Executor, row: CaseRow, actor: Actor): Promise<CaseRow> {
  const now = ctx.clock.now();
  assertCaseTransition(row, 'completed');
  // A case completed by a new activation code has its key rotated already by /activate.
  const completed = await trx.updateTable('reactivation_cases')
    .set({ status: 'completed', closed_at: now, updated_at: now, key_rotation_pending: !row.needs_code })
    .where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
  const sn = await terminalSn(trx, row.terminal_id);
  const terminal = await lockTerminal(trx, sn);
  if (terminal.status === 'reactivation_required' && !row.needs_code) {
    await transitionTerminal(trx, { sn, to: 'active', actor, at: now, reason: row.reason, details: { caseId: row.id, completed: true } });
  } else {
    await appendTerminalEvent(trx, { terminal, at: now, kind: 'reactivation_completed', actor, reason: row.reason, details: { caseId: row.id } });
  }
  await notify(ctx, trx, completed, sn, 'completed', 'reactivation_completed');
  await ctx.audit(trx, actor, { action: 'reactivation.completed', subjectType: 'reactivation_case', subjectId: row.id,
    merchantId: row.merchant_id, details: { reason: row.reason } });
  await emitEvent(ctx, trx, { type: 'reactivation.completed', merchantId: row.merchant_id,
    data: { caseId: row.id, terminalId: row.terminal_id, sn, reason: row.reason } });
  return completed;
}

/**
 * The terminal's firmware against its model's minimum. Reads device_models (terminals module,
 * read-only) for `min_firmware`; versions compare with the terminals module's `compareVersions`.
 */
export async function firmwareCheck(db: Executor, terminalId: string): Promise<{ below: boolean; version: string | null; minimum: string | null }> {
  const row = await db.selectFrom('terminals').innerJoin('device_models', 'device_models.code', 'terminals.model_code')
    .select(['terminals.firmware_version as version', 'device_models.min_firmware as minimum'])
    .where('terminals.id', '=', terminalId).executeTakeFirst();
  if (!row) return { below: false, version: null, minimum: null };
  return { below: firmwareBelow(row.version, row.minimum), version: row.version, minimum: row.minimum };
}

export function firmwareBelow(version: string | null, minimum: string | null): boolean {
  if (minimum === null || version === null) return false;
  return compareVersions(version, minimum) < 0;
}

/**
 * The SMS template of the identity code. The notifications module has no re-activation code
 * template yet; the hotline identity-check template carries a one-time code and no link.
 */
const smsCodeTemplate = 'hotline_verification_code';

/** Test seam: the generator of SMS one-time codes (tests read the code they cannot receive). */
export const smsCodeSource = { next: (): string => String(randomInt(0, 10 ** smsCodeDigits)).padStart(smsCodeDigits, '0') };

/** Sends a one-time code to the merchant's registered phone for `confirm_identity_sms`. */
export async function sendSmsCode(ctx: AppContext, trx: Executor, caseId: string, actor: Actor): Promise<{ expiresAt: Date }> {
  const row = await caseOrThrow(trx, caseId, actor, true);
  if (isClosed(row)) throw caseClosed(row);
  const step = (await listSteps(trx, row.id)).find((s) => s.kind === 'confirm_identity_sms');
  if (!step) throw new AppError('reactivation_step_not_found', `Case ${row.id} has no step confirm_identity_sms`);
  if (step.status === 'completed') throw new AppError('invalid_state', 'Identity is already confirmed for this case');
  const code = smsCodeSource.next();
  const expiresAt = addMinutes(ctx.clock.now(), smsCodeTtlMinutes);
  await trx.updateTable('reactivation_steps')
    .set({ code_hash: ctx.hash('otp', `${row.id}:${code}`), code_expires_at: expiresAt, code_attempts: 0 })
    .where('case_id', '=', row.id).where('kind', '=', 'confirm_identity_sms').execute();
  if (row.merchant_id !== null) {
    await sendNotification(ctx, trx, { merchantId: row.merchant_id, template: smsCodeTemplate, channels: ['sms'],
      terminalId: row.terminal_id, params: { code, minutes: smsCodeTtlMinutes } });
  }
  return { expiresAt };
}

/** Checks an SMS code, counting the attempt in its own transaction so failures persist. */
export async function checkSmsCode(ctx: AppContext, caseId: string, code: string, actor: Actor): Promise<void> {
  const failure = await ctx.db.transaction().execute(async (trx) => {
    const row = await caseOrThrow(trx, caseId, actor, true);
    if (isClosed(row)) throw caseClosed(row);
    const step = (await listSteps(trx, row.id)).find((s) => s.kind === 'confirm_identity_sms');
    if (!step) throw new AppError('reactivation_step_not_found', `Case ${row.id} has no step confirm_identity_sms`);
    if (step.status === 'completed') return null;
    const live = step.code_hash !== null && step.code_expires_at !== null
      && step.code_expires_at.getTime() > ctx.clock.now().getTime() && step.code_attempts < smsCodeAttemptsMax;
    if (live && step.code_hash === ctx.hash('otp', `${row.id}:${code}`)) return null;
    const attempts = step.code_attempts + 1;
    await trx.updateTable('reactivation_steps').set({ code_attempts: attempts, ...(attempts >= smsCodeAttemptsMax ? { code_hash: null } : {}) })
      .where('case_id', '=', row.id).where('kind', '=', 'confirm_identity_sms').execute();
    return live ? Math.max(0, smsCodeAttemptsMax - attempts) : 0;
  });
  if (failure !== null) {
    throw new AppError('verification_code_invalid', 'The code is wrong or expired', { attemptsRemaining: failure });
  }
}

export { openStatuses, reasonText };
