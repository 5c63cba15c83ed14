-- Re-activation (SPEC §7): cases per terminal with their steps, advance-warning dedupe, and
-- campaigns that open cases at a bounded rate from the database (any instance may continue one).

create table reactivation_campaigns (
  id text primary key,
  name text not null,
  reason text not null,
  note text,
  filter jsonb not null default '{}',
  status text not null default 'running'
    check (status in ('running', 'paused', 'cancelled', 'completed')),
  rate_per_hour integer not null check (rate_per_hour > 0),
  total_count integer not null default 0,
  opened_count integer not null default 0,
  skipped_count integer not null default 0,
  cursor_terminal_id text,
  window_started_at timestamptz,
  window_opened_count integer not null default 0,
  created_by_kind text not null,
  created_by_id text,
  started_at timestamptz not null,
  finished_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index reactivation_campaigns_status on reactivation_campaigns (status, updated_at);

create table reactivation_cases (
  id text primary key,
  terminal_id text not null references terminals (id),
  merchant_id text,
  reason text not null,
  policy text not null check (policy in ('blocking', 'grace')),
  status text not null default 'open'
    check (status in ('open', 'in_progress', 'completed', 'expired', 'cancelled')),
  note text,
  evidence_merchant jsonb not null default '{}',
  evidence_internal jsonb not null default '{}',
  deadline timestamptz,
  blocks_at timestamptz,
  blocked_at timestamptz,
  effective_at timestamptz,
  needs_code boolean not null default false,
  key_rotation_pending boolean not null default false,
  trigger_key text,
  campaign_id text references reactivation_campaigns (id),
  replaces_case_id text,
  opened_by_kind text not null,
  opened_by_id text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  closed_at timestamptz
);
-- One open case per terminal at a time.
create unique index reactivation_cases_one_open on reactivation_cases (terminal_id)
  where status in ('open', 'in_progress');
-- A campaign opens at most one case per terminal, whichever instance runs it.
create unique index reactivation_cases_campaign on reactivation_cases (campaign_id, terminal_id)
  where campaign_id is not null;
-- Sweeps (expired documents, periodic checks) open one case per trigger.
create unique index reactivation_cases_trigger on reactivation_cases (terminal_id, trigger_key)
  where trigger_key is not null;
create index reactivation_cases_merchant on reactivation_cases (merchant_id, created_at);
create index reactivation_cases_blocks on reactivation_cases (status, blocks_at);
create index reactivation_cases_deadline on reactivation_cases (status, deadline);
create index reactivation_cases_rotation on reactivation_cases (terminal_id) where key_rotation_pending;

create table reactivation_steps (
  case_id text not null references reactivation_cases (id),
  kind text not null,
  position integer not null,
  merchant_id text,
  status text not null default 'pending' check (status in ('pending', 'completed')),
  completed_at timestamptz,
  completed_by_kind text,
  completed_by_id text,
  code_hash text,
  code_expires_at timestamptz,
  code_attempts integer not null default 0,
  primary key (case_id, kind)
);

create table reactivation_notices (
  case_id text not null references reactivation_cases (id),
  kind text not null,
  merchant_id text,
  sent_at timestamptz not null,
  primary key (case_id, kind)
);
