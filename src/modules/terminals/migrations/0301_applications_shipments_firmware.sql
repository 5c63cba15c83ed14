-- Terminal applications, shipments and firmware releases (SPEC §4, §12).

create table terminal_applications (
  id text primary key,
  merchant_id text not null references merchants (id),
  model_code text not null references device_models (code),
  quantity integer not null check (quantity > 0),
  status text not null default 'pending'
    check (status in ('pending', 'approved', 'rejected', 'shipped', 'delivered')),
  ship_recipient text not null,
  ship_phone text,
  ship_province text,
  ship_city text,
  ship_city_code text,
  ship_district text,
  ship_line text not null,
  note text,
  decision_note text,
  decided_by text,
  decided_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index terminal_applications_merchant on terminal_applications (merchant_id, created_at);
create index terminal_applications_status on terminal_applications (status, created_at);

create table shipments (
  id text primary key,
  application_id text references terminal_applications (id),
  merchant_id text not null references merchants (id),
  carrier text not null,
  tracking_number text not null,
  status text not null default 'shipped' check (status in ('shipped', 'delivered')),
  shipped_at timestamptz not null,
  delivered_at timestamptz,
  delivered_by text,
  unique (carrier, tracking_number)
);
create index shipments_merchant on shipments (merchant_id, shipped_at);
create index shipments_tracking on shipments (tracking_number);

create table shipment_terminals (
  shipment_id text not null references shipments (id),
  terminal_id text not null references terminals (id),
  merchant_id text not null,
  primary key (shipment_id, terminal_id)
);
-- A terminal leaves stock once: it can be in one shipment only.
create unique index shipment_terminals_terminal on shipment_terminals (terminal_id);

create table firmware_releases (
  id text primary key,
  model_code text not null references device_models (code),
  version text not null,
  notes text not null default '',
  rollout_percent integer not null default 0 check (rollout_percent between 0 and 100),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (model_code, version)
);

create index terminals_replaced_by on terminals (replaced_by);
create index terminals_firmware on terminals (model_code, firmware_version);
