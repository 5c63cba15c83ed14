// Terminal rules shared by every module that changes a terminal: the one place a terminal's
// status changes (enforcing terminal.state.ts) and its timeline grows.
import type { Actor } from '../../platform/actor.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError } from '../../platform/http/errors.js';
import { canTransition, type TerminalStatus } from './terminal.state.js';
import type { TerminalTable } from './terminal.table.js';
import type { Selectable } from 'kysely';
import { randomInt } from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import { validationError } from '../../platform/http/errors.js';
import { getMerchantSummary } from '../merchants/merchant.service.js';
import { openCaseSummary, type OpenCaseSummary } from '../reactivation/reactivation.hooks.js';
import { emitEvent, recordEvent, type WebhookEventType } from '../notifications/webhook.service.js';
import { copyTerminalSettings } from '../transactions/terminal-operator.service.js';

export type TerminalRow = Selectable<TerminalTable>;

export interface TransitionInput {
  sn: string;
  to: TerminalStatus;
  actor: Actor;
  at: Date;
  reason?: string | null;
  details?: Record<string, unknown>;
  /** Other columns to set in the same update (e.g. `activated_at`, `merchant_id`). */
  set?: Partial<Omit<TerminalRow, 'id' | 'sn' | 'status' | 'created_at'>>;
  /** When given, the transition only applies from these statuses. */
  from?: readonly TerminalStatus[];
  /**
   * The terminal's row as this transaction last locked or wrote it, when the caller holds it
   * already (saves locking it again); otherwise the row is locked here.
   */
  locked?: TerminalRow;
}

/** Locks the terminal row (`FOR UPDATE`) inside the caller's transaction. */
export async function lockTerminal(trx: Executor, sn: string): Promise<TerminalRow> {
  const row = await trx.selectFrom('terminals').selectAll().where('sn', '=', sn).forUpdate().executeTakeFirst();
  if (!row) throw new AppError('terminal_not_found', `Terminal ${sn} was not found`);
  return row;
}

export async function appendTerminalEvent(trx: Executor, input: {
  terminal: Pick<TerminalRow, 'id' | 'merchant_id'>; at: Date; kind: string; actor: Actor;
  from?: string | null; to?: string | null; reason?: string | null; details?: Record<string, unknown>;
}): Promise<void> {
  await trx.insertInto('terminal_events').values({
    terminal_id: input.terminal.id, merchant_id: input.terminal.merchant_id, at: input.at, kind: input.kind,
    from_status: input.from ?? null, to_status: input.to ?? null, actor_kind: input.actor.kind,
    actor_id: input.actor.id, reason: input.reason ?? null, details: JSON.stringify(input.details ?? {}),
  }).execute();
}

/**
 * Moves a terminal to `to` if the state machine allows it from its current status, inside the
 * caller's transaction, and appends the event to its timeline. Illegal → 409 naming the status.
 */
export async function transitionTerminal(trx: Executor, input: TransitionInput): Promise<TerminalRow> {
  if (input.locked && input.locked.sn !== input.sn) throw new Error(`transitionTerminal: locked row is ${input.locked.sn}, not ${input.sn}`);
  const terminal = input.locked ?? await lockTerminal(trx, input.sn);
  const allowedFrom = input.from ?? null;
  if ((allowedFrom && !allowedFrom.includes(terminal.status)) || !canTransition(terminal.status, input.to)) {
    throw new AppError('terminal_invalid_transition',
      `Terminal ${input.sn} is ${terminal.status} and cannot become ${input.to}`,
      { currentStatus: terminal.status, requestedStatus: input.to });
  }
  const updated = await trx.updateTable('terminals')
    .set({ ...(input.set ?? {}), status: input.to, updated_at: input.at })
    .where('id', '=', terminal.id).returningAll().executeTakeFirstOrThrow();
  await appendTerminalEvent(trx, {
    terminal: updated, at: input.at, kind: 'status_changed', actor: input.actor,
    from: terminal.status, to: input.to, reason: input.reason ?? null, details: input.details ?? {},
  });
  await emitTransitionEvents(trx, input.at, updated, terminal.status);
  return updated;
}

/** When the terminal last entered a status (its latest transition to it), or null if never. */
export async function lastEnteredStatusAt(db: Executor, terminalId: string, status: TerminalStatus): Promise<Date | null> {
  const row = await db.selectFrom('terminal_events').select('at').where('terminal_id', '=', terminalId)
    .where('kind', '=', 'status_changed').where('to_status', '=', status).orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row?.at ?? null;
}

/** The named webhook event of a transition that is a milestone, beside `terminal.status_changed`. */
export function milestoneEvent(from: TerminalStatus, to: TerminalStatus): WebhookEventType | null {
  if (to === 'shipped') return 'terminal.shipped';
  if (to === 'delivered') return 'terminal.delivered';
  if (to === 'active' && from === 'self_test') return 'terminal.activated';
  if (to === 'suspended') return 'terminal.suspended';
  if (to === 'retired') return 'terminal.retired';
  return null;
}

