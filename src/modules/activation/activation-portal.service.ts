// The portal and hotline side of activation (SPEC §5): pairing a terminal by the code it shows,
// hotline-assisted activation (caller verified by a one-time code to the registered phone, the
// activation code then sent by SMS, never seen by the agent), and the six-step progress view.
import type { Actor } from '../../platform/actor.js';
import { addMinutes } from '../../platform/clock.js';
import type { AppContext } from '../../platform/context.js';
import { constantTimeEqual } from '../../platform/crypto/hash.js';
import { maskPhone } from '../../platform/crypto/mask.js';
import { AppError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import { codeAttemptsMax, pairingCodeTtlMinutes } from '../../platform/limits.js';
import { getMerchantSummary } from '../merchants/merchant.service.js';
import { sendNotification } from '../notifications/notification.service.js';
import { emitEvent } from '../notifications/webhook.service.js';
import { findTerminalBySn } from '../terminals/terminal.service.js';
import { activationProgress, type StepView } from './activation-progress.js';
import { generateVerificationCode, normalizePairingCode } from './activation-code.js';
import {
  activationLockedUntil, assertActivatable, bindTerminal, issueActivationCode, lockTerminalFor,
} from './activation.service.js';

/** Verification codes live as long as pairing codes (10 minutes). */
export const verificationCodeTtlMinutes = pairingCodeTtlMinutes;

type Outcome<T> = { ok: T } | { error: AppError };

export interface PairResult { sn: string; status: string; tid: string }

/** `POST /v1/terminals/{sn}/pair`: the owner (or an ops_admin) activates without an activation code. */
export async function pairTerminal(ctx: AppContext, input: { sn: string; pairingCode: string; actor: Actor; requestId?: string }): Promise<PairResult> {
  const code = normalizePairingCode(input.pairingCode);
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<Outcome<PairResult>> => {
    const now = ctx.clock.now();
    const terminal = await lockTerminalFor(trx, input.sn, input.actor);
    const merchant = await assertActivatable(trx, terminal);
    const pairing = await trx.selectFrom('pairing_codes').selectAll().where('terminal_id', '=', terminal.id)
      .where('status', '=', 'active').forUpdate().executeTakeFirst();
    if (!pairing || pairing.expires_at <= now) {
      return { error: new AppError('pairing_code_invalid', 'No valid pairing code: show a new one on the terminal', { attemptsRemaining: 0 }) };
    }
    if (!constantTimeEqual(pairing.code_hash, ctx.hash('pairing_code', code))) {
      const failed = pairing.failed_attempts + 1;
      await trx.updateTable('pairing_codes').set({ failed_attempts: failed, ...(failed >= codeAttemptsMax ? { status: 'revoked' as const } : {}) })
        .where('id', '=', pairing.id).execute();
      return { error: new AppError('pairing_code_invalid', 'The pairing code does not match the terminal', { attemptsRemaining: Math.max(0, codeAttemptsMax - failed) }) };
    }
    await trx.updateTable('pairing_codes').set({ status: 'used', used_at: now }).where('id', '=', pairing.id).execute();
    await trx.updateTable('activation_codes').set({ status: 'revoked', revoked_at: now })
      .where('terminal_id', '=', terminal.id).where('status', '=', 'active').execute();
    const bound = await bindTerminal(ctx, trx, { terminal, actor: input.actor, reason: 'portal_pairing', now, deliverKey: 'next_hello' });
    await ctx.audit(trx, input.actor, {
      action: 'terminal.paired', subjectType: 'terminal', subjectId: terminal.sn, merchantId: merchant.id,
      requestId: input.requestId ?? null, details: { method: 'portal_pairing' },
    });
    await emitEvent(ctx, trx, { type: 'activation.paired', merchantId: merchant.id,
      data: { terminalId: terminal.id, sn: terminal.sn, tid: bound.tid, status: bound.terminal.status } });
    return { ok: { sn: terminal.sn, status: bound.terminal.status, tid: bound.tid } };
  });
  if ('error' in outcome) throw outcome.error;
  return outcome.ok;
}

export interface HotlineVerifyResult { expiresAt: string; sentTo: string | null }

/** `POST /v1/terminals/{sn}/hotline/verify`: a one-time code to the registered phone, read back by the caller. */
export async function startHotlineVerification(ctx: AppContext, input: { sn: string; actor: Actor; requestId?: string }): Promise<HotlineVerifyResult> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const terminal = await lockTerminalFor(trx, input.sn, input.actor);
    const merchant = await assertActivatable(trx, terminal);
    await trx.updateTable('hotline_verifications').set({ status: 'revoked' })
      .where('terminal_id', '=', terminal.id).where('status', '=', 'pending').execute();
    const code = generateVerificationCode();
    const expiresAt = addMinutes(now, verificationCodeTtlMinutes);
    const id = newId('otp');
    await trx.insertInto('hotline_verifications').values({
      id, terminal_id: terminal.id, merchant_id: merchant.id, code_hash: ctx.hash('otp', `hotline:${id}:${code}`),
      expires_at: expiresAt, requested_by: input.actor.id, created_at: now, confirmed_at: null,
    }).execute();
    await sendNotification(ctx, trx, {
      merchantId: merchant.id, template: 'hotline_verification_code', channels: ['sms'],
      params: { code, sn: terminal.sn, expiresAt: expiresAt.toISOString() }, terminalId: terminal.id,
    });
    await ctx.audit(trx, input.actor, {
      action: 'hotline.verification_sent', subjectType: 'terminal', subjectId: terminal.sn, merchantId: merchant.id,
      requestId: input.requestId ?? null, details: { verificationId: id },
    });
    return { expiresAt: expiresAt.toISOString(), sentTo: merchant.phone ? maskPhone(merchant.phone) : null };
  });
}

