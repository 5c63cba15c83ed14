-- Support tickets, announcements and opt-ins (SPEC §12, §7 "I did not expect this").

create table tickets (
  id text primary key,
  merchant_id text not null references merchants (id),
  terminal_id text references terminals (id),
  category text not null check (category in ('activation', 'reactivation', 'transaction', 'settlement', 'deposit',
    'device', 'account', 'fraud', 'other')),
  priority text not null check (priority in ('low', 'normal', 'high', 'urgent')),
  status text not null default 'open' check (status in ('open', 'pending_merchant', 'pending_ops', 'resolved', 'closed')),
  source text not null check (source in ('portal', 'hotline', 'auto')),
  subject text not null,
  fraud boolean not null default false,
  assignee_id text,
  related_case_id text,
  related_notice text,
  sla_due_at timestamptz not null,
  first_response_at timestamptz,
  resolved_at timestamptz,
  closed_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index tickets_merchant on tickets (merchant_id, created_at);
create index tickets_queue on tickets (status, priority, sla_due_at);

create table ticket_messages (
  id bigserial primary key,
  ticket_id text not null references tickets (id),
  merchant_id text not null,
  author_kind text not null,
  author_id text,
  visibility text not null check (visibility in ('merchant', 'internal')),
  body text not null,
  created_at timestamptz not null
);
create index ticket_messages_ticket on ticket_messages (ticket_id, id);

create table announcements (
  id text primary key,
  kind text not null check (kind in ('maintenance', 'firmware', 'update', 'general')),
  title_zh text not null,
  title_en text not null,
  body_zh text not null,
  body_en text not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  filter jsonb not null default '{}',
  channels jsonb not null default '["portal", "terminal"]',
  status text not null default 'draft' check (status in ('draft', 'published', 'withdrawn')),
  published_at timestamptz,
  created_by text,
  created_at timestamptz not null,
  check (ends_at > starts_at)
);
create index announcements_window on announcements (status, starts_at, ends_at);

-- Merchants who want announcements by SMS or email (portal and terminal always show them).
create table announcement_opt_ins (
  merchant_id text not null references merchants (id),
  channel text not null check (channel in ('sms', 'email')),
  created_at timestamptz not null,
  primary key (merchant_id, channel)
);

-- One SMS/email per announcement and merchant, sent once the window is open.
create table announcement_deliveries (
  announcement_id text not null references announcements (id),
  merchant_id text not null,
  channel text not null,
  sent_at timestamptz not null,
  primary key (announcement_id, merchant_id, channel)
);
