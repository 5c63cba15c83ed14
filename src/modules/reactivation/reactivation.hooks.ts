// The re-activation module's entry points for other modules (contract; owned by reactivation).
// - terminals: GET /v1/terminals/{sn} shows `openCaseSummary`.
// - activation: `hello` asks `onHello` what to tell the terminal (reason, message, deadline, key).
// - transactions: `gateTransaction` says whether a terminal may transact now (blocking cases,
//   dormant terminals) and with which decline code.
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import type { TerminalRow } from '../terminals/terminal.service.js';

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
}

export interface TransactionGate { allowed: boolean; declineCode: string | null; caseId: string | null }

export async function openCaseSummary(db: Executor, terminalId: string): Promise<OpenCaseSummary | null> {
  void db; void terminalId;
  return null; // Filled in by the reactivation module (issue 7).
}

/** Called by `hello` inside its transaction after the terminal's report is stored. */
export async function onHello(ctx: AppContext, trx: Executor, terminal: TerminalRow, report: HelloReport): Promise<HelloOutcome | null> {
  void ctx; void trx; void terminal; void report;
  return null; // Filled in by the reactivation module (issue 7); null = nothing to add.
}

export async function gateTransaction(ctx: AppContext, trx: Executor, terminal: TerminalRow): Promise<TransactionGate> {
  void ctx; void trx;
  if (terminal.status === 'active') return { allowed: true, declineCode: null, caseId: null };
  return { allowed: false, declineCode: 'terminal_not_active', caseId: null };
}
