-- Merchants (SPEC §3). Sensitive numbers are sealed (AES-256-GCM, key id inside the value) and
-- searchable only by keyed hash; the last four digits are kept for masks.

create table merchants (
  id text primary key,
  mid char(15) not null unique,
  type text not null check (type in ('individual', 'enterprise')),
  status text not null default 'draft'
    check (status in ('draft', 'submitted', 'under_review', 'approved', 'rejected', 'needs_info')),
  legal_name text not null,
  phone text,
  email text,
  id_type text not null default 'resident_id',
  id_number_enc text,
  id_number_hash text,
  id_number_mask text,
  id_name text,
  id_expiry date,
  uscc text,
  license_name text,
  license_expiry date,
  mcc text,
  province text,
  city text,
  city_code text,
  district text,
  address_line text,
  bank_name text,
  account_number_enc text,
  account_number_hash text,
  account_number_mask text,
  account_holder text,
  risk_score integer,
  risk_level text check (risk_level in ('low', 'medium', 'high')),
  risk_reasons jsonb not null default '[]',
  quiet_start_minute integer not null default 1320,  -- 22:00 Asia/Shanghai
  quiet_end_minute integer not null default 420,     -- 07:00 Asia/Shanghai
  locale text not null default 'zh-CN',
  pricing_plan_id text,
  submitted_at timestamptz,
  approved_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index merchants_status on merchants (status, created_at);
create index merchants_id_number_hash on merchants (id_number_hash);
create index merchants_account_number_hash on merchants (account_number_hash);
create index merchants_phone on merchants (phone);

create table merchant_status_history (
  id bigserial primary key,
  merchant_id text not null references merchants (id),
  at timestamptz not null,
  from_status text,
  to_status text not null,
  actor_kind text not null,
  actor_id text,
  note text
);
create index merchant_status_history_merchant on merchant_status_history (merchant_id, id);
