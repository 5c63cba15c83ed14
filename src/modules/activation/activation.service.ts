// Activation codes (SPEC §5, Appendix A/B): issue (portal, SMS, hotline), redeem atomically with
// the per-code and per-terminal attempt limits, and the terminal lock with an operator alert.
// Redemption locks the terminal row and the code row in one transaction, so two servers on one
// PostgreSQL redeeming the same code activate the terminal exactly once.
import { randomInt } from 'node:crypto';
import type { Actor } from '../../platform/actor.js';
import { addHours, addMinutes } from '../../platform/clock.js';
import type { AppContext } from '../../platform/context.js';
import { newTerminalKey, wrapTerminalKey, type WrappedKey } from '../../platform/crypto/terminal-keys.js';
import { GroupCommitter } from '../../platform/db/group-commit.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import {
  codeAttemptsMax, terminalAttemptsMax, terminalAttemptsWindowHours, terminalLockMinutes,
} from '../../platform/limits.js';
import { getMerchantSummary, type MerchantSummary } from '../merchants/merchant.service.js';
import { sendNotification } from '../notifications/notification.service.js';
import { emitEvent } from '../notifications/webhook.service.js';
import {
  activationCodeRequirement, needsActivationCode, onTerminalReactivated, stepsPendingError, waiveStepsBeforeCode,
} from '../reactivation/reactivation.hooks.js';
import { openAutoTicket } from '../support/ticket.service.js';
import { appendTerminalEvent, lockTerminal, transitionTerminal, type TerminalRow } from '../terminals/terminal.service.js';
import type { TerminalStatus } from '../terminals/terminal.state.js';
import { checkActivationCode, generateActivationCode, normalizeActivationCode } from './activation-code.js';
import { activationError } from './activation-errors.js';
import type { ActivationChannel } from './activation.table.js';

/** Statuses of a first activation from which a code may be issued (Appendix B). */
export const codeIssuableStatuses: readonly TerminalStatus[] = ['delivered', 'activating'];

/**
 * Whether a terminal may be activated now (Appendix B): a first activation (`delivered`,
 * `activating`), or an activated terminal whose open re-activation case needs a code and has
 * all its other steps done (SPEC §7: the steps first, then the code).
 */
export async function activationAllowed(db: Executor, terminal: TerminalRow): Promise<boolean> {
  if (!terminal.merchant_id) return false;
  if (codeIssuableStatuses.includes(terminal.status)) return true;
  if (terminal.status !== 'reactivation_required' && terminal.status !== 'active') return false;
  return (await needsActivationCode(db, terminal.id)) !== null;
}

/**
 * Throws `reactivation_steps_pending` (409, naming the steps) when the terminal's open case ends
 * with a code but its other steps are not done yet (SPEC §7: the steps first, then the code).
 */
export async function assertNoStepsPending(db: Executor, terminal: TerminalRow): Promise<void> {
  if (terminal.status !== 'active' && terminal.status !== 'reactivation_required') return;
  const requirement = await activationCodeRequirement(db, terminal.id);
  if (requirement && requirement.pendingSteps.length > 0) throw stepsPendingError(requirement);
}

export function terminalActor(terminal: Pick<TerminalRow, 'id' | 'merchant_id'>): Actor {
  return { kind: 'terminal', id: terminal.id, role: null, merchantId: terminal.merchant_id };
}

function terminalNotFound(sn: string): AppError {
  return new AppError('terminal_not_found', `Terminal ${sn} was not found`);
}

/** Locks the terminal and checks the caller may act on it (merchants: own terminals only, else 404). */
export async function lockTerminalFor(trx: Executor, sn: string, actor: Actor): Promise<TerminalRow> {
  const terminal = await lockTerminal(trx, sn);
  if (actor.merchantId !== null && actor.merchantId !== terminal.merchant_id) throw terminalNotFound(sn);
  return terminal;
}

/** The terminal's merchant, which must exist and be approved, and the terminal in a status that allows activation. */
export async function assertActivatable(trx: Executor, terminal: TerminalRow): Promise<MerchantSummary> {
  if (!terminal.merchant_id) {
    throw new AppError('activation_not_allowed', `Terminal ${terminal.sn} is not assigned to a merchant`, { currentStatus: terminal.status });
  }
  if (!(await activationAllowed(trx, terminal))) {
    await assertNoStepsPending(trx, terminal);
    throw new AppError('activation_not_allowed', `Terminal ${terminal.sn} is ${terminal.status}; activation is not possible now`,
      { currentStatus: terminal.status });
  }
  const merchant = await getMerchantSummary(trx, terminal.merchant_id);
  if (merchant.status !== 'approved') {
    throw new AppError('merchant_not_approved', 'The merchant must be approved before its terminal is activated', { merchantStatus: merchant.status });
  }
  return merchant;
}

