// The terminal side of activation (SPEC §5, §6): hello (state, reason, explanation, messages and a
// pending terminal key), the self-test, and pairing codes for portal-side activation.
import { addMinutes } from '../../platform/clock.js';
import type { AppContext } from '../../platform/context.js';
import { wrapTerminalKey, type WrappedKey } from '../../platform/crypto/terminal-keys.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import { pairingCodeTtlMinutes, selfTestFailuresBeforeTicket } from '../../platform/limits.js';
import { onHello, type HelloReport } from '../reactivation/reactivation.hooks.js';
import { emitEvent } from '../notifications/webhook.service.js';
import { evaluateHelloLocation } from '../risk/risk.service.js';
import { sendNotification } from '../notifications/notification.service.js';
import { reasonCatalogue, reasonText, type ReasonCode } from '../reactivation/reasons.js';
import { openAutoTicket } from '../support/ticket.service.js';
import { firmwareUpdateFor, type FirmwareUpdate } from '../terminals/firmware.service.js';
import {
  activationReasonFor, appendTerminalEvent, lastEnteredStatusAt, lockTerminal, reloadTerminal, transitionTerminal, type TerminalRow,
} from '../terminals/terminal.service.js';
import { generatePairingCode } from './activation-code.js';
import { activationAllowed, assertNoStepsPending, terminalActor } from './activation.service.js';
import {
  evaluateSelfTest, selfTestInstructions, type ComponentReport, type Localized, type SelfTestComponent, type SelfTestResult,
} from './self-test.js';
import { terminalMessages, type TerminalMessageView } from './terminal-messages.js';

export interface HelloBody {
  firmwareVersion: string;
  location?: { cityCode?: string; lat?: number; lng?: number };
  battery?: number;
}

export interface HelloResponse {
  status: string;
  reason: string | null;
  message: Localized | null;
  deadline: string | null;
  caseId: string | null;
  helpSlug: string | null;
  messages: TerminalMessageView[];
  tid: string | null;
  /** The firmware release offered to this terminal (staged rollout), or null. */
  update: FirmwareUpdate | null;
  selfTest?: { components: ComponentReport[] };
  terminalKey?: WrappedKey;
  /**
   * With an open re-activation case: its policy (grace = keep selling, a reminder), when a grace
   * case starts blocking (the first quiet window after the deadline), and its steps, so the screen
   * says what to do and by when, as the portal does for the same case id.
   */
  reactivation?: { policy: 'blocking' | 'grace' | null; blocksAt: string | null; steps: Array<{ kind: string; status: string }> };
}

const firstActivationStatuses = ['in_stock', 'allocated', 'shipped', 'delivered', 'activating', 'self_test'];

/** `new_device`, or `device_replacement` when this terminal replaced another (Appendix B). */
export async function firstActivationReason(db: Executor, terminal: TerminalRow): Promise<ReasonCode> {
  return activationReasonFor(db, terminal);
}

export async function requiredSelfTests(db: Executor, modelCode: string): Promise<string[]> {
  const model = await db.selectFrom('device_models').select('required_self_tests').where('code', '=', modelCode).executeTakeFirst();
  const value: unknown = model?.required_self_tests ?? [];
  return Array.isArray(value) ? value.map(String) : JSON.parse(String(value)) as string[];
}

const selfTestMessage: Localized = {
  zh: '激活成功，请运行功能自检（读卡、非接、扫码、打印、网络），通过后即可收款。',
  en: 'Activated. Run the function self-test (card reader, contactless, QR scanner, printer, network); then you can take payments.',
};
const retiredMessage: Localized = { zh: '此终端已停用，请联系客服。', en: 'This terminal is retired; call the hotline.' };

/** Hands a key made by portal pairing to the terminal: it becomes the signing key from now on. */
async function deliverPendingKey(ctx: AppContext, trx: Executor, terminal: TerminalRow): Promise<{ terminal: TerminalRow; wrapped: WrappedKey } | null> {
  const pending = await trx.selectFrom('activation_pending_keys').select('key_enc').where('terminal_id', '=', terminal.id).executeTakeFirst();
  if (!pending) return null;
  const key = Buffer.from(ctx.cipher.open('activation_pending_keys.key', pending.key_enc), 'hex');
  const factoryKey = Buffer.from(ctx.cipher.open('terminals.factory_key', terminal.factory_key_enc), 'hex');
  const updated = await trx.updateTable('terminals').set({
    terminal_key_enc: ctx.cipher.seal('terminals.terminal_key', key.toString('hex')),
    previous_terminal_key_enc: terminal.terminal_key_enc, key_version: terminal.key_version + 1, updated_at: ctx.clock.now(),
  }).where('id', '=', terminal.id).returningAll().executeTakeFirstOrThrow();
  await trx.deleteFrom('activation_pending_keys').where('terminal_id', '=', terminal.id).execute();
  await appendTerminalEvent(trx, {
    terminal, at: ctx.clock.now(), kind: 'terminal_key_delivered', actor: terminalActor(terminal), details: { keyVersion: updated.key_version },
  });
  return { terminal: updated, wrapped: wrapTerminalKey(factoryKey, terminal.sn, key) };
}

