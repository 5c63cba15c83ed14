-- Activation (SPEC §5, §6): one-time activation codes (stored only as keyed hashes), the failed
-- attempt log behind the per-terminal 24-hour limit, terminal locks, pairing codes for portal-side
-- activation, hotline verification codes, operator alerts, self-test results, device messages.

create table activation_codes (
  id text primary key,
  terminal_id text not null references terminals (id),
  merchant_id text not null,
  code_hash text not null unique,
  channel text not null check (channel in ('portal', 'sms', 'hotline')),
  status text not null default 'active' check (status in ('active', 'used', 'revoked', 'locked')),
  failed_attempts integer not null default 0,
  expires_at timestamptz not null,
  issued_by text,
  created_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz
);
create index activation_codes_terminal on activation_codes (terminal_id, created_at);
-- At most one usable code per terminal: issuing a new one revokes the previous one.
create unique index activation_codes_one_active on activation_codes (terminal_id) where status = 'active';

create table activation_attempts (
  id bigserial primary key,
  terminal_id text not null references terminals (id),
  merchant_id text,
  code_id text,
  at timestamptz not null,
  failure text not null
);
create index activation_attempts_terminal on activation_attempts (terminal_id, at);

create table activation_locks (
  terminal_id text primary key references terminals (id),
  merchant_id text,
  locked_at timestamptz not null,
  locked_until timestamptz not null
);

create table pairing_codes (
  id text primary key,
  terminal_id text not null references terminals (id),
  merchant_id text,
  code_hash text not null,
  status text not null default 'active' check (status in ('active', 'used', 'revoked')),
  failed_attempts integer not null default 0,
  expires_at timestamptz not null,
  created_at timestamptz not null,
  used_at timestamptz
);
create unique index pairing_codes_one_active on pairing_codes (terminal_id) where status = 'active';

-- A terminal key made by portal pairing waits here (sealed) until the terminal's next hello,
-- signed with its factory key, picks it up.
create table activation_pending_keys (
  terminal_id text primary key references terminals (id),
  merchant_id text,
  key_enc text not null,
  created_at timestamptz not null
);

create table hotline_verifications (
  id text primary key,
  terminal_id text not null references terminals (id),
  merchant_id text not null,
  code_hash text not null,
  status text not null default 'pending' check (status in ('pending', 'confirmed', 'revoked', 'locked')),
  failed_attempts integer not null default 0,
  expires_at timestamptz not null,
  requested_by text,
  created_at timestamptz not null,
  confirmed_at timestamptz
);
create unique index hotline_verifications_one_pending on hotline_verifications (terminal_id) where status = 'pending';

create table operator_alerts (
  id text primary key,
  kind text not null,
  terminal_id text,
  merchant_id text,
  details jsonb not null default '{}',
  created_at timestamptz not null,
  acknowledged_at timestamptz
);
create index operator_alerts_open on operator_alerts (created_at) where acknowledged_at is null;

create table terminal_self_tests (
  id bigserial primary key,
  terminal_id text not null references terminals (id),
  merchant_id text,
  results jsonb not null,
  passed boolean not null,
  created_at timestamptz not null
);
create index terminal_self_tests_terminal on terminal_self_tests (terminal_id, id);

create table terminal_messages (
  id text primary key,
  terminal_id text not null references terminals (id),
  merchant_id text,
  kind text not null,
  text_zh text not null,
  text_en text not null,
  notice_code text,
  created_at timestamptz not null,
  delivered_at timestamptz
);
create index terminal_messages_terminal on terminal_messages (terminal_id, created_at);
