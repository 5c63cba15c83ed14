-- Request rate limits shared by every server instance (SPEC §15: cross-instance state lives in the
-- database): one counter per limited route and client key, in a window that starts at its first
-- request (as @fastify/rate-limit's in-process store does).
create table rate_limit_counters (
  scope text not null,
  key text not null,
  window_started_ms bigint not null,
  count integer not null,
  primary key (scope, key)
);
create index rate_limit_counters_window on rate_limit_counters (window_started_ms);