/** The terminal's current key, wrapped for the device exactly as `/activate` and a rotation send it. */
function wrappedCurrentKey(ctx: AppContext, terminal: TerminalRow): WrappedKey | null {
  if (terminal.terminal_key_enc === null) return null;
  const key = Buffer.from(ctx.cipher.open('terminals.terminal_key', terminal.terminal_key_enc), 'hex');
  const factoryKey = Buffer.from(ctx.cipher.open('terminals.factory_key', terminal.factory_key_enc), 'hex');
  return wrapTerminalKey(factoryKey, terminal.sn, key);
}

export interface HelloOptions {
  /**
   * The request was signed with the key before the latest rotation: the answer that carried the
   * new key was lost, so this `hello` sends the current key again (else the device is stranded).
   */
  signedWithPreviousKey?: boolean;
}

export async function hello(ctx: AppContext, sn: string, body: HelloBody, options: HelloOptions = {}): Promise<HelloResponse> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const locked = await lockTerminal(trx, sn);
    let terminal = await trx.updateTable('terminals').set({
      firmware_version: body.firmwareVersion, last_city_code: body.location?.cityCode ?? locked.last_city_code,
      last_lat: body.location?.lat ?? locked.last_lat, last_lng: body.location?.lng ?? locked.last_lng,
      last_battery: body.battery ?? locked.last_battery, last_seen_at: now, updated_at: now,
    }).where('id', '=', locked.id).returningAll().executeTakeFirstOrThrow();
    const delivered = await deliverPendingKey(ctx, trx, terminal);
    if (delivered) terminal = delivered.terminal;

    const response: HelloResponse = {
      status: terminal.status, reason: null, message: null, deadline: null, caseId: null, helpSlug: null, messages: [], tid: terminal.tid,
      update: terminal.status === 'retired' ? null : await firmwareUpdateFor(trx, terminal),
    };
    if (terminal.activated_at === null && firstActivationStatuses.includes(terminal.status)) {
      const reason = await firstActivationReason(trx, terminal);
      response.reason = reason;
      response.message = terminal.status === 'self_test' ? selfTestMessage : reasonText(reason, 'terminal');
      response.helpSlug = reasonCatalogue[reason].helpSlug;
    }
    if (terminal.status === 'retired') response.message = retiredMessage;
    if (terminal.status === 'self_test') {
      response.selfTest = { components: selfTestInstructions(await requiredSelfTests(trx, terminal.model_code)) };
      if (response.message === null) response.message = selfTestMessage;
    }
    const report: HelloReport = {
      firmwareVersion: body.firmwareVersion, cityCode: body.location?.cityCode ?? null,
      lat: body.location?.lat ?? null, lng: body.location?.lng ?? null,
    };
    const outcome = await onHello(ctx, trx, terminal, report);
    // The risk rule records its hit beside the relocation trigger (which may have opened a case).
    await evaluateHelloLocation(ctx, trx, await reloadTerminal(trx, terminal.id), report.cityCode);
    if (outcome) {
      response.status = outcome.status;
      response.reason = outcome.reason;
      response.message = outcome.message;
      response.deadline = outcome.deadline;
      response.caseId = outcome.caseId;
      response.helpSlug = outcome.helpSlug;
      if (outcome.caseId) {
        response.reactivation = { policy: outcome.policy ?? null, blocksAt: outcome.blocksAt ?? null, steps: outcome.steps ?? [] };
      }
      if (outcome.terminalKey) response.terminalKey = outcome.terminalKey;
    }
    if (delivered) response.terminalKey = delivered.wrapped;
    if (!response.terminalKey && options.signedWithPreviousKey) {
      const current = wrappedCurrentKey(ctx, await reloadTerminal(trx, terminal.id));
      if (current) response.terminalKey = current;
    }
    response.messages = await terminalMessages(ctx, trx, terminal.id, now, { undeliveredOnly: true });
    return response;
  });
}

export interface SelfTestResponse { status: string; passed: boolean; components: ComponentReport[] }

