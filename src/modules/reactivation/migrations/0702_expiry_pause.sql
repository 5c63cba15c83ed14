-- Time a blocked case spent disputed (a scam report, SPEC §7) does not count toward its expiry:
-- the milliseconds paused are added up here when an operator confirms the case genuine.
alter table reactivation_cases add column blocked_paused_ms bigint not null default 0;
