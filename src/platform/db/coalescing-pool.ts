// A `pg` pool whose connections send the statements that are waiting on them together, as named
// prepared statements. Inside a transaction, code that runs several operations at once on the same
// transaction (the sale batcher runs a batch of sales concurrently in one transaction) issues
// statements while others are queued; `pg` would send them one after another, a round trip each.
// Here the statements queued when the connection is next free go as one pipeline of the extended
// protocol (Parse, Bind, Describe, Execute for each, one Sync at the end), and each caller gets
// its own statement's result: a batch of N sales costs about as many round trips as one sale.
// PostgreSQL runs the statements of one pipeline in order, in the open transaction; if one fails,
// the rest are not run and every caller in that pipeline gets the error (the transaction is
// aborted either way, as it would be one statement later).
//
// Each distinct statement text is parsed once per connection, under a name of its own, and then
// only bound and executed: PostgreSQL skips parsing and, once it settles on a generic plan,
// planning too (most of its work on a short statement). At most `preparedPerConnectionMax` texts
// are named per connection (statements with IN lists of many lengths would otherwise grow
// without bound); beyond that, and with JIHUO_DB_PREPARE=0 (a transaction-pooling PgBouncer in
// front), statements go unnamed, parsed each time, still pipelined.
//
// Sequential code sees no difference: a lone statement is a pipeline of one, and outside a
// transaction nothing is combined (statements of several callers in one pipeline would share an
// implicit transaction). Statements without parameters (BEGIN, COMMIT, a migration's script of
// several statements) go alone, as simple queries.
import { DummyDriver, SingleConnectionProvider, Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

/** Messages sent to PostgreSQL (each one round trip) and the statements they carried, since start: for metrics. */
export const databaseTraffic = { messages: 0, statements: 0 };

function sent(statements: number): void {
  databaseTraffic.messages++;
  databaseTraffic.statements += statements;
}

export interface CoalescingOptions {
  /** Statement texts prepared (named) per connection at most; 0 prepares none. */
  preparedPerConnectionMax?: number;
}

export const preparedPerConnectionMax = process.env.JIHUO_DB_PREPARE === '0' ? 0 : 2000;

interface Statement { sql: string; values: unknown[] }
interface Pending extends Statement { resolve(result: pg.QueryResult): void; reject(error: unknown): void }

/** The parts of pg's connection a pipeline writes to (pg/lib/connection.js). */
interface PgConnection {
  stream: { cork?(): void; uncork?(): void };
  parse(message: { text: string; name: string }): void;
  bind(message: { statement: string; values: unknown[] }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(message: { portal: string }): void;
  sync(): void;
}

type PipelineCallback = (error: Error | null, results?: pg.QueryResult | pg.QueryResult[]) => void;
// pg's Query keeps one result per statement answered (rows parsed with the client's type parsers)
// and calls back at ReadyForQuery, or at the first error; only how it is sent differs here.
// (Constructed from the text and the callback: pg copies a config object's property descriptors,
// which cost more than the rest of sending a short statement.)
const QueryBase = pg.Query as unknown as new (text: string, callback: PipelineCallback) => object;
const prepareValue = (pg as unknown as { utils: { prepareValue(value: unknown): unknown } }).utils.prepareValue;

/** Names of the statement texts prepared on one connection; a name is never reused for another text. */
class PreparedNames {
  readonly #names = new Map<string, string>();
  #next = 0;
  constructor(readonly max: number) {}

  /** The statements' names, and which of them this pipeline must parse first. */
  plan(statements: readonly Statement[]): { names: string[]; parse: boolean[]; fresh: Map<string, string> } {
    const fresh = new Map<string, string>();
    const names: string[] = [];
    const parse: boolean[] = [];
    for (const { sql } of statements) {
      let name = this.#names.get(sql) ?? fresh.get(sql);
      if (name !== undefined) { names.push(name); parse.push(false); continue; }
      if (this.#names.size + fresh.size < this.max) {
        name = `jihuo_${this.#next++}`;
        fresh.set(sql, name);
      }
      names.push(name ?? '');
      parse.push(true);
    }
    return { names, parse, fresh };
  }

  /** After a pipeline succeeded: its new names are prepared. (After a failure they are dropped, never reused.) */
  keep(fresh: Map<string, string>): void {
    for (const [sql, name] of fresh) this.#names.set(sql, name);
  }
}

/** Statements as one extended-protocol pipeline on pg's connection. */
class Pipeline extends QueryBase {
  readonly #statements: readonly Statement[];
  readonly #plan: ReturnType<PreparedNames['plan']>;

  constructor(statements: readonly Statement[], plan: ReturnType<PreparedNames['plan']>, callback: PipelineCallback) {
    super(statements[0]!.sql, callback);
    this.#statements = statements;
    this.#plan = plan;
  }

  submit(connection: PgConnection): Error | null {
    // Values are converted before anything is written, so a value pg cannot send fails this
    // pipeline alone and leaves nothing half-sent on the connection.
    let values: unknown[][];
    try {
      values = this.#statements.map((s) => s.values.map((v) => prepareValue(v)));
    } catch (error) {
      return error as Error;
    }
    connection.stream.cork?.();
    try {
      this.#statements.forEach((statement, i) => {
        const name = this.#plan.names[i]!;
        if (this.#plan.parse[i]) connection.parse({ text: statement.sql, name });
        connection.bind({ statement: name, values: values[i]! });
        connection.describe({ type: 'P', name: '' });
        connection.execute({ portal: '' });
      });
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }
}

/** Wraps one pooled client: queries in a transaction are queued and sent together when the client is free. */
class CoalescingClient {
  #inTransaction = false;
  #queue: Pending[] = [];
  #busy = false;
  #scheduled = false;
  readonly #prepared: PreparedNames;

  constructor(readonly client: pg.PoolClient, options: CoalescingOptions) {
    this.#prepared = new PreparedNames(options.preparedPerConnectionMax ?? preparedPerConnectionMax);
  }

  release(error?: Error | boolean): void {
    this.#inTransaction = false;
    this.client.release(error);
  }

  query(sql: string, values: unknown[] = []): Promise<pg.QueryResult> {
    const command = /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase();
    if (!this.#inTransaction && this.#queue.length === 0 && !this.#busy) {
      sent(1);
      if (values.length > 0) return this.#pipeline([{ sql, values }]).then((results) => results[0]!);
      if (command === 'begin' || command === 'start') {
        return this.client.query(sql).then((result) => { this.#inTransaction = true; return result; });
      }
      return this.client.query(sql);
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

  /** The statements in one round trip, a result each (or the pipeline's error). */
  #pipeline(statements: readonly Statement[]): Promise<pg.QueryResult[]> {
    const plan = this.#prepared.plan(statements);
    return new Promise((resolve, reject) => {
      void this.client.query(new Pipeline(statements, plan, (error, answer) => {
        if (error) { reject(error); return; }
        const results = Array.isArray(answer) ? answer : [answer!];
        if (results.length !== statements.length) {
          reject(new Error(`Expected ${statements.length} results from a pipeline, got ${results.length}`));
          return;
        }
        this.#prepared.keep(plan.fresh);
        resolve(results);
      }) as unknown as pg.QueryConfig);
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
      if (batch[0]!.values.length === 0) {
        batch[0]!.resolve(await this.client.query(batch[0]!.sql));
      } else {
        const results = await this.#pipeline(batch);
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
export function coalescingPool(pool: pg.Pool, options: CoalescingOptions = {}): { connect(): Promise<CoalescingClient>; end(): Promise<void> } {
  const wrappers = new WeakMap<pg.PoolClient, CoalescingClient>();
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) { wrapper = new CoalescingClient(client, options); wrappers.set(client, wrapper); }
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
