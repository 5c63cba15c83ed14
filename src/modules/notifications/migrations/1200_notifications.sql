-- Notifications (SPEC §11): the outbox of messages to merchants, each with a notice code (stored
-- only as a keyed hash), its delivery attempts, and webhooks to partner systems with their own
-- outbox of deliveries. Workers claim rows with FOR UPDATE SKIP LOCKED and a lease
-- (claimed_until), so several instances deliver each row once and a crashed worker's claim expires.

create table notification_messages (
  id text primary key,
  merchant_id text not null,
  terminal_id text,
  channel text not null check (channel in ('sms', 'email', 'inbox', 'terminal')),
  template text not null,
  locale text not null,
  subject text not null,
  -- The rendered text may carry a one-time code, so it is sealed at rest.
  body_enc text not null,
  recipient_mask text not null,
  recipient_enc text,
  notice_code_hash text not null unique,
  status text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null,
  claimed_until timestamptz,
  claimed_by text,
  last_error text,
  provider_message_id text,
  created_at timestamptz not null,
  sent_at timestamptz,
  failed_at timestamptz,
  read_at timestamptz
);
create index notification_messages_due on notification_messages (next_attempt_at) where status = 'pending';
create index notification_messages_merchant on notification_messages (merchant_id, channel, created_at desc, id desc);
create index notification_messages_terminal on notification_messages (terminal_id, created_at) where channel = 'terminal';
create index notification_messages_created on notification_messages (created_at desc, id desc);

create table notification_attempts (
  id bigint generated always as identity primary key,
  message_id text not null references notification_messages (id),
  merchant_id text not null,
  attempt integer not null,
  at timestamptz not null,
  outcome text not null check (outcome in ('sent', 'error')),
  provider text not null,
  error text
);
create index notification_attempts_message on notification_attempts (message_id, attempt);

create table webhook_endpoints (
  id text primary key,
  url text not null,
  description text not null default '',
  event_types jsonb not null,
  secret_enc text not null,
  status text not null default 'active' check (status in ('active', 'disabled', 'deleted')),
  created_by text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

create table webhook_events (
  id text primary key,
  type text not null,
  merchant_id text,
  payload text not null,
  created_at timestamptz not null
);
create index webhook_events_created on webhook_events (created_at desc);

create table webhook_deliveries (
  id text primary key,
  event_id text not null references webhook_events (id),
  endpoint_id text not null references webhook_endpoints (id),
  merchant_id text,
  event_type text not null,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null,
  claimed_until timestamptz,
  claimed_by text,
  last_status_code integer,
  last_error text,
  created_at timestamptz not null,
  delivered_at timestamptz,
  failed_at timestamptz
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_endpoint on webhook_deliveries (endpoint_id, created_at desc, id desc);
create index webhook_deliveries_created on webhook_deliveries (created_at desc, id desc);

create table webhook_attempts (
  id bigint generated always as identity primary key,
  delivery_id text not null references webhook_deliveries (id),
  attempt integer not null,
  at timestamptz not null,
  status_code integer,
  error text,
  duration_ms integer not null
);
create index webhook_attempts_delivery on webhook_attempts (delivery_id, attempt);
