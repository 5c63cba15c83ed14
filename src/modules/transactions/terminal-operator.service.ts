// Terminal operators (SPEC §8): operator numbers with PINs, and the supervisor password that voids
// and refunds need. Both are argon2id. Wrong supervisor passwords lock voids and refunds on that
// terminal for 30 minutes after 5 tries; the counter survives the refused request.
// An operator signs in on the terminal with the PIN, which opens the terminal's operator session
// (one per terminal, `operatorSessionHours`, until sign-out or another operator's sign-in). Once a
// terminal has operators, its sales, voids and refunds are made by the signed-in operator only.
import argon2 from 'argon2';
import type { AppContext } from '../../platform/context.js';
import { addHours, addMinutes } from '../../platform/clock.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError } from '../../platform/http/errors.js';

export const supervisorAttemptsMax = 5;
export const supervisorLockMinutes = 30;
export const operatorPinAttemptsMax = 5;
/** How long an operator stays signed in on a terminal without signing out (one shift). */
export const operatorSessionHours = 12;
/** The factory supervisor password of a terminal whose merchant has not set one (README). */
export const factorySupervisorPassword = '123456';

const argonOptions = { type: argon2.argon2id } as const;
let factoryHash: Promise<string> | undefined;

export function hashSecret(secret: string): Promise<string> {
  return argon2.hash(secret, argonOptions);
}

/** Sets (or replaces) the supervisor password and clears any lockout. */
export async function setSupervisorPassword(trx: Executor, input: { terminalId: string; merchantId: string | null; password: string; at: Date }): Promise<void> {
  const hash = await hashSecret(input.password);
  await trx.insertInto('terminal_supervisors').values({
    terminal_id: input.terminalId, merchant_id: input.merchantId, password_hash: hash, failed_attempts: 0, locked_until: null, updated_at: input.at,
  }).onConflict((oc) => oc.column('terminal_id').doUpdateSet({ password_hash: hash, failed_attempts: 0, locked_until: null, updated_at: input.at, merchant_id: input.merchantId }))
    .execute();
}

type SupervisorCheck = { ok: true } | { ok: false; locked: boolean; retryAfterSeconds: number; attemptsRemaining: number };

/**
 * Checks the supervisor password in its own transaction, so a wrong password is counted even
 * though the request is refused. Throws 403 supervisor_password_invalid or 423 supervisor_locked.
 */
export async function verifySupervisorPassword(ctx: AppContext, terminal: { id: string; merchantId: string | null }, password: string): Promise<void> {
  const result = await ctx.db.transaction().execute(async (trx): Promise<SupervisorCheck> => {
    const now = ctx.clock.now();
    await trx.insertInto('terminal_supervisors').values({
      terminal_id: terminal.id, merchant_id: terminal.merchantId, password_hash: null, failed_attempts: 0, locked_until: null, updated_at: now,
    }).onConflict((oc) => oc.column('terminal_id').doNothing()).execute();
    const row = await trx.selectFrom('terminal_supervisors').selectAll().where('terminal_id', '=', terminal.id).forUpdate().executeTakeFirstOrThrow();
    if (row.locked_until && row.locked_until > now) {
      return { ok: false, locked: true, retryAfterSeconds: Math.ceil((row.locked_until.getTime() - now.getTime()) / 1000), attemptsRemaining: 0 };
    }
    factoryHash ??= hashSecret(factorySupervisorPassword);
    const hash = row.password_hash ?? await factoryHash;
    if (await argon2.verify(hash, password)) {
      if (row.failed_attempts > 0 || row.locked_until) {
        await trx.updateTable('terminal_supervisors').set({ failed_attempts: 0, locked_until: null }).where('terminal_id', '=', terminal.id).execute();
      }
      return { ok: true };
    }
    const failures = (row.locked_until ? 0 : row.failed_attempts) + 1;
    const locked = failures >= supervisorAttemptsMax;
    const lockedUntil = locked ? addMinutes(now, supervisorLockMinutes) : null;
    await trx.updateTable('terminal_supervisors').set({ failed_attempts: locked ? 0 : failures, locked_until: lockedUntil, updated_at: now })
      .where('terminal_id', '=', terminal.id).execute();
    return { ok: false, locked, retryAfterSeconds: locked ? supervisorLockMinutes * 60 : 0, attemptsRemaining: supervisorAttemptsMax - failures };
  });
  if (result.ok) return;
  if (result.locked) {
    throw new AppError('supervisor_locked', 'Too many wrong supervisor passwords: voids and refunds on this terminal are locked',
      { retryAfterSeconds: result.retryAfterSeconds }, { 'retry-after': String(result.retryAfterSeconds) });
  }
  throw new AppError('supervisor_password_invalid', 'The supervisor password is wrong', { attemptsRemaining: result.attemptsRemaining });
}

