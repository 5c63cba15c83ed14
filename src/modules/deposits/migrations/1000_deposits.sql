-- Refundable device deposits (SPEC §9, Appendix B). One deposit per activated terminal whose
-- model carries a deposit; a replacement terminal joins its predecessor's deposit (换机 keeps the
-- deposit with the merchant), so a deposit covers a chain of terminals (deposit_terminals).

create table deposits (
  id text primary key,
  merchant_id text not null references merchants (id),
  -- The terminal that first activated (the policy and window come from it) and the current one.
  origin_terminal_id text not null unique references terminals (id),
  terminal_id text not null references terminals (id),
  model_code text not null,
  amount_fen bigint not null check (amount_fen > 0),
  threshold_fen bigint not null check (threshold_fen > 0),
  window_days integer not null check (window_days > 0),
  activated_at timestamptz not null,
  deadline timestamptz not null,
  collected_fen bigint not null default 0 check (collected_fen >= 0),
  status text not null default 'pending' check (status in ('pending', 'held', 'refunded', 'forfeited')),
  volume_fen bigint not null default 0,
  refunded_fen bigint not null default 0,
  forfeited_fen bigint not null default 0,
  closed_at timestamptz,
  -- The settlement date whose payout included the refund (null until paid).
  refund_paid_date date,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check (collected_fen <= amount_fen)
);
create index deposits_merchant on deposits (merchant_id, status);
create index deposits_terminal on deposits (terminal_id);
create index deposits_open on deposits (status, deadline) where status in ('pending', 'held');

create table deposit_terminals (
  terminal_id text primary key references terminals (id),
  deposit_id text not null references deposits (id)
);
create index deposit_terminals_deposit on deposit_terminals (deposit_id);

-- Amounts taken from a merchant's settlement for a deposit, one row per deposit and day.
create table deposit_collections (
  deposit_id text not null references deposits (id),
  date date not null,
  merchant_id text not null,
  amount_fen bigint not null check (amount_fen > 0),
  created_at timestamptz not null,
  primary key (deposit_id, date)
);
create index deposit_collections_merchant_date on deposit_collections (merchant_id, date);