export interface IssueInput { sn: string; channel: ActivationChannel; actor: Actor; requestId?: string | null }
export interface IssuedCode { codeId: string; code: string; expiresAt: Date; terminal: TerminalRow; merchant: MerchantSummary }

/** Whether the caller is shown a portal code (Appendix B): an ops_admin, or the terminal's merchant owner. */
export function mayReceivePortalCode(actor: Actor, merchantId: string | null): boolean {
  return actor.role === 'ops_admin' || (actor.role === 'merchant_owner' && actor.merchantId === merchantId);
}

/**
 * Issues a code inside the caller's transaction: revokes the previous one, stores only its keyed
 * hash, moves `delivered → activating`, audits, and for `sms`/`hotline` queues the SMS.
 */
export async function issueActivationCode(ctx: AppContext, trx: Executor, input: IssueInput): Promise<IssuedCode> {
  let terminal = await lockTerminalFor(trx, input.sn, input.actor);
  // A risk officer or an admin issuing the code takes the case's other steps on themselves (audited).
  if (terminal.status === 'active' || terminal.status === 'reactivation_required') {
    await waiveStepsBeforeCode(ctx, trx, terminal.id, input.actor);
  }
  const merchant = await assertActivatable(trx, terminal);
  if (input.channel === 'portal' && !mayReceivePortalCode(input.actor, terminal.merchant_id)) {
    throw new AppError('forbidden', 'Only an ops_admin or the merchant owner may receive a code in the portal; use sms', { role: input.actor.role });
  }
  const now = ctx.clock.now();
  await trx.updateTable('activation_codes').set({ status: 'revoked', revoked_at: now })
    .where('terminal_id', '=', terminal.id).where('status', '=', 'active').execute();
  const code = generateActivationCode();
  const codeId = newId('act');
  const expiresAt = addHours(now, ctx.config.activationCodeTtlHours);
  await trx.insertInto('activation_codes').values({
    id: codeId, terminal_id: terminal.id, merchant_id: merchant.id, code_hash: ctx.hash('activation_code', code),
    channel: input.channel, expires_at: expiresAt, issued_by: input.actor.id, created_at: now, used_at: null, revoked_at: null,
  }).execute();
  if (terminal.status === 'delivered') {
    terminal = await transitionTerminal(trx, { sn: terminal.sn, to: 'activating', actor: input.actor, at: now, reason: 'activation_code_issued' });
  }
  await appendTerminalEvent(trx, {
    terminal, at: now, kind: 'activation_code_issued', actor: input.actor, details: { channel: input.channel, codeId, expiresAt: expiresAt.toISOString() },
  });
  await ctx.audit(trx, input.actor, {
    action: 'activation_code.issued', subjectType: 'terminal', subjectId: terminal.sn, merchantId: merchant.id,
    requestId: input.requestId ?? null, details: { channel: input.channel, codeId, expiresAt: expiresAt.toISOString() },
  });
  // The code itself never leaves this function except to its recipient (SPEC §5).
  await emitEvent(ctx, trx, { type: 'activation.code_issued', merchantId: merchant.id,
    data: { terminalId: terminal.id, sn: terminal.sn, codeId, channel: input.channel, expiresAt: expiresAt.toISOString() } });
  if (input.channel !== 'portal') {
    await sendNotification(ctx, trx, {
      merchantId: merchant.id, template: 'activation_code_issued', channels: ['sms'],
      params: { code, sn: terminal.sn, expiresAt: expiresAt.toISOString() }, terminalId: terminal.id,
    });
  }
  return { codeId, code, expiresAt, terminal, merchant };
}

/** Until when activation on a terminal is locked, or null. */
export async function activationLockedUntil(db: Executor, terminalId: string, now: Date): Promise<Date | null> {
  const lock = await db.selectFrom('activation_locks').select('locked_until').where('terminal_id', '=', terminalId).executeTakeFirst();
  return lock && lock.locked_until > now ? lock.locked_until : null;
}

