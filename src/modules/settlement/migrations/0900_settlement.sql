-- Daily T+1 settlement (SPEC §9, Appendix B): one statement per merchant per Asia/Shanghai day,
-- one run row per day. The unique (merchant_id, date) key makes re-runs and concurrent runs
-- settle each merchant once; amounts are fen.

create table settlement_runs (
  date date primary key,
  id text not null unique,
  merchants integer not null,
  gross_fen bigint not null,
  net_fen bigint not null,
  transactions integer not null,
  started_at timestamptz not null,
  completed_at timestamptz not null
);

create table settlement_statements (
  id text primary key,
  merchant_id text not null references merchants (id),
  date date not null,
  sale_count integer not null default 0,
  gross_fen bigint not null default 0,
  fees_fen bigint not null default 0,
  voids_fen bigint not null default 0,
  refunds_fen bigint not null default 0,
  -- gross − fees − voids − refunds: what the day's transactions moved on the merchant's payable.
  activity_fen bigint not null default 0,
  deposit_deduction_fen bigint not null default 0 check (deposit_deduction_fen >= 0),
  net_fen bigint not null default 0 check (net_fen >= 0),
  -- Deposit refunds credited to the payable since the last payout, paid out with this one.
  deposit_refund_fen bigint not null default 0 check (deposit_refund_fen >= 0),
  payout_fen bigint not null default 0 check (payout_fen >= 0),
  created_at timestamptz not null,
  unique (merchant_id, date)
);
create index settlement_statements_date on settlement_statements (date);
create index transactions_business_date on transactions (business_date);
