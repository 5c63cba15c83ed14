// Prometheus metrics: one registry per application instance.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { databaseTraffic } from '../db/coalescing-pool.js';

/** A counter that reports a running total kept elsewhere (the database pool's traffic). */
function totalCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name, help, registers: [registry],
    collect() { this.reset(); this.inc(read()); },
  });
}

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'jihuo_http_requests_total', help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'], registers: [registry],
  });
  const duration = new Histogram({
    name: 'jihuo_http_request_duration_seconds', help: 'HTTP request duration',
    labelNames: ['method', 'route'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  totalCounter(registry, 'jihuo_db_round_trips_total', 'Messages sent to a PostgreSQL server (one round trip each)', () => databaseTraffic.messages);
  totalCounter(registry, 'jihuo_db_statements_total', 'Statements sent to a PostgreSQL server (several may share one round trip)', () => databaseTraffic.statements);
  return {
    registry,
    observe(method: string, route: string, status: number, elapsedMs: number) {
      requests.inc({ method, route, status: String(status) });
      duration.observe({ method, route }, elapsedMs / 1000);
    },
  };
}