/** Failed attempts counting toward the terminal limit: the last 24 h, but not before the last lock ended. */
export async function terminalFailuresInWindow(db: Executor, terminalId: string, now: Date): Promise<number> {
  const lock = await db.selectFrom('activation_locks').select('locked_until').where('terminal_id', '=', terminalId).executeTakeFirst();
  let since = addHours(now, -terminalAttemptsWindowHours);
  if (lock && lock.locked_until > since) since = lock.locked_until;
  const row = await db.selectFrom('activation_attempts').select((eb) => eb.fn.countAll<string>().as('n'))
    .where('terminal_id', '=', terminalId).where('at', '>=', since).executeTakeFirstOrThrow();
  return Number(row.n);
}

function lockedError(lockedUntil: Date, now: Date): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000));
  return activationError('activation_locked', 'Too many wrong activation codes: activation on this terminal is locked',
    { retryAfterSeconds, lockedUntil: lockedUntil.toISOString() }, { 'retry-after': String(retryAfterSeconds) });
}

type Failure = 'wrong_code' | 'code_not_usable';

/**
 * Records one failed attempt against the terminal's current code and the terminal; returns the
 * error to answer (400 with attempts remaining, or 423 when the terminal limit is reached).
 */
async function recordFailure(ctx: AppContext, trx: Executor, terminal: TerminalRow, failure: Failure, now: Date): Promise<AppError> {
  const current = await trx.selectFrom('activation_codes').select(['id', 'failed_attempts', 'expires_at'])
    .where('terminal_id', '=', terminal.id).where('status', '=', 'active').forUpdate().executeTakeFirst();
  let codeRemaining = 0;
  if (current && failure === 'wrong_code') {
    const failed = current.failed_attempts + 1;
    await trx.updateTable('activation_codes')
      .set({ failed_attempts: failed, ...(failed >= codeAttemptsMax ? { status: 'locked' as const } : {}) })
      .where('id', '=', current.id).execute();
    codeRemaining = Math.max(0, codeAttemptsMax - failed);
  }
  await trx.insertInto('activation_attempts').values({
    terminal_id: terminal.id, merchant_id: terminal.merchant_id, code_id: current?.id ?? null, at: now, failure,
  }).execute();
  const failures = await terminalFailuresInWindow(trx, terminal.id, now);
  if (failures >= terminalAttemptsMax) {
    const lockedUntil = addMinutes(now, terminalLockMinutes);
    await trx.insertInto('activation_locks')
      .values({ terminal_id: terminal.id, merchant_id: terminal.merchant_id, locked_at: now, locked_until: lockedUntil })
      .onConflict((oc) => oc.column('terminal_id').doUpdateSet({ locked_at: now, locked_until: lockedUntil, merchant_id: terminal.merchant_id }))
      .execute();
    const ticket = terminal.merchant_id ? await openLockTicket(ctx, trx, terminal, { failures, lockedUntil }) : null;
    await raiseOperatorAlert(trx, {
      kind: 'activation_locked', terminalId: terminal.id, merchantId: terminal.merchant_id, at: now,
      details: { sn: terminal.sn, failures, lockedUntil: lockedUntil.toISOString(), ticketId: ticket?.id ?? null },
    });
    await appendTerminalEvent(trx, {
      terminal, at: now, kind: 'activation_locked', actor: terminalActor(terminal), details: { failures, lockedUntil: lockedUntil.toISOString() },
    });
    await ctx.audit(trx, terminalActor(terminal), {
      action: 'activation.locked', subjectType: 'terminal', subjectId: terminal.sn, merchantId: terminal.merchant_id,
      details: { failures, lockedUntil: lockedUntil.toISOString() },
    });
    await emitEvent(ctx, trx, { type: 'activation.locked', merchantId: terminal.merchant_id,
      data: { terminalId: terminal.id, sn: terminal.sn, failures, lockedUntil: lockedUntil.toISOString() } });
    return lockedError(lockedUntil, now);
  }
  const attemptsRemaining = Math.min(codeRemaining, terminalAttemptsMax - failures);
  return activationError('activation_code_invalid', 'The activation code is not valid for this terminal', { attemptsRemaining });
}

/** The support ticket of an activation lock (SPEC §12: opened automatically), for the hotline to call back. */
async function openLockTicket(ctx: AppContext, trx: Executor, terminal: TerminalRow, lock: { failures: number; lockedUntil: Date }) {
  const until = lock.lockedUntil.toISOString();
  const { ticket } = await openAutoTicket(ctx, trx, {
    merchantId: terminal.merchant_id!, terminalId: terminal.id, category: 'activation', priority: 'high',
    subject: `Activation locked on terminal ${terminal.sn}`,
    body: `终端 ${terminal.sn} 的激活码连续输错 ${lock.failures} 次，激活已锁定至 ${until}。客服会与您联系；工作人员不会索要您的激活码。`
      + ` / Activation on terminal ${terminal.sn} is locked until ${until} after ${lock.failures} wrong activation codes.`
      + ' Support will contact you; our staff will never ask for your activation code.',
  });
  return ticket;
}

