// On PostgreSQL: statements sent as a pipeline of named prepared statements mean what pg's own
// parameterized queries mean (random values of every kind the driver converts); concurrent
// statements in one transaction travel together and each caller gets its own result or the
// pipeline's error; each statement text is parsed once per connection, and a failed pipeline
// leaves no name half-prepared.
import fc from 'fast-check';
import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coalescingPool, concurrentViews, databaseTraffic } from '../src/platform/db/coalescing-pool.js';
import type { Database } from '../src/platform/db/schema.js';
import { createTestContext, testDbKind, type TestContext } from './harness.js';

let t: TestContext;
beforeAll(async () => { t = await createTestContext(); });
afterAll(async () => { await t.close(); });

describe.runIf(testDbKind() === 'postgres')('pipelined parameters', () => {
  let plain: pg.Client;
  beforeAll(async () => { plain = new pg.Client({ connectionString: t.database.url }); await plain.connect(); });
  afterAll(async () => { await plain.end(); });

  it('give the same values as pg\'s own parameterized queries, alone and in a pipeline of several', async () => {
    const noNul = (s: string) => !s.includes('\u0000');
    const cases = fc.oneof(
      fc.record({ type: fc.constant('text'), value: fc.string({ unit: 'binary' }).filter(noNul) }),
      fc.record({ type: fc.constant('bigint'), value: fc.maxSafeInteger() }),
      fc.record({ type: fc.constant('boolean'), value: fc.boolean() }),
      fc.record({ type: fc.constant('timestamptz'), value: fc.date({ min: new Date('1970-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }) }),
      fc.record({ type: fc.constant('jsonb'), value: fc.dictionary(fc.string().filter(noNul), fc.oneof(fc.integer(), fc.string().filter(noNul), fc.boolean())) }),
      fc.record({ type: fc.constant('text[]'), value: fc.array(fc.string().filter(noNul), { maxLength: 5 }) }),
      fc.record({ type: fc.constant('bytea'), value: fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)) }),
      fc.record({ type: fc.constant('text'), value: fc.constant(null) }),
    );
    await fc.assert(fc.asyncProperty(fc.array(cases, { minLength: 1, maxLength: 4 }), async (list) => {
      const texts = list.map(({ type }) => `select $1::${type} as v`);
      const expected: unknown[] = [];
      for (const [i, { value }] of list.entries()) expected.push((await plain.query(texts[i]!, [value])).rows[0].v);
      const alone = await t.ctx.db.executeQuery<{ v: unknown }>(CompiledQuery.raw(texts[0]!, [list[0]!.value]));
      expect(alone.rows[0]!.v).toEqual(expected[0]);
      const together = await t.ctx.db.transaction().execute(async (trx) => Promise.all((await concurrentViews(trx, list.length)).map(
        async (view, i) => (await view.executeQuery<{ v: unknown }>(CompiledQuery.raw(texts[i]!, [list[i]!.value]))).rows[0]!.v)));
      expect(together).toEqual(expected);
    }), { numRuns: 100 });
  });
});

describe.runIf(testDbKind() === 'postgres')('coalesced statements', () => {
  let db: Kysely<Database>;
  let messages = 0;
  beforeAll(() => {
    // Counts the messages the pool's clients send (a query call on the driver's client is one message).
    const pool = new pg.Pool({ connectionString: t.database.url, max: 1 });
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: unknown }).query = (...args: unknown[]) => { messages++; return query(...args); };
    });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: coalescingPool(pool) as unknown as pg.Pool }) });
  });
  afterAll(async () => { await db.destroy(); });

  it('sends concurrent statements of a transaction as one message, each caller getting its own rows', async () => {
    messages = 0;
    const traffic = { ...databaseTraffic };
    const rows = await db.transaction().execute(async (trx) => Promise.all((await concurrentViews(trx, 20)).map((view, i) =>
      sql<{ n: number; s: string }>`select ${i}::int as n, ${`it's ${i}`}::text as s`.execute(view).then((r) => r.rows[0]))));
    expect(rows).toEqual(Array.from({ length: 20 }, (_, i) => ({ n: i, s: `it's ${i}` })));
    // begin; the first statement (sent at once, the connection being idle); the 19 that queued
    // meanwhile, together; commit.
    expect(messages).toBe(4);
    // The pool's own count, which /metrics reports (jihuo_db_round_trips_total, jihuo_db_statements_total).
    expect([databaseTraffic.messages - traffic.messages, databaseTraffic.statements - traffic.statements]).toEqual([4, 22]);
  });

  it('rejects every statement of a message when one fails, and the transaction rolls back', async () => {
    await sql`create table if not exists coalesce_probe (id int primary key)`.execute(db);
    const outcome = await db.transaction().execute(async (trx) => {
      const views = await concurrentViews(trx, 4);
      // The first goes alone (the connection is idle); the other three travel together and the duplicate fails them all.
      const settled = await Promise.allSettled([1, 1, 2, 3].map((id, i) => sql`insert into coalesce_probe (id) values (${id})`.execute(views[i]!)));
      return settled.map((s) => s.status);
    }).catch((error: Error) => error.message);
    expect(outcome).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected']);
    const left = await sql<{ n: string }>`select count(*)::text as n from coalesce_probe`.execute(db);
    expect(left.rows[0]!.n).toBe('0'); // commit of an aborted transaction is a rollback
  });

  it('runs sequential statements one by one, with bound parameters', async () => {
    messages = 0;
    const value = await db.transaction().execute(async (trx) => {
      const a = await sql<{ v: number }>`select ${40}::int as v`.execute(trx);
      const b = await sql<{ v: number }>`select ${a.rows[0]!.v + 2}::int as v`.execute(trx);
      return b.rows[0]!.v;
    });
    expect(value).toBe(42);
    expect(messages).toBe(4);
  });

  it('parses each statement text once per connection and then only binds it', async () => {
    const text = `select $1::int + 1 as v /* prepared-probe */`;
    for (const n of [1, 2, 3]) {
      const r = await db.executeQuery<{ v: number }>(CompiledQuery.raw(text, [n]));
      expect(r.rows[0]!.v).toBe(n + 1);
    }
    const prepared = await db.executeQuery<{ n: string }>(CompiledQuery.raw(
      `select count(*)::text as n from pg_prepared_statements where statement like $1`, ['%prepared-probe%']));
    expect(prepared.rows[0]!.n).toBe('1');
  });

  it('after a failed pipeline, its statements prepare again under new names and run', async () => {
    await sql`create table if not exists coalesce_probe2 (id int primary key)`.execute(db);
    const insert = (view: Kysely<Database>, id: number) => sql`insert into coalesce_probe2 (id) values (${id}) /* retry-probe */`.execute(view);
    const failed = await db.transaction().execute(async (trx) => {
      const views = await concurrentViews(trx, 3);
      return (await Promise.allSettled([insert(views[0]!, 1), insert(views[1]!, 1), insert(views[2]!, 2)])).map((s) => s.status);
    }).catch((error: Error) => error.message);
    expect(failed).toEqual(['fulfilled', 'rejected', 'rejected']);
    // The same texts again, first alone then in a pipeline: no "prepared statement already exists".
    await db.transaction().execute(async (trx) => {
      const views = await concurrentViews(trx, 3);
      await Promise.all([insert(views[0]!, 1), insert(views[1]!, 2), insert(views[2]!, 3)]);
    });
    const left = await sql<{ ids: number[] }>`select array_agg(id order by id) as ids from coalesce_probe2`.execute(db);
    expect(left.rows[0]!.ids).toEqual([1, 2, 3]);
  });

  it('names at most preparedPerConnectionMax texts per connection; the rest go unnamed and still run', async () => {
    const pool = new pg.Pool({ connectionString: t.database.url, max: 1 });
    const small = new Kysely<Database>({ dialect: new PostgresDialect({ pool: coalescingPool(pool, { preparedPerConnectionMax: 2 }) as unknown as pg.Pool }) });
    try {
      for (const k of [1, 2, 3, 4]) {
        const r = await small.executeQuery<{ v: number }>(CompiledQuery.raw(`select $1::int * ${k} as v /* cap-probe */`, [10]));
        expect(r.rows[0]!.v).toBe(10 * k);
      }
      const prepared = await small.executeQuery<{ n: string }>(CompiledQuery.raw(
        `select count(*)::text as n from pg_prepared_statements where statement like $1`, ['%cap-probe%']));
      expect(prepared.rows[0]!.n).toBe('2');
    } finally {
      await small.destroy();
    }
  });
});
