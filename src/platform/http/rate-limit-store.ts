// The store behind @fastify/rate-limit: counters live in the database, so several server
// instances behind one balancer share each client's limit (SPEC §15) instead of each instance
// allowing the full amount. One upsert per limited request; the window starts at a client's first
// request and restarts once it has passed. Times are the real wall clock, never the test clock.
import { sql } from 'kysely';
import type { Executor } from '../db/schema.js';

/** Counters whose window ended this long ago are deleted by an occasional sweep. */
export const rateLimitCounterRetentionMs = 24 * 3_600_000;
/** About one limited request in this many also sweeps old counters (bounded work per request). */
const sweepEveryRequests = 500;

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

interface RouteOptions { routeInfo?: { method?: string | string[]; url?: string } }

/** A store class bound to `db`, as @fastify/rate-limit expects (`store: Class`, then `child` per route). */
export function databaseRateLimitStore(db: Executor) {
  return class DatabaseRateLimitStore {
    private readonly scope: string;

    /** The plugin constructs the root store with its options; `child` passes the route's scope. */
    constructor(_options?: unknown, scope = 'global') {
      this.scope = scope;
    }

    incr(key: string, callback: Callback, timeWindowMs: number): void {
      const now = Date.now();
      void count(db, this.scope, key, now, timeWindowMs).then(
        (row) => callback(null, { current: row.count, ttl: Math.max(0, row.windowStartedMs + timeWindowMs - now) }),
        (error: Error) => callback(error),
      );
    }

    // At run time the plugin passes the route's merged limit options with `routeInfo`.
    child(options: object): DatabaseRateLimitStore {
      const route = (options as RouteOptions).routeInfo;
      const method = Array.isArray(route?.method) ? route.method.join(',') : route?.method ?? '';
      return new DatabaseRateLimitStore(undefined, `${method} ${route?.url ?? ''}`.trim() || 'global');
    }
  };
}

async function count(db: Executor, scope: string, key: string, now: number, windowMs: number): Promise<{ count: number; windowStartedMs: number }> {
  const expired = sql<boolean>`rate_limit_counters.window_started_ms + ${windowMs} <= ${now}`;
  const result = await sql<{ count: number; window_started_ms: string }>`
    insert into rate_limit_counters (scope, key, window_started_ms, count) values (${scope}, ${key}, ${now}, 1)
    on conflict (scope, key) do update set
      count = case when ${expired} then 1 else rate_limit_counters.count + 1 end,
      window_started_ms = case when ${expired} then ${now} else rate_limit_counters.window_started_ms end
    returning count, window_started_ms`.execute(db);
  if (Math.floor(Math.random() * sweepEveryRequests) === 0) {
    await db.deleteFrom('rate_limit_counters').where('window_started_ms', '<', now - rateLimitCounterRetentionMs).execute();
  }
  const row = result.rows[0]!;
  return { count: Number(row.count), windowStartedMs: Number(row.window_started_ms) };
}
