// A `pg` pool whose connections send the statements that are waiting on them together. Inside a
// transaction, code that runs several operations at once on the same transaction (the sale batcher
// runs a batch of sales concurrently in one transaction) issues statements while others are queued;
// `pg` would send them one after another, a round trip each. Here the statements queued when the
// connection is next free go as one simple query (parameters written in as literals by
// inline-parameters.ts), and each caller gets its own statement's result: a batch of N sales costs
// about as many round trips as one sale. PostgreSQL runs the statements of one message in order,
// in the open transaction; if one fails, the rest are not run and every caller in that message gets
// the error (the transaction is aborted either way, as it would be one statement later).
//
// Sequential code sees no difference: a lone statement goes as an ordinary parameterized query, and
// outside a transaction nothing is combined (statements of several callers in one message would
// share an implicit transaction).
import { DummyDriver, SingleConnectionProvider, Transaction } from 'kysely';
import pg from 'pg';
import { inlineParameters } from './inline-parameters.js';
import type { Database } from './schema.js';

/** Tests only: every parameterized statement in a transaction goes the combined way, even alone. */
const forceInline = process.env.JIHUO_DB_INLINE_ALL === '1';

/** Messages sent to PostgreSQL (each one round trip) and the statements they carried, since start: for metrics. */
export const databaseTraffic = { messages: 0, statements: 0 };

function sent(statements: number): void {
  databaseTraffic.messages++;
  databaseTraffic.statements += statements;
}

interface Pending { sql: string; values: unknown[]; resolve(result: pg.QueryResult): void; reject(error: unknown): void }

/** Wraps one pooled client: queries in a transaction are queued and sent together when the client is free. */
class CoalescingClient {
  #inTransaction = false;
  #queue: Pending[] = [];
  #busy = false;
  #scheduled = false;

  constructor(readonly client: pg.PoolClient) {}

  release(error?: Error | boolean): void {
    this.#inTransaction = false;
    this.client.release(error);
  }

  query(sql: string, values: unknown[] = []): Promise<pg.QueryResult> {
    const command = /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase();
    if (!this.#inTransaction && this.#queue.length === 0 && !this.#busy) {
      sent(1);
      if (command === 'begin' || command === 'start') {
        return this.client.query(sql, values).then((result) => { this.#inTransaction = true; return result; });
      }
      return this.client.query(sql, values);
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({
        sql, values,
        resolve: (result) => {
          if (command === 'commit' || command === 'rollback' || command === 'end' || command === 'abort') this.#inTransaction = false;
          resolve(result);
        },
        reject,
      });
      // An idle connection sends at once (sequential code never waits); statements that arrive
      // while one is in flight go together when it returns.
      if (!this.#busy && !this.#scheduled) void this.#flush();
    });
  }

  #schedule(): void {
    if (this.#busy || this.#scheduled || this.#queue.length === 0) return;
    this.#scheduled = true;
    // After the callers resumed by the last answer have queued their next statements too.
    setImmediate(() => { this.#scheduled = false; void this.#flush(); });
  }

  async #flush(): Promise<void> {
    if (this.#busy || this.#queue.length === 0) return;
    this.#busy = true;
    // The longest run of parameterized statements from the head of the queue: a statement with
    // parameters is always exactly one statement, while parameterless text (a migration) may hold
    // several and goes alone.
    let take = 1;
    if (this.#queue[0]!.values.length > 0) while (take < this.#queue.length && this.#queue[take]!.values.length > 0) take++;
    const batch = this.#queue.splice(0, take);
    sent(batch.length);
    try {
      if (batch.length === 1 && (!forceInline || batch[0]!.values.length === 0)) {
        const only = batch[0]!;
        only.resolve(await this.client.query(only.sql, only.values));
      } else {
        const text = batch.map((p) => inlineParameters(p.sql, p.values)).join(';\n');
        const answer = await this.client.query(text) as unknown as pg.QueryResult | pg.QueryResult[];
        const results = Array.isArray(answer) ? answer : [answer];
        if (results.length !== batch.length) throw new Error(`Expected ${batch.length} results from a combined query, got ${results.length}`);
        batch.forEach((p, i) => p.resolve(results[i]!));
      }
    } catch (error) {
      for (const p of batch) p.reject(error);
    } finally {
      this.#busy = false;
      this.#schedule();
    }
  }
}

/** The `pool` for Kysely's PostgresDialect: the same pg.Pool, with coalescing clients. */
export function coalescingPool(pool: pg.Pool): { connect(): Promise<CoalescingClient>; end(): Promise<void> } {
  const wrappers = new WeakMap<pg.PoolClient, CoalescingClient>();
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) { wrapper = new CoalescingClient(client); wrappers.set(client, wrapper); }
      return wrapper;
    },
    end: () => pool.end(),
  };
}

/**
 * `count` views of one open transaction that may run statements at the same time: Kysely runs a
 * transaction's statements one at a time, so concurrent work on one transaction (a batch of sales)
 * gets a view each. Each view keeps its own statements in order; the views' statements meet on
 * the connection and travel together (PostgreSQL) or queue (PGlite). No savepoints on a view.
 */
export async function concurrentViews(trx: Transaction<Database>, count: number): Promise<Transaction<Database>[]> {
  const executor = trx.getExecutor();
  const connection = await executor.provideConnection(async (c) => c);
  const root = transactionOf(trx);
  return Array.from({ length: count }, () => {
    const view = new Transaction<Database>({
      config: {} as never, driver: new DummyDriver(), dialect: {} as never,
      executor: executor.withConnectionProvider(new SingleConnectionProvider(connection)),
    });
    viewRoots.set(view, root);
    return view;
  });
}

const viewRoots = new WeakMap<object, object>();

/**
 * The transaction an executor belongs to: for a view, the transaction it views; else the executor
 * itself. Per-transaction state (the audit lane a transaction holds) is kept on this, so the views
 * of one transaction share it.
 */
export function transactionOf(executor: object): object {
  return viewRoots.get(executor) ?? executor;
}