/** The one operator alert mechanism (activation locks, scam reports), listed at `GET /v1/activation/alerts`. */
export async function raiseOperatorAlert(trx: Executor, input: {
  kind: string; terminalId: string | null; merchantId: string | null; at: Date; details: Record<string, unknown>;
}): Promise<string> {
  const id = newId('alr');
  await trx.insertInto('operator_alerts').values({
    id, kind: input.kind, terminal_id: input.terminalId, merchant_id: input.merchantId,
    details: JSON.stringify(input.details), created_at: input.at, acknowledged_at: null,
  }).execute();
  return id;
}

/** A TID (ISO 8583 field 41, 8 digits) not used by another terminal. */
export async function ensureTid(trx: Executor, terminal: TerminalRow): Promise<string> {
  if (terminal.tid) return terminal.tid;
  for (;;) {
    const tid = String(randomInt(10_000_000, 100_000_000));
    const taken = await trx.selectFrom('terminals').select('id').where('tid', '=', tid).executeTakeFirst();
    if (!taken) return tid;
  }
}

export interface Activated { status: 'self_test'; tid: string; mid: string; merchantName: string; terminalKey: WrappedKey }

/**
 * Binds the terminal (locked by the caller, `input.terminal` its current row) to its merchant with a fresh terminal key:
 * the key is sealed on the terminal, the previous one kept for the hand-over, the version bumped,
 * and the terminal moves to `self_test`. Returns the key wrapped under the factory key.
 */
export async function bindTerminal(ctx: AppContext, trx: Executor, input: {
  terminal: TerminalRow; actor: Actor; reason: string; now: Date; deliverKey: 'now' | 'next_hello';
}): Promise<{ terminal: TerminalRow; wrapped: WrappedKey; tid: string }> {
  let terminal = input.terminal;
  const reactivation = terminal.status === 'active' || terminal.status === 'reactivation_required';
  if (terminal.status === 'delivered' || terminal.status === 'active') {
    const to = terminal.status === 'delivered' ? 'activating' : 'reactivation_required';
    terminal = await transitionTerminal(trx, { sn: terminal.sn, to, actor: input.actor, at: input.now, reason: input.reason, locked: terminal });
  }
  const tid = await ensureTid(trx, terminal);
  const key = newTerminalKey();
  const sealedKey = ctx.cipher.seal('terminals.terminal_key', key.toString('hex'));
  const factoryKey = Buffer.from(ctx.cipher.open('terminals.factory_key', terminal.factory_key_enc), 'hex');
  const wrapped = wrapTerminalKey(factoryKey, terminal.sn, key);
  const keySet = input.deliverKey === 'now'
    ? { terminal_key_enc: sealedKey, previous_terminal_key_enc: terminal.terminal_key_enc, key_version: terminal.key_version + 1 }
    : {};
  terminal = await transitionTerminal(trx, {
    sn: terminal.sn, to: 'self_test', actor: input.actor, at: input.now, reason: input.reason, set: { ...keySet, tid }, locked: terminal,
  });
  await trx.deleteFrom('activation_pending_keys').where('terminal_id', '=', terminal.id).execute();
  if (input.deliverKey === 'next_hello') {
    await trx.insertInto('activation_pending_keys').values({
      terminal_id: terminal.id, merchant_id: terminal.merchant_id,
      key_enc: ctx.cipher.seal('activation_pending_keys.key', key.toString('hex')), created_at: input.now,
    }).execute();
  }
  await trx.updateTable('pairing_codes').set({ status: 'revoked' }).where('terminal_id', '=', terminal.id).where('status', '=', 'active').execute();
  // A re-activation by code completes the case's steps; the self-test then restores service.
  if (reactivation) await onTerminalReactivated(ctx, trx, terminal.id);
  return { terminal, wrapped, tid };
}

type RedeemOutcome = { ok: Activated } | { error: AppError };
interface Redemption { sn: string; codeHash: string; requestId: string | null }

