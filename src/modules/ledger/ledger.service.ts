// The double-entry ledger (SPEC §9). This module is the only writer of journal entries. An entry
// is a set of lines whose amounts (debits positive, credits negative) sum to zero; it is written
// in the caller's transaction, together with the business event it records.
import { sql, type RawBuilder } from 'kysely';
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
  /** Refunded deposits owed back to the merchant until the next settlement pays them out. */
  merchantDepositRefundPayable: (merchantId: string): LedgerAccount =>
    ({ code: `merchant:${merchantId}:deposit_refund_payable`, kind: 'liability', name: 'Device deposit refunds payable to the merchant', merchantId }),
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

/**
 * Posts one entry in one statement: its accounts (created on first use), the entry and its lines.
 * A sale posts one of these, so it costs a single round trip. With a dedupe key posted before,
 * nothing is written and the first entry's id is returned.
 */
export async function postJournalEntry(trx: Executor, input: JournalEntryInput): Promise<{ entryId: string; duplicate: boolean }> {
  const lines = input.lines.filter((l) => l.amountFen !== 0);
  assertBalanced(lines);
  const accountRows = [...new Map(lines.map((l) => [l.account.code, l.account])).values()]
    .map((a) => sql`(${a.code}::text, ${a.kind}::text, ${a.name}::text, ${a.merchantId ?? null}::text)`);
  const lineRows = lines.map((l, n) =>
    sql`(${n}::int, ${l.account.code}::text, ${l.account.merchantId ?? input.merchantId}::text, ${l.amountFen}::bigint)`);
  const id = newId('jrn');
  const posted = await sql<{ id: string }>`
    with accounts as (
      insert into ledger_accounts (code, kind, name, merchant_id) values ${sql.join(accountRows)}
      on conflict (code) do nothing
    ), entry as (
      insert into journal_entries (id, kind, merchant_id, ref_type, ref_id, dedupe_key, business_date, occurred_at, description)
      values (${id}, ${input.kind}, ${input.merchantId}::text, ${input.refType}::text, ${input.refId}::text, ${input.dedupeKey ?? null}::text,
        ${input.businessDate}::date, ${input.occurredAt}::timestamptz, ${input.description ?? ''})
      on conflict (dedupe_key) do nothing
      returning id
    ), posted_lines as (
      insert into journal_lines (entry_id, account_code, merchant_id, amount_fen)
      select entry.id, line.code, line.merchant_id, line.amount_fen
      from entry cross join (values ${sql.join(lineRows)}) as line(n, code, merchant_id, amount_fen)
      order by line.n
    )
    select id from entry`.execute(trx);
  if (posted.rows.length === 0) {
    const existing = await trx.selectFrom('journal_entries').select('id')
      .where('dedupe_key', '=', input.dedupeKey ?? '').executeTakeFirstOrThrow();
    return { entryId: existing.id, duplicate: true };
  }
  return { entryId: id, duplicate: false };
}

/** Stands for the merchant id in account templates of bulk postings. */
const merchantPlaceholder = '{merchant}';

/** One row of a bulk posting's source: one two-line entry of `amount_fen` (> 0). */
export interface BulkSourceRow { merchant_id: string; ref_id: string; dedupe_key: string; amount_fen: number }

export interface BulkPosting {
  kind: string;
  refType: string;
  businessDate: string;
  occurredAt: Date;
  description: string;
  /** A query yielding `merchant_id, ref_id, dedupe_key, amount_fen` rows (dedupe keys unique). */
  source: RawBuilder<BulkSourceRow>;
  /** The account debited (+amount) and credited (−amount), per merchant. */
  debit: (merchantId: string) => LedgerAccount;
  credit: (merchantId: string) => LedgerAccount;
}

function accountTemplate(accountFor: (merchantId: string) => LedgerAccount) {
  const account = accountFor(merchantPlaceholder);
  return { ...account, perMerchant: account.code.includes(merchantPlaceholder) };
}

/**
 * Posts one balanced two-line entry per source row in two set-based statements, so a day's
 * settlement of many merchants is not a loop of single-row queries. Rows whose dedupe key was
 * posted before are skipped (a re-run posts nothing). Returns the number of entries posted.
 */
export async function postJournalEntriesBulk(trx: Executor, posting: BulkPosting): Promise<number> {
  const debit = accountTemplate(posting.debit);
  const credit = accountTemplate(posting.credit);
  for (const account of [debit, credit]) {
    await sql`insert into ledger_accounts (code, kind, name, merchant_id)
      select distinct replace(${account.code}, ${merchantPlaceholder}, src.merchant_id), ${account.kind}, ${account.name},
        case when ${account.perMerchant} then src.merchant_id end
      from (${posting.source}) src where src.amount_fen > 0
      on conflict (code) do nothing`.execute(trx);
  }
  const result = await sql`
    with src as materialized (select * from (${posting.source}) s where s.amount_fen > 0),
    entries as (
      insert into journal_entries (id, kind, merchant_id, ref_type, ref_id, dedupe_key, business_date, occurred_at, description)
      select 'jrn_' || substr(md5(src.dedupe_key), 1, 20), ${posting.kind}, src.merchant_id, ${posting.refType}, src.ref_id,
        src.dedupe_key, ${posting.businessDate}::date, ${posting.occurredAt}, ${posting.description}
      from src
      on conflict (dedupe_key) do nothing
      returning id, dedupe_key
    )
    insert into journal_lines (entry_id, account_code, merchant_id, amount_fen)
    select entries.id, replace(line.code, ${merchantPlaceholder}, src.merchant_id), src.merchant_id, line.sign * src.amount_fen
    from entries join src on src.dedupe_key = entries.dedupe_key
    cross join lateral (values (${debit.code}::text, 1), (${credit.code}::text, -1)) as line(code, sign)`.execute(trx);
  return Number(result.numAffectedRows ?? 0n) / 2;
}

export interface AccountBalance {
  code: string;
  kind: string;
  name: string;
  merchantId: string | null;
  /** Debits minus credits, in fen (liabilities and revenue are normally negative). */
  balanceFen: number;
  debitsFen: number;
  creditsFen: number;
  lines: number;
}

/** An account with its balance derived from the lines; undefined when the account does not exist. */
export async function accountBalanceView(db: Executor, code: string): Promise<AccountBalance | undefined> {
  const account = await db.selectFrom('ledger_accounts').selectAll().where('code', '=', code).executeTakeFirst();
  if (!account) return undefined;
  const sums = await sql<{ debits: string; credits: string; lines: string }>`
    select coalesce(sum(amount_fen) filter (where amount_fen > 0), 0)::text as debits,
           coalesce(-sum(amount_fen) filter (where amount_fen < 0), 0)::text as credits, count(*)::text as lines
    from journal_lines where account_code = ${code}`.execute(db);
  const row = sums.rows[0]!;
  const debitsFen = Number(row.debits);
  const creditsFen = Number(row.credits);
  return {
    code, kind: account.kind, name: account.name, merchantId: account.merchant_id,
    balanceFen: debitsFen - creditsFen, debitsFen, creditsFen, lines: Number(row.lines),
  };
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
