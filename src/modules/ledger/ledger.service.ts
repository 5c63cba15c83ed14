// The double-entry ledger (SPEC §9). This module is the only writer of journal entries. An entry
// is a set of lines whose amounts (debits positive, credits negative) sum to zero; it is written
// in the caller's transaction, together with the business event it records.
import { sql } from 'kysely';
import type { Executor } from '../../platform/db/schema.js';
import { newId } from '../../platform/ids.js';

export interface LedgerAccount {
  code: string;
  kind: 'asset' | 'liability' | 'revenue' | 'expense' | 'equity';
  name: string;
  merchantId?: string | null;
}

/** Account codes used across modules: one function per account, so a code is spelled once. */
export const accounts = {
  merchantPayable: (merchantId: string): LedgerAccount =>
    ({ code: `merchant:${merchantId}:payable`, kind: 'liability', name: 'Amount owed to the merchant', merchantId }),
  merchantDepositHeld: (merchantId: string): LedgerAccount =>
    ({ code: `merchant:${merchantId}:deposit_held`, kind: 'liability', name: 'Device deposits held for the merchant', merchantId }),
  channelClearing: (channel: string): LedgerAccount =>
    ({ code: `clearing:${channel}`, kind: 'asset', name: `Receivable from the ${channel} channel` }),
  feeRevenue: (): LedgerAccount => ({ code: 'revenue:fees', kind: 'revenue', name: 'Transaction fee revenue' }),
  depositForfeitRevenue: (): LedgerAccount =>
    ({ code: 'revenue:deposit_forfeits', kind: 'revenue', name: 'Forfeited device deposits' }),
  settlementBank: (): LedgerAccount => ({ code: 'bank:settlement', kind: 'asset', name: 'Settlement bank account' }),
} as const;

export interface JournalLineInput { account: LedgerAccount; amountFen: number }

export interface JournalEntryInput {
  kind: string;
  merchantId: string | null;
  refType: string | null;
  refId: string | null;
  /** When set, posting the same key again is a no-op returning the first entry. */
  dedupeKey?: string | null;
  businessDate: string;
  occurredAt: Date;
  description?: string;
  lines: JournalLineInput[];
}

export class UnbalancedEntryError extends Error {}

/** Programmer errors crash loudly: an entry must balance and carry whole, non-zero fen. */
export function assertBalanced(lines: readonly { amountFen: number }[]): void {
  if (lines.length < 2) throw new UnbalancedEntryError('A journal entry needs at least two lines');
  let sum = 0;
  for (const line of lines) {
    if (!Number.isSafeInteger(line.amountFen) || line.amountFen === 0) {
      throw new UnbalancedEntryError(`Line amount ${line.amountFen} is not a non-zero whole number of fen`);
    }
    sum += line.amountFen;
  }
  if (sum !== 0) throw new UnbalancedEntryError(`Journal entry does not balance: lines sum to ${sum}`);
}

export async function ensureAccounts(trx: Executor, list: readonly LedgerAccount[]): Promise<void> {
  const unique = [...new Map(list.map((a) => [a.code, a])).values()];
  if (unique.length === 0) return;
  await trx.insertInto('ledger_accounts')
    .values(unique.map((a) => ({ code: a.code, kind: a.kind, name: a.name, merchant_id: a.merchantId ?? null })))
    .onConflict((oc) => oc.column('code').doNothing()).execute();
}

export async function postJournalEntry(trx: Executor, input: JournalEntryInput): Promise<{ entryId: string; duplicate: boolean }> {
  const lines = input.lines.filter((l) => l.amountFen !== 0);
  assertBalanced(lines);
  await ensureAccounts(trx, lines.map((l) => l.account));
  const id = newId('jrn');
  const inserted = await trx.insertInto('journal_entries').values({
    id, kind: input.kind, merchant_id: input.merchantId, ref_type: input.refType, ref_id: input.refId,
    dedupe_key: input.dedupeKey ?? null, business_date: input.businessDate, occurred_at: input.occurredAt,
    description: input.description ?? '',
  }).onConflict((oc) => oc.column('dedupe_key').doNothing()).returning('id').executeTakeFirst();
  if (!inserted) {
    const existing = await trx.selectFrom('journal_entries').select('id')
      .where('dedupe_key', '=', input.dedupeKey ?? '').executeTakeFirstOrThrow();
    return { entryId: existing.id, duplicate: true };
  }
  await trx.insertInto('journal_lines').values(lines.map((l) => ({
    entry_id: id, account_code: l.account.code, merchant_id: l.account.merchantId ?? input.merchantId, amount_fen: l.amountFen,
  }))).execute();
  return { entryId: id, duplicate: false };
}

/** A balance derived from the entries: debits minus credits. */
export async function accountBalance(db: Executor, code: string): Promise<number> {
  const row = await db.selectFrom('journal_lines').select(sql<string>`coalesce(sum(amount_fen), 0)::text`.as('sum'))
    .where('account_code', '=', code).executeTakeFirstOrThrow();
  return Number(row.sum);
}

export interface LedgerVerification {
  ok: boolean;
  entries: number;
  unbalanced: Array<{ entryId: string; sumFen: string }>;
  emptyEntries: string[];
  totalFen: string;
}

/** Every entry balances, none is empty, and the whole ledger sums to zero. */
export async function verifyLedger(db: Executor): Promise<LedgerVerification> {
  const unbalanced = await sql<{ entry_id: string; sum: string }>`
    select entry_id, sum(amount_fen)::text as sum from journal_lines group by entry_id having sum(amount_fen) <> 0
    order by entry_id limit 100`.execute(db);
  const empty = await sql<{ id: string }>`
    select e.id from journal_entries e where not exists (select 1 from journal_lines l where l.entry_id = e.id)
    order by e.id limit 100`.execute(db);
  const totals = await sql<{ entries: string; total: string }>`
    select (select count(*) from journal_entries)::text as entries,
           (select coalesce(sum(amount_fen), 0) from journal_lines)::text as total`.execute(db);
  const total = totals.rows[0]!;
  return {
    ok: unbalanced.rows.length === 0 && empty.rows.length === 0 && total.total === '0',
    entries: Number(total.entries),
    unbalanced: unbalanced.rows.map((r) => ({ entryId: r.entry_id, sumFen: r.sum })),
    emptyEntries: empty.rows.map((r) => r.id),
    totalFen: total.total,
  };
}