async function emitTransitionEvents(trx: Executor, at: Date, terminal: TerminalRow, from: TerminalStatus): Promise<void> {
  const data = { terminalId: terminal.id, sn: terminal.sn, from, to: terminal.status };
  await recordEvent(trx, at, { type: 'terminal.status_changed', merchantId: terminal.merchant_id, data });
  const milestone = milestoneEvent(from, terminal.status);
  if (milestone) await recordEvent(trx, at, { type: milestone, merchantId: terminal.merchant_id, data });
}

/** A terminal's status by id (inside the caller's transaction, after its row is locked or not). */
export async function terminalStatusOf(db: Executor, terminalId: string): Promise<TerminalStatus> {
  const row = await db.selectFrom('terminals').select('status').where('id', '=', terminalId).executeTakeFirstOrThrow();
  return row.status;
}

export async function findTerminalBySn(db: Executor, sn: string): Promise<TerminalRow | undefined> {
  return db.selectFrom('terminals').selectAll().where('sn', '=', sn).executeTakeFirst();
}

export async function findTerminalById(db: Executor, id: string): Promise<TerminalRow | undefined> {
  return db.selectFrom('terminals').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A terminal known to exist, read again inside the caller's transaction (after a change to it). */
export async function reloadTerminal(db: Executor, id: string): Promise<TerminalRow> {
  return db.selectFrom('terminals').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

// ---------------------------------------------------------------------------------------------
// Assignment, replacement, reads (issue 5).

/** Statuses of a terminal that is with a merchant and may be swapped for another (换机). */
export const replaceableStatuses: readonly TerminalStatus[] = [
  'delivered', 'activating', 'self_test', 'active', 'reactivation_required', 'suspended',
];

const tidAttemptsMax = 20;

/** A fresh 8-digit TID (ISO 8583 field 41) not used by any terminal. */
export async function newTid(trx: Executor): Promise<string> {
  for (let attempt = 0; attempt < tidAttemptsMax; attempt++) {
    const tid = String(randomInt(10_000_000, 100_000_000));
    const taken = await trx.selectFrom('terminals').select('id').where('tid', '=', tid).executeTakeFirst();
    if (!taken) return tid;
  }
  throw new Error('Could not find a free TID');
}

/** Appendix B: `assign` needs an approved merchant and moves `in_stock → delivered`. */
export async function assignTerminal(ctx: AppContext, trx: Executor, actor: Actor, input: { sn: string; merchantId: string }): Promise<TerminalRow> {
  const merchant = await getMerchantSummary(trx, input.merchantId);
  if (merchant.status !== 'approved') {
    throw new AppError('merchant_not_approved', `Merchant ${merchant.id} is ${merchant.status}, not approved`, { merchantStatus: merchant.status });
  }
  const terminal = await lockTerminal(trx, input.sn);
  if (terminal.status !== 'in_stock') {
    throw new AppError('terminal_not_in_stock', `Terminal ${input.sn} is ${terminal.status}, not in stock`,
      { currentStatus: terminal.status, merchantId: terminal.merchant_id });
  }
  const updated = await transitionTerminal(trx, {
    sn: input.sn, to: 'delivered', from: ['in_stock'], actor, at: ctx.clock.now(), reason: 'direct_assignment',
    set: { merchant_id: merchant.id, tid: await newTid(trx) }, details: { merchantId: merchant.id },
  });
  await ctx.audit(trx, actor, { action: 'terminal.assigned', subjectType: 'terminal', subjectId: updated.id, merchantId: merchant.id, details: { sn: input.sn } });
  await emitEvent(ctx, trx, { type: 'terminal.assigned', merchantId: merchant.id, data: { terminalId: updated.id, sn: updated.sn, tid: updated.tid } });
  return updated;
}

/**
 * Replacement (换机, SPEC §4): the old terminal retires (`replaced_by` = the new terminal's id),
 * the new one leaves stock for the same merchant with the old one's settings, and then needs an
 * activation code with reason `device_replacement` (see `activationReasonFor`).
 * Settings are what the merchant configured per terminal: training mode (here), operators and the
 * supervisor password (the transactions module's `copyTerminalSettings`); lockouts stay behind.
 * Quiet hours are the merchant's, so they follow by themselves; the deposit follows `replaced_by`.
 */
export async function replaceTerminal(ctx: AppContext, trx: Executor, actor: Actor,
  input: { sn: string; newSn: string; reason: string | null }): Promise<{ old: TerminalRow; replacement: TerminalRow }> {
  if (input.sn === input.newSn) {
    throw validationError([{ field: 'newSn', rule: 'different', message: 'the new terminal must be another SN' }]);
  }
  // Lock both rows in SN order, so two swaps of the same pair cannot deadlock.
  const [first, second] = [input.sn, input.newSn].sort();
  const locked = new Map<string, TerminalRow>();
  for (const sn of [first!, second!]) locked.set(sn, await lockTerminal(trx, sn));
  const old = locked.get(input.sn)!;
  const fresh = locked.get(input.newSn)!;
  if (!old.merchant_id || !replaceableStatuses.includes(old.status)) {
    throw new AppError('terminal_invalid_transition', `Terminal ${old.sn} is ${old.status} and cannot be replaced`,
      { currentStatus: old.status, requestedStatus: 'retired' });
  }
  if (fresh.status !== 'in_stock' || fresh.merchant_id !== null) {
    throw new AppError('terminal_not_in_stock', `Terminal ${fresh.sn} is ${fresh.status}, not in stock`, { currentStatus: fresh.status });
  }
  const at = ctx.clock.now();
  const replacement = await transitionTerminal(trx, {
    sn: fresh.sn, to: 'delivered', from: ['in_stock'], actor, at, reason: 'device_replacement',
    set: { merchant_id: old.merchant_id, tid: await newTid(trx), training_mode: old.training_mode },
    details: { replacesSn: old.sn, replacesTerminalId: old.id, note: input.reason },
  });
  const settings = await copyTerminalSettings(trx, { fromTerminalId: old.id, toTerminalId: replacement.id, merchantId: old.merchant_id, at });
  await appendTerminalEvent(trx, {
    terminal: replacement, at, kind: 'replacement', actor, reason: 'device_replacement',
    details: {
      replacesSn: old.sn, replacesTerminalId: old.id, note: input.reason, trainingMode: old.training_mode,
      operators: settings.operators, supervisorPassword: settings.supervisorPassword,
    },
  });
  const retired = await transitionTerminal(trx, {
    sn: old.sn, to: 'retired', actor, at, reason: 'replaced', set: { replaced_by: replacement.id },
    details: { replacedBySn: replacement.sn, replacedByTerminalId: replacement.id, note: input.reason },
  });
  await ctx.audit(trx, actor, {
    action: 'terminal.replaced', subjectType: 'terminal', subjectId: old.id, merchantId: old.merchant_id,
    details: { oldSn: old.sn, newSn: replacement.sn, note: input.reason },
  });
  await emitEvent(ctx, trx, { type: 'terminal.replaced', merchantId: old.merchant_id, data: {
    terminalId: old.id, sn: old.sn, replacementTerminalId: replacement.id, replacementSn: replacement.sn } });
  return { old: retired, replacement };
}

/** Why a terminal's first activation happens: a replacement device, or a new one (SPEC §7). */
export async function activationReasonFor(db: Executor, terminal: Pick<TerminalRow, 'id'>): Promise<'new_device' | 'device_replacement'> {
  const replaced = await db.selectFrom('terminals').select('id').where('replaced_by', '=', terminal.id).executeTakeFirst();
  return replaced ? 'device_replacement' : 'new_device';
}

/** The terminal a given terminal replaced, if any (its deposit and history follow the merchant). */
export async function replacedTerminalOf(db: Executor, terminal: Pick<TerminalRow, 'id'>): Promise<TerminalRow | undefined> {
  return db.selectFrom('terminals').selectAll().where('replaced_by', '=', terminal.id).executeTakeFirst();
}

export async function getTerminalBySn(db: Executor, sn: string): Promise<TerminalRow> {
  const row = await findTerminalBySn(db, sn);
  if (!row) throw new AppError('terminal_not_found', `Terminal ${sn} was not found`);
  return row;
}

export interface TerminalView {
  sn: string; modelCode: string; status: TerminalStatus; merchantId: string | null; tid: string | null;
  firmwareVersion: string | null; activatedAt: string | null;
  reactivation: OpenCaseSummary | null;
  trainingMode: boolean; replacedBy: string | null; lastSeenAt: string | null; lastCityCode: string | null;
  createdAt: string; updatedAt: string;
}

export async function terminalView(db: Executor, row: TerminalRow, options: { withReactivation?: boolean } = {}): Promise<TerminalView> {
  const replacedBy = row.replaced_by
    ? (await db.selectFrom('terminals').select('sn').where('id', '=', row.replaced_by).executeTakeFirst())?.sn ?? null
    : null;
  return {
    sn: row.sn, modelCode: row.model_code, status: row.status, merchantId: row.merchant_id, tid: row.tid,
    firmwareVersion: row.firmware_version, activatedAt: row.activated_at?.toISOString() ?? null,
    reactivation: options.withReactivation === false ? null : await openCaseSummary(db, row.id),
    trainingMode: row.training_mode, replacedBy, lastSeenAt: row.last_seen_at?.toISOString() ?? null,
    lastCityCode: row.last_city_code, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString(),
  };
}
