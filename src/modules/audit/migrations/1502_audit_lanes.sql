-- The audit log is hash-chained in lanes (src/platform/audit.ts): each row links to the previous row
-- of its lane, and a transaction appending to the log holds only its lane's lock until it commits,
-- so audited writes (every code redemption, every KYC decision) no longer queue behind one lock for
-- the whole platform. Rows written before this migration form lane 0, unchanged.
alter table audit_log add column lane smallint not null default 0;
create index audit_log_lane on audit_log (lane, seq);
