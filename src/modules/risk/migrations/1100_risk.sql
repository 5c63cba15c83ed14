-- Risk rules over the transaction stream and heartbeats (SPEC §10): configurable, versioned,
-- each hit stored with its evidence and the rule version that produced it.

create table risk_rules (
  id text primary key,
  kind text not null check (kind in ('velocity', 'large_after_activation', 'round_amounts', 'declines_burst',
    'night_activity', 'location_mismatch')),
  name text not null,
  enabled boolean not null default true,
  action text not null check (action in ('flag', 'decline', 'open_risk_case', 'open_relocation_case')),
  params jsonb not null,
  version integer not null default 1,
  updated_by text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

create table risk_rule_versions (
  rule_id text not null references risk_rules (id),
  version integer not null,
  enabled boolean not null,
  action text not null,
  params jsonb not null,
  changed_by text,
  changed_at timestamptz not null,
  primary key (rule_id, version)
);

create table risk_hits (
  id text primary key,
  rule_id text not null references risk_rules (id),
  rule_version integer not null,
  kind text not null,
  merchant_id text not null,
  terminal_id text,
  action text not null,
  -- One hit per rule, terminal and window: a burst of matching transactions is one hit.
  dedupe_key text not null unique,
  evidence jsonb not null,
  merchant_visible jsonb not null default '{}',
  status text not null default 'open' check (status in ('open', 'approved', 'dismissed', 'actioned')),
  case_id text,
  review_note text,
  reviewed_by text,
  reviewed_at timestamptz,
  created_at timestamptz not null
);
create index risk_hits_queue on risk_hits (status, created_at);
create index risk_hits_merchant on risk_hits (merchant_id, created_at);

-- Where the asynchronous evaluation of the transaction stream has got to.
create table risk_cursor (
  name text primary key,
  last_created_at timestamptz not null,
  last_id text not null
);
