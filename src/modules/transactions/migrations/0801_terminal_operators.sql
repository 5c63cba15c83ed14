-- Terminal operators (SPEC §8, §12): operator numbers with PINs and one supervisor password per
-- terminal, both argon2id. A terminal without a row here still has the factory supervisor
-- password (README); wrong passwords count toward a lockout.

create table terminal_operators (
  terminal_id text not null references terminals (id),
  merchant_id text not null,
  operator_no text not null,
  name text,
  pin_hash text not null,
  failed_attempts integer not null default 0,
  locked_until timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (terminal_id, operator_no)
);
create index terminal_operators_merchant on terminal_operators (merchant_id);

create table terminal_supervisors (
  terminal_id text primary key references terminals (id),
  merchant_id text,
  -- null: the factory default has not been changed
  password_hash text,
  failed_attempts integer not null default 0,
  locked_until timestamptz,
  updated_at timestamptz not null
);

-- Listing a merchant's transactions newest first, with a stable cursor.
create index transactions_merchant_time on transactions (merchant_id, occurred_at desc, id desc);
