-- The double-entry ledger (SPEC §9): append-only journal entries whose lines sum to zero.
-- Debits are positive, credits negative; balances derive from the lines.

create table ledger_accounts (
  code text primary key,
  kind text not null,
  merchant_id text,
  name text not null,
  created_at timestamptz not null default now()
);

create table journal_entries (
  id text primary key,
  kind text not null,
  merchant_id text,
  ref_type text,
  ref_id text,
  -- Guards against posting the same business event twice.
  dedupe_key text unique,
  business_date date not null,
  occurred_at timestamptz not null,
  created_at timestamptz not null default now(),
  description text not null default ''
);
create index journal_entries_merchant_date on journal_entries (merchant_id, business_date);
create index journal_entries_ref on journal_entries (ref_type, ref_id);

create table journal_lines (
  id bigserial primary key,
  entry_id text not null references journal_entries (id),
  account_code text not null references ledger_accounts (code),
  merchant_id text,
  amount_fen bigint not null check (amount_fen <> 0)
);
create index journal_lines_entry on journal_lines (entry_id);
create index journal_lines_account on journal_lines (account_code);

create trigger journal_entries_append_only before update or delete on journal_entries
  for each row execute function forbid_change();
create trigger journal_lines_append_only before update or delete on journal_lines
  for each row execute function forbid_change();