export async function runSelfTest(ctx: AppContext, sn: string, results: Partial<Record<SelfTestComponent, SelfTestResult>>): Promise<SelfTestResponse> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    let terminal = await lockTerminal(trx, sn);
    if (terminal.status !== 'self_test' && terminal.status !== 'active') {
      throw new AppError('activation_not_allowed', `Terminal ${sn} is ${terminal.status}; the self-test runs after activation`,
        { currentStatus: terminal.status });
    }
    const evaluation = evaluateSelfTest(await requiredSelfTests(trx, terminal.model_code), results);
    await trx.insertInto('terminal_self_tests').values({
      terminal_id: terminal.id, merchant_id: terminal.merchant_id, results: JSON.stringify(results), passed: evaluation.passed, created_at: now,
    }).execute();
    const actor = terminalActor(terminal);
    const failed = evaluation.components.filter((c) => c.required && c.result !== 'pass').map((c) => c.component);
    await appendTerminalEvent(trx, {
      terminal, at: now, kind: 'self_test', actor, details: { passed: evaluation.passed, results, failed },
    });
    if (!evaluation.passed) {
      await emitEvent(ctx, trx, { type: 'terminal.self_test_failed', merchantId: terminal.merchant_id, data: { terminalId: terminal.id, sn, failed } });
      await ticketRepeatedSelfTestFailures(ctx, trx, terminal, failed);
    }
    if (evaluation.passed && terminal.status === 'self_test') {
      terminal = await transitionTerminal(trx, {
        sn, to: 'active', actor, at: now, reason: 'self_test_passed', set: { activated_at: terminal.activated_at ?? now },
      });
      await ctx.audit(trx, actor, {
        action: 'terminal.in_service', subjectType: 'terminal', subjectId: sn, merchantId: terminal.merchant_id, details: { results },
      });
      if (terminal.merchant_id) {
        await sendNotification(ctx, trx, { merchantId: terminal.merchant_id, template: 'terminal_activated', channels: ['sms', 'inbox'],
          params: { sn }, terminalId: terminal.id });
      }
    }
    return { status: terminal.status, passed: evaluation.passed, components: evaluation.components };
  });
}

/**
 * Failed self-test reports in a row: since the last pass and since activation began (the last
 * time the terminal entered `self_test`), counted in report order.
 */
export async function selfTestFailureStreak(db: Executor, terminalId: string): Promise<number> {
  const began = await lastEnteredStatusAt(db, terminalId, 'self_test');
  const lastPass = await db.selectFrom('terminal_self_tests').select('id').where('terminal_id', '=', terminalId)
    .where('passed', '=', true).orderBy('id', 'desc').limit(1).executeTakeFirst();
  let query = db.selectFrom('terminal_self_tests').select((eb) => eb.fn.countAll<string>().as('n'))
    .where('terminal_id', '=', terminalId).where('passed', '=', false);
  if (lastPass) query = query.where('id', '>', lastPass.id);
  if (began) query = query.where('created_at', '>=', began);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

/** The third failure in a row opens a support ticket (SPEC §12), once per streak. */
async function ticketRepeatedSelfTestFailures(ctx: AppContext, trx: Executor, terminal: TerminalRow, failed: SelfTestComponent[]): Promise<void> {
  if (!terminal.merchant_id) return;
  const streak = await selfTestFailureStreak(trx, terminal.id);
  if (streak !== selfTestFailuresBeforeTicket) return;
  const components = failed.join(', ');
  await openAutoTicket(ctx, trx, {
    merchantId: terminal.merchant_id, terminalId: terminal.id, category: 'device', priority: 'high',
    subject: `Self-test failed ${streak} times on terminal ${terminal.sn}`,
    body: `终端 ${terminal.sn} 的功能自检已连续 ${streak} 次未通过（${components}）。客服会与您联系协助处理。`
      + ` / The self-test of terminal ${terminal.sn} failed ${streak} times in a row (${components}). Support will contact you to help.`,
  });
}

export interface PairingCodeResponse { pairingCode: string; expiresAt: string }

/** `POST /terminal/v1/pairing-code`: a short code the owner types into the portal (10 minutes). */
export async function createPairingCode(ctx: AppContext, sn: string): Promise<PairingCodeResponse> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const terminal = await lockTerminal(trx, sn);
    if (!(await activationAllowed(trx, terminal))) {
      await assertNoStepsPending(trx, terminal);
      throw new AppError('activation_not_allowed', `Terminal ${sn} is ${terminal.status}; it cannot be paired now`, { currentStatus: terminal.status });
    }
    await trx.updateTable('pairing_codes').set({ status: 'revoked' }).where('terminal_id', '=', terminal.id).where('status', '=', 'active').execute();
    const code = generatePairingCode();
    const expiresAt = addMinutes(now, pairingCodeTtlMinutes);
    await trx.insertInto('pairing_codes').values({
      id: newId('pair'), terminal_id: terminal.id, merchant_id: terminal.merchant_id, code_hash: ctx.hash('pairing_code', code),
      expires_at: expiresAt, created_at: now, used_at: null,
    }).execute();
    await appendTerminalEvent(trx, { terminal, at: now, kind: 'pairing_code_created', actor: terminalActor(terminal), details: { expiresAt: expiresAt.toISOString() } });
    return { pairingCode: code, expiresAt: expiresAt.toISOString() };
  });
}
