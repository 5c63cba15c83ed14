-- Device models and terminals (SPEC §4, §6). Factory and terminal keys are sealed at rest.

create table device_models (
  code text primary key,
  name text not null,
  kind text not null check (kind in ('traditional', 'smart', 'esign', 'mobile', 'qr_box')),
  price_fen bigint not null check (price_fen >= 0),
  deposit_fen bigint check (deposit_fen > 0),
  deposit_threshold_fen bigint check (deposit_threshold_fen > 0),
  deposit_window_days integer check (deposit_window_days > 0),
  required_self_tests jsonb not null default '[]',
  min_firmware text,
  created_at timestamptz not null
);

create table terminals (
  id text primary key,
  sn text not null unique,
  model_code text not null references device_models (code),
  status text not null default 'in_stock'
    check (status in ('in_stock', 'allocated', 'shipped', 'delivered', 'activating', 'self_test',
      'active', 'reactivation_required', 'suspended', 'retired')),
  merchant_id text references merchants (id),
  tid char(8) unique,
  factory_key_enc text not null,
  terminal_key_enc text,
  previous_terminal_key_enc text,
  key_version integer not null default 0,
  firmware_version text,
  last_city_code text,
  last_lat double precision,
  last_lng double precision,
  last_battery integer,
  last_seen_at timestamptz,
  activated_at timestamptz,
  last_transaction_at timestamptz,
  training_mode boolean not null default false,
  replaced_by text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index terminals_merchant on terminals (merchant_id);
create index terminals_status_model on terminals (status, model_code);

create table terminal_events (
  id bigserial primary key,
  terminal_id text not null references terminals (id),
  merchant_id text,
  at timestamptz not null,
  kind text not null,
  from_status text,
  to_status text,
  actor_kind text not null,
  actor_id text,
  reason text,
  details jsonb not null default '{}'
);
create index terminal_events_terminal on terminal_events (terminal_id, id);
