-- The audit log viewer (GET /v1/audit) filters by action, actor and time, newest first; these
-- indexes keep those pages cheap as the append-only log grows.
create index audit_log_action on audit_log (action, seq);
create index audit_log_actor on audit_log (actor_id, seq);
create index audit_log_at on audit_log (at);
