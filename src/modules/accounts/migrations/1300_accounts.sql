-- User accounts of merchant staff and operators (SPEC §2, §13): argon2id passwords, TOTP,
-- lockout, sessions (stored as keyed hashes of their cookie tokens), password-reset codes.

create table users (
  id text primary key,
  login text not null unique,            -- email (lower case) or mainland mobile number
  display_name text not null,
  phone text,
  role text not null check (role in ('merchant_owner', 'merchant_manager', 'merchant_cashier',
    'ops_agent', 'ops_risk', 'ops_admin')),
  merchant_id text references merchants (id),
  password_hash text not null,
  totp_secret_enc text,
  totp_enabled boolean not null default false,
  totp_last_step bigint,
  failed_logins integer not null default 0,
  locked_until timestamptz,
  reset_failures integer not null default 0,
  reset_locked_until timestamptz,
  disabled_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check ((role like 'merchant_%') = (merchant_id is not null))
);
create index users_merchant on users (merchant_id);

create table sessions (
  id text primary key,
  user_id text not null references users (id),
  token_hash text not null unique,
  mfa_passed boolean not null default false,
  created_at timestamptz not null,
  last_seen_at timestamptz not null,
  expires_at timestamptz not null,
  revoked_at timestamptz
);
create index sessions_user on sessions (user_id);

create table password_reset_codes (
  id text primary key,
  user_id text not null references users (id),
  code_hash text not null,
  expires_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null
);
create index password_reset_codes_user on password_reset_codes (user_id, created_at);
