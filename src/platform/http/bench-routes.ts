// Bench-only routes, registered only with JIHUO_BENCH_ROUTES=1: the baseline of the tx-path and
// activation benchmarks, one INSERT per request through the same pool (issue 14).
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import type { JihuoApp } from '../module.js';
import { Strict, Type } from './schema.js';

export async function registerBenchRoutes(app: JihuoApp, ctx: AppContext): Promise<void> {
  await sql`create table if not exists bench_inserts (
    id bigserial primary key, payload text not null, created_at timestamptz not null default now())`.execute(ctx.db);
  app.post('/v1/bench/insert', {
    schema: { tags: ['bench'], summary: 'Benchmark baseline: one INSERT per request', hide: true, body: Strict({ payload: Type.String({ maxLength: 1000 }) }) },
    config: { access: { public: true } },
  }, async (request, reply) => {
    await sql`insert into bench_inserts (payload) values (${request.body.payload})`.execute(ctx.db);
    return reply.status(201).send({ ok: true });
  });
}
