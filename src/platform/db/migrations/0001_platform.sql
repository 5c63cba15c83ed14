-- Platform tables: API keys, the hash-chained audit log, idempotency records, settings
-- (the test clock), and the nonce memory of signed terminal requests.

create table api_keys (
  id text primary key,
  name text not null,
  role text not null check (role in ('merchant_owner', 'merchant_manager', 'merchant_cashier',
    'ops_agent', 'ops_risk', 'ops_admin', 'integration')),
  merchant_id text,
  scopes jsonb not null default '[]',
  key_hash text not null unique,
  key_prefix text not null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  last_used_at timestamptz
);

create table audit_log (
  seq bigserial primary key,
  id text not null unique,
  at timestamptz not null,
  actor_kind text not null,
  actor_id text,
  actor_role text,
  action text not null,
  subject_type text,
  subject_id text,
  merchant_id text,
  request_id text,
  details jsonb not null default '{}',
  prev_hash text not null,
  hash text not null
);
create index audit_log_subject on audit_log (subject_type, subject_id);
create index audit_log_merchant on audit_log (merchant_id, seq);

create function forbid_change() returns trigger language plpgsql as $$
begin
  raise exception 'table % is append-only', tg_table_name;
end $$;
create trigger audit_log_append_only before update or delete on audit_log
  for each row execute function forbid_change();

create table idempotency_keys (
  scope text not null,
  key text not null,
  request_hash text not null,
  status_code integer,
  response_body text,
  created_at timestamptz not null default now(),
  primary key (scope, key)
);
create index idempotency_keys_created on idempotency_keys (created_at);

create table platform_settings (
  key text primary key,
  value jsonb not null,
  updated_at timestamptz not null default now()
);

create table terminal_nonces (
  sn text not null,
  nonce text not null,
  seen_at timestamptz not null,
  primary key (sn, nonce)
);
create index terminal_nonces_seen on terminal_nonces (seen_at);
