-- Outcome of the verification provider's checks (SPEC §3), kept so a verified field is never
-- asked for again unless it changes.
alter table merchants add column identity_check text
  check (identity_check in ('pass', 'fail', 'unavailable'));
alter table merchants add column identity_checked_at timestamptz;
alter table merchants add column account_check text
  check (account_check in ('pass', 'fail', 'unavailable'));
alter table merchants add column account_checked_at timestamptz;
alter table merchants add column review_note text;