/**
 * Redemptions from different terminals commit together (group commit, platform/db/group-commit.ts),
 * like sales: at most `redemptionBatchMax` in one transaction, `redemptionBatchesConcurrent` at once,
 * a terminal never in two. One committer per platform context, so every caller (the HTTP route, a
 * gateway for traditional terminals) shares it.
 */
export const redemptionBatchMax = 64;
export const redemptionBatchesConcurrent = 2;
const redemptionCommitters = new WeakMap<AppContext, GroupCommitter<Redemption, RedeemOutcome>>();

function redemptionCommitter(ctx: AppContext): GroupCommitter<Redemption, RedeemOutcome> {
  let committer = redemptionCommitters.get(ctx);
  if (!committer) {
    committer = new GroupCommitter(ctx.db, { maxBatch: redemptionBatchMax, maxConcurrent: redemptionBatchesConcurrent },
      (trx, redemption) => redeemIn(ctx, trx, redemption));
    redemptionCommitters.set(ctx, committer);
  }
  return committer;
}

/** Group-commit counters of the context's redemptions (batches, requests batched, retried alone), for tests and metrics. */
export function redemptionBatchStats(ctx: AppContext): Readonly<{ batches: number; batched: number; retriedAlone: number }> {
  return redemptionCommitter(ctx).stats;
}

/**
 * `POST /terminal/v1/activate`: the whole redemption, one transaction (shared with concurrent
 * redemptions of other terminals); failures are committed, then answered.
 */
export async function redeemActivationCode(ctx: AppContext, input: { sn: string; activationCode: string; requestId?: string }): Promise<Activated> {
  const code = normalizeActivationCode(input.activationCode);
  if (checkActivationCode(code) === 'malformed') {
    throw activationError('activation_code_malformed', 'The activation code is not 12 digits with a valid check digit; check for a typo');
  }
  const outcome = await redemptionCommitter(ctx).submit(input.sn, {
    sn: input.sn, codeHash: ctx.hash('activation_code', code), requestId: input.requestId ?? null,
  });
  if ('error' in outcome) throw outcome.error;
  return outcome.ok;
}

/** One redemption inside `trx`: a wrong, used or expired code is recorded and returned as the error to answer. */
async function redeemIn(ctx: AppContext, trx: Executor, input: Redemption): Promise<RedeemOutcome> {
  const terminal = await lockTerminal(trx, input.sn);
  const now = ctx.clock.now();
  const lockedUntil = await activationLockedUntil(trx, terminal.id, now);
  if (lockedUntil) return { error: lockedError(lockedUntil, now) };
  const row = await trx.selectFrom('activation_codes').selectAll().where('code_hash', '=', input.codeHash).forUpdate().executeTakeFirst();
  if (!row || row.terminal_id !== terminal.id || row.merchant_id !== terminal.merchant_id) {
    return { error: await recordFailure(ctx, trx, terminal, 'wrong_code', now) };
  }
  if (row.status !== 'active') return { error: await recordFailure(ctx, trx, terminal, 'code_not_usable', now) };
  if (row.expires_at <= now) {
    return { error: activationError('activation_code_expired', 'The activation code has expired; ask for a new one', { expiredAt: row.expires_at.toISOString() }) };
  }
  const merchant = await getMerchantSummary(trx, row.merchant_id);
  if (merchant.status !== 'approved' || !(await activationAllowed(trx, terminal))) {
    return { error: new AppError('activation_not_allowed', 'This terminal cannot be activated now', { currentStatus: terminal.status, merchantStatus: merchant.status }) };
  }
  const actor = terminalActor(terminal);
  const bound = await bindTerminal(ctx, trx, { terminal, actor, reason: 'activation_code', now, deliverKey: 'now' });
  await trx.updateTable('activation_codes').set({ status: 'used', used_at: now }).where('id', '=', row.id).execute();
  await ctx.audit(trx, actor, {
    action: 'terminal.activated', subjectType: 'terminal', subjectId: terminal.sn, merchantId: merchant.id,
    requestId: input.requestId, details: { method: 'activation_code', codeId: row.id, channel: row.channel, keyVersion: bound.terminal.key_version },
  });
  await emitEvent(ctx, trx, { type: 'activation.code_redeemed', merchantId: merchant.id,
    data: { terminalId: terminal.id, sn: terminal.sn, codeId: row.id, tid: bound.tid, status: bound.terminal.status } });
  return { ok: { status: 'self_test', tid: bound.tid, mid: merchant.mid, merchantName: merchant.legalName, terminalKey: bound.wrapped } };
}
