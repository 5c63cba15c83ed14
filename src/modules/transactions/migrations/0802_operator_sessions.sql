-- Operator sessions (SPEC §8): a terminal with operators configured only takes sales, voids and
-- refunds from the operator signed in on it. One session per terminal: a sign-in replaces the
-- previous operator's session, a sign-out (or its expiry) ends it.

create table terminal_operator_sessions (
  terminal_id text primary key references terminals (id),
  merchant_id text not null,
  operator_no text not null,
  signed_in_at timestamptz not null,
  expires_at timestamptz not null
);
create index terminal_operator_sessions_merchant on terminal_operator_sessions (merchant_id);
