-- The notice of one announcement on one terminal (SPEC §11: every message carries a notice code).
-- The terminal shows an announcement while it is active, always with the same code; the first
-- showing writes the outbox message (channel terminal) that GET /v1/public/notices/{code} confirms.
-- The code is kept in clear, as terminal_messages keeps it, because the screen shows it again.

create table announcement_terminal_notices (
  announcement_id text not null references announcements (id),
  terminal_id text not null references terminals (id),
  merchant_id text not null references merchants (id),
  notice_code text not null,
  message_id text not null,
  created_at timestamptz not null,
  primary key (announcement_id, terminal_id)
);
create index announcement_terminal_notices_merchant on announcement_terminal_notices (merchant_id);
