-- Commit-safe asynchronous risk evaluation (SPEC §10). The sale's own transaction enqueues it, so
-- a row becomes claimable exactly when it commits, whatever its timestamp: a sale committed late,
-- or stamped by a clock that moved back, is still evaluated. Workers on several instances claim
-- rows with FOR UPDATE SKIP LOCKED and delete them in the evaluation's transaction. The location a
-- sale reported (optional) travels with it, for the location rule.
create table risk_queue (
  seq bigint generated always as identity primary key,
  transaction_id text not null unique,
  merchant_id text not null,
  terminal_id text not null,
  city_code text,
  lat double precision,
  lng double precision,
  enqueued_at timestamptz not null
);

-- Sales the old created_at cursor had not reached yet are queued; the cursor goes.
insert into risk_queue (transaction_id, merchant_id, terminal_id, enqueued_at)
select t.id, t.merchant_id, t.terminal_id, t.created_at from transactions t
where t.kind = 'sale' and not t.training
  and not exists (select 1 from risk_cursor c where c.name = 'transactions'
    and (t.created_at < c.last_created_at or (t.created_at = c.last_created_at and t.id <= c.last_id)))
order by t.created_at, t.id;
drop table risk_cursor;

-- Keyset cursors of scans that visit every row in turn (the heartbeat pass over terminals).
create table risk_scan_cursors (
  name text primary key,
  last_id text not null
);

-- The part of each merchant's risk level that comes from risk hits, kept current when hits are
-- recorded or reviewed (and when a counted hit leaves the window: valid_until). Campaign filters
-- combine it with the KYC level (merchants.risk_level) to the derived level.
create table merchant_risk_levels (
  merchant_id text primary key,
  hit_level text not null check (hit_level in ('low', 'medium', 'high')),
  recent_hits integer not null,
  confirmed_hits integer not null,
  severe_hits integer not null,
  valid_until timestamptz,
  updated_at timestamptz not null
);
create index merchant_risk_levels_due on merchant_risk_levels (valid_until) where valid_until is not null;
