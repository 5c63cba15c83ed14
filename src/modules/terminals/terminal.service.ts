// Terminal rules shared by every module that changes a terminal: the one place a terminal's
// status changes (enforcing terminal.state.ts) and its timeline grows.
import type { Actor } from '../../platform/actor.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError } from '../../platform/http/errors.js';
import { canTransition, type TerminalStatus } from './terminal.state.js';
import type { TerminalTable } from './terminal.table.js';
import type { Selectable } from 'kysely';

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
  const terminal = await lockTerminal(trx, input.sn);
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
  return updated;
}

export async function findTerminalBySn(db: Executor, sn: string): Promise<TerminalRow | undefined> {
  return db.selectFrom('terminals').selectAll().where('sn', '=', sn).executeTakeFirst();
}