export interface OperatorView { operatorNo: string; name: string | null; createdAt: string }

export async function addOperator(trx: Executor, input: { terminalId: string; merchantId: string; operatorNo: string; name: string | null; pin: string; at: Date }): Promise<OperatorView> {
  const pinHash = await hashSecret(input.pin);
  const inserted = await trx.insertInto('terminal_operators').values({
    terminal_id: input.terminalId, merchant_id: input.merchantId, operator_no: input.operatorNo, name: input.name,
    pin_hash: pinHash, failed_attempts: 0, locked_until: null, created_at: input.at, updated_at: input.at,
  }).onConflict((oc) => oc.columns(['terminal_id', 'operator_no']).doNothing()).returning(['operator_no', 'name', 'created_at']).executeTakeFirst();
  if (!inserted) throw new AppError('conflict', `Operator ${input.operatorNo} already exists on this terminal`, { operatorNo: input.operatorNo });
  return { operatorNo: inserted.operator_no, name: inserted.name, createdAt: inserted.created_at.toISOString() };
}

export async function changeOperatorPin(trx: Executor, input: { terminalId: string; operatorNo: string; pin: string; at: Date }): Promise<boolean> {
  const pinHash = await hashSecret(input.pin);
  const updated = await trx.updateTable('terminal_operators').set({ pin_hash: pinHash, failed_attempts: 0, locked_until: null, updated_at: input.at })
    .where('terminal_id', '=', input.terminalId).where('operator_no', '=', input.operatorNo).returning('operator_no').executeTakeFirst();
  // A new PIN ends the session opened with the old one.
  if (updated) await endOperatorSession(trx, input.terminalId, input.operatorNo);
  return updated !== undefined;
}

export async function removeOperator(trx: Executor, terminalId: string, operatorNo: string): Promise<boolean> {
  const deleted = await trx.deleteFrom('terminal_operators').where('terminal_id', '=', terminalId).where('operator_no', '=', operatorNo)
    .returning('operator_no').executeTakeFirst();
  if (deleted) await endOperatorSession(trx, terminalId, operatorNo);
  return deleted !== undefined;
}

export async function listOperators(db: Executor, terminalId: string): Promise<OperatorView[]> {
  const rows = await db.selectFrom('terminal_operators').select(['operator_no', 'name', 'created_at'])
    .where('terminal_id', '=', terminalId).orderBy('operator_no').limit(100).execute();
  return rows.map((r) => ({ operatorNo: r.operator_no, name: r.name, createdAt: r.created_at.toISOString() }));
}

export type OperatorRefusal = 'operator_unknown' | 'operator_not_signed_in';

export type OperatorCheck = { ok: true; operatorNo: string | null } | { ok: false; code: OperatorRefusal };

/**
 * The operator a sale, void or refund on this terminal is made by. A terminal without operators
 * takes any operator number, or none. Once it has operators: an unknown number is
 * `operator_unknown`; otherwise an operator must be signed in on the terminal (session not
 * expired), and a number given must be that operator's (`operator_not_signed_in`). A request
 * without a number is made by the signed-in operator.
 */
export async function resolveOperator(db: Executor, input: { terminalId: string; operatorNo: string | null; at: Date }): Promise<OperatorCheck> {
  const rows = await db.selectFrom('terminal_operators').select('operator_no').where('terminal_id', '=', input.terminalId).limit(100).execute();
  if (rows.length === 0) return { ok: true, operatorNo: input.operatorNo };
  const known = new Set(rows.map((r) => r.operator_no));
  if (input.operatorNo !== null && !known.has(input.operatorNo)) return { ok: false, code: 'operator_unknown' };
  const session = await db.selectFrom('terminal_operator_sessions').select('operator_no')
    .where('terminal_id', '=', input.terminalId).where('expires_at', '>', input.at).executeTakeFirst();
  if (!session || !known.has(session.operator_no)) return { ok: false, code: 'operator_not_signed_in' };
  if (input.operatorNo !== null && input.operatorNo !== session.operator_no) return { ok: false, code: 'operator_not_signed_in' };
  return { ok: true, operatorNo: session.operator_no };
}

/** Ends the terminal's operator session (only `operatorNo`'s, when given); returns who was signed in. */
export async function endOperatorSession(trx: Executor, terminalId: string, operatorNo?: string): Promise<string | null> {
  let query = trx.deleteFrom('terminal_operator_sessions').where('terminal_id', '=', terminalId);
  if (operatorNo !== undefined) query = query.where('operator_no', '=', operatorNo);
  const ended = await query.returning('operator_no').executeTakeFirst();
  return ended?.operator_no ?? null;
}

export interface OperatorSessionView { operatorNo: string; name: string | null; signedInAt: string; expiresAt: string }