export interface HotlineConfirmResult { expiresAt: string; channel: 'hotline' }

/** `POST /v1/terminals/{sn}/hotline/confirm`: the read-back code matches → an activation code goes by SMS. */
export async function confirmHotlineVerification(ctx: AppContext, input: {
  sn: string; verificationCode: string; actor: Actor; requestId?: string;
}): Promise<HotlineConfirmResult> {
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<Outcome<HotlineConfirmResult>> => {
    const now = ctx.clock.now();
    const terminal = await lockTerminalFor(trx, input.sn, input.actor);
    const pending = await trx.selectFrom('hotline_verifications').selectAll().where('terminal_id', '=', terminal.id)
      .where('status', '=', 'pending').forUpdate().executeTakeFirst();
    if (!pending || pending.expires_at <= now) {
      return { error: new AppError('verification_code_invalid', 'No valid verification code: send a new one', { attemptsRemaining: 0 }) };
    }
    const matches = constantTimeEqual(pending.code_hash, ctx.hash('otp', `hotline:${pending.id}:${input.verificationCode.trim()}`));
    if (!matches) {
      const failed = pending.failed_attempts + 1;
      await trx.updateTable('hotline_verifications').set({ failed_attempts: failed, ...(failed >= codeAttemptsMax ? { status: 'locked' as const } : {}) })
        .where('id', '=', pending.id).execute();
      await ctx.audit(trx, input.actor, {
        action: 'hotline.verification_failed', subjectType: 'terminal', subjectId: terminal.sn, merchantId: terminal.merchant_id,
        requestId: input.requestId ?? null, details: { verificationId: pending.id, failed },
      });
      return { error: new AppError('verification_code_invalid', 'The verification code does not match', { attemptsRemaining: Math.max(0, codeAttemptsMax - failed) }) };
    }
    await trx.updateTable('hotline_verifications').set({ status: 'confirmed', confirmed_at: now }).where('id', '=', pending.id).execute();
    await ctx.audit(trx, input.actor, {
      action: 'hotline.caller_verified', subjectType: 'terminal', subjectId: terminal.sn, merchantId: terminal.merchant_id,
      requestId: input.requestId ?? null, details: { verificationId: pending.id },
    });
    const issued = await issueActivationCode(ctx, trx, { sn: input.sn, channel: 'hotline', actor: input.actor, requestId: input.requestId ?? null });
    return { ok: { expiresAt: issued.expiresAt.toISOString(), channel: 'hotline' } };
  });
  if ('error' in outcome) throw outcome.error;
  return outcome.ok;
}

export interface ActivationView {
  sn: string;
  status: string;
  merchantId: string | null;
  steps: StepView[];
  progressPercent: number;
  currentStep: string | null;
  activationCode: { status: string; channel: string; expiresAt: string; attemptsRemaining: number } | null;
  lockedUntil: string | null;
  lastSelfTest: { passed: boolean; results: Record<string, string>; at: string } | null;
}

/** `GET /v1/terminals/{sn}/activation`: the six steps, derived from terminal and merchant state. */
export async function activationView(ctx: AppContext, input: { sn: string; actor: Actor }): Promise<ActivationView> {
  const db = ctx.db;
  const terminal = await findTerminalBySn(db, input.sn);
  if (!terminal || (input.actor.merchantId !== null && input.actor.merchantId !== terminal.merchant_id)) {
    throw new AppError('terminal_not_found', `Terminal ${input.sn} was not found`);
  }
  const now = ctx.clock.now();
  const merchant = terminal.merchant_id ? await getMerchantSummary(db, terminal.merchant_id) : null;
  const lockedUntil = await activationLockedUntil(db, terminal.id, now);
  const code = await db.selectFrom('activation_codes').selectAll().where('terminal_id', '=', terminal.id)
    .orderBy('created_at', 'desc').limit(1).executeTakeFirst();
  const selfTest = await db.selectFrom('terminal_self_tests').selectAll().where('terminal_id', '=', terminal.id)
    .orderBy('id', 'desc').limit(1).executeTakeFirst();
  const activated = terminal.terminal_key_enc !== null || terminal.status === 'self_test' || terminal.activated_at !== null;
  const progress = activationProgress({
    terminalStatus: terminal.status, merchantStatus: merchant?.status ?? null, seen: terminal.last_seen_at !== null,
    activated, locked: lockedUntil !== null, lastSelfTestPassed: selfTest?.passed ?? null,
  });
  const results: unknown = selfTest?.results;
  return {
    sn: terminal.sn, status: terminal.status, merchantId: terminal.merchant_id, ...progress,
    activationCode: code ? {
      status: code.status === 'active' && code.expires_at <= now ? 'expired' : code.status, channel: code.channel,
      expiresAt: code.expires_at.toISOString(), attemptsRemaining: code.status === 'active' ? Math.max(0, codeAttemptsMax - code.failed_attempts) : 0,
    } : null,
    lockedUntil: lockedUntil?.toISOString() ?? null,
    lastSelfTest: selfTest ? {
      passed: selfTest.passed, results: typeof results === 'string' ? JSON.parse(results) as Record<string, string> : selfTest.results,
      at: selfTest.created_at.toISOString(),
    } : null,
  };
}