/**
 * Signs an operator in on the terminal: checks the PIN (5 wrong PINs lock that operator for 30
 * minutes) and opens the terminal's operator session, replacing any other operator's.
 */
export async function signInOperator(ctx: AppContext, terminal: { id: string; merchantId: string | null }, operatorNo: string, pin: string): Promise<OperatorSessionView> {
  const terminalId = terminal.id;
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const row = await trx.selectFrom('terminal_operators').selectAll().where('terminal_id', '=', terminalId)
      .where('operator_no', '=', operatorNo).forUpdate().executeTakeFirst();
    factoryHash ??= hashSecret(factorySupervisorPassword);
    if (!row) { await argon2.verify(await factoryHash, pin); return { ok: false as const, locked: false }; }
    if (row.locked_until && row.locked_until > now) return { ok: false as const, locked: true };
    if (await argon2.verify(row.pin_hash, pin)) {
      await trx.updateTable('terminal_operators').set({ failed_attempts: 0, locked_until: null })
        .where('terminal_id', '=', terminalId).where('operator_no', '=', operatorNo).execute();
      const expiresAt = addHours(now, operatorSessionHours);
      const session = { merchant_id: row.merchant_id, operator_no: row.operator_no, signed_in_at: now, expires_at: expiresAt };
      await trx.insertInto('terminal_operator_sessions').values({ terminal_id: terminalId, ...session })
        .onConflict((oc) => oc.column('terminal_id').doUpdateSet(session)).execute();
      await ctx.audit(trx, { kind: 'terminal', id: terminalId, role: null, merchantId: terminal.merchantId }, {
        action: 'terminal.operator_signed_in', subjectType: 'terminal', subjectId: terminalId, merchantId: row.merchant_id,
        details: { operatorNo: row.operator_no, expiresAt: expiresAt.toISOString() },
      });
      return { ok: true as const, view: { operatorNo: row.operator_no, name: row.name, signedInAt: now.toISOString(), expiresAt: expiresAt.toISOString() } };
    }
    const failures = (row.locked_until ? 0 : row.failed_attempts) + 1;
    const locked = failures >= operatorPinAttemptsMax;
    await trx.updateTable('terminal_operators').set({ failed_attempts: locked ? 0 : failures, locked_until: locked ? addMinutes(now, supervisorLockMinutes) : null })
      .where('terminal_id', '=', terminalId).where('operator_no', '=', operatorNo).execute();
    return { ok: false as const, locked };
  });
  if (outcome.ok) return outcome.view;
  if (outcome.locked) throw new AppError('account_locked', 'This operator is locked after too many wrong PINs; retry later');
  throw new AppError('login_failed', 'The operator number or PIN is wrong');
}

/**
 * Replacement (换机, SPEC §4): gives the device that replaces a terminal the same operators (with
 * their PINs) and supervisor password, inside the caller's transaction. Lockouts and failure
 * counters stay behind: the new device starts unlocked. The retired device's rows stay as they
 * are (clearing its supervisor password would fall back to the weaker factory default).
 */
export async function copyTerminalSettings(trx: Executor, input: {
  fromTerminalId: string; toTerminalId: string; merchantId: string; at: Date;
}): Promise<{ operators: number; supervisorPassword: boolean }> {
  const operators = await trx.selectFrom('terminal_operators').select(['operator_no', 'name', 'pin_hash', 'created_at'])
    .where('terminal_id', '=', input.fromTerminalId).orderBy('operator_no').execute();
  if (operators.length > 0) {
    await trx.insertInto('terminal_operators').values(operators.map((o) => ({
      terminal_id: input.toTerminalId, merchant_id: input.merchantId, operator_no: o.operator_no, name: o.name,
      pin_hash: o.pin_hash, failed_attempts: 0, locked_until: null, created_at: o.created_at, updated_at: input.at,
    }))).onConflict((oc) => oc.columns(['terminal_id', 'operator_no']).doNothing()).execute();
  }
  const supervisor = await trx.selectFrom('terminal_supervisors').select('password_hash')
    .where('terminal_id', '=', input.fromTerminalId).executeTakeFirst();
  const hash = supervisor?.password_hash ?? null;
  if (hash !== null) {
    await trx.insertInto('terminal_supervisors').values({
      terminal_id: input.toTerminalId, merchant_id: input.merchantId, password_hash: hash, failed_attempts: 0, locked_until: null, updated_at: input.at,
    }).onConflict((oc) => oc.column('terminal_id').doUpdateSet({
      password_hash: hash, merchant_id: input.merchantId, failed_attempts: 0, locked_until: null, updated_at: input.at,
    })).execute();
  }
  return { operators: operators.length, supervisorPassword: hash !== null };
}
