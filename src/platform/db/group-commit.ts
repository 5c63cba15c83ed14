// Group commit: concurrent requests of one kind (sales) share a database transaction. While a batch
// runs, new requests queue; the next batch takes every queued request (up to `maxBatch`) and runs
// them at once in one transaction, each on its own view of it (concurrentViews), so their
// statements travel together (coalescing-pool.ts) and one COMMIT covers them all. At low load a
// request starts a batch of its own at once: nothing waits for a batch to fill.
//
// Requests with the same `key` (a terminal) never share a batch or run in two batches at once: a
// terminal's sales keep their order and its row locks and per-terminal limits work as they do for
// one sale. When any request of a batch fails, the whole batch rolls back and each request runs
// again alone, in its own transaction, so one bad request never fails the others and a failed
// request leaves nothing behind, exactly as without batching.
import type { Db, Executor } from './schema.js';
import { concurrentViews } from './coalescing-pool.js';

export interface GroupCommitOptions {
  /** Most requests in one transaction. */
  maxBatch: number;
  /** Batches running at once (each holds one pooled connection). */
  maxConcurrent: number;
}

interface Queued<T, R> { item: T; key: string; resolve(value: R): void; reject(error: unknown): void }

class BatchMemberFailed extends Error {}

export class GroupCommitter<T, R> {
  #queue: Queued<T, R>[] = [];
  #running = 0;
  #busyKeys = new Set<string>();
  /** Batches run and requests they carried, for metrics and tests. */
  readonly stats = { batches: 0, batched: 0, retriedAlone: 0 };

  constructor(
    private readonly db: Db,
    private readonly options: GroupCommitOptions,
    /** One request's work inside `trx`. Throwing fails that request (and, in a batch, retries it alone). */
    private readonly run: (trx: Executor, item: T) => Promise<R>,
  ) {}

  /** Runs `item` in a shared transaction; `key` keeps requests for the same thing apart. */
  submit(key: string, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, key, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#running < this.options.maxConcurrent && this.#queue.length > 0) {
      const batch: Queued<T, R>[] = [];
      const keys = new Set<string>();
      const waiting: Queued<T, R>[] = [];
      for (const queued of this.#queue) {
        if (batch.length < this.options.maxBatch && !keys.has(queued.key) && !this.#busyKeys.has(queued.key)) {
          batch.push(queued);
          keys.add(queued.key);
        } else {
          waiting.push(queued);
        }
      }
      if (batch.length === 0) return;
      this.#queue = waiting;
      this.#running++;
      for (const key of keys) this.#busyKeys.add(key);
      void this.#runBatch(batch).finally(() => {
        this.#running--;
        for (const key of keys) this.#busyKeys.delete(key);
        this.#pump();
      });
    }
  }

  async #runBatch(batch: Queued<T, R>[]): Promise<void> {
    this.stats.batches++;
    this.stats.batched += batch.length;
    if (batch.length === 1) {
      await this.#runAlone(batch[0]!);
      return;
    }
    let results: R[];
    try {
      results = await this.db.transaction().execute(async (trx) => {
        const views = await concurrentViews(trx, batch.length);
        // Every member finishes before the transaction ends (none may still be writing at COMMIT or ROLLBACK).
        const settled = await Promise.allSettled(batch.map((queued, i) => this.run(views[i]!, queued.item)));
        if (settled.some((s) => s.status === 'rejected')) throw new BatchMemberFailed();
        return settled.map((s) => (s as PromiseFulfilledResult<R>).value);
      });
    } catch {
      // A member failed (or the database did): nothing of the batch was kept; each runs alone.
      this.stats.retriedAlone += batch.length;
      await Promise.all(batch.map((queued) => this.#runAlone(queued)));
      return;
    }
    batch.forEach((queued, i) => queued.resolve(results[i]!));
  }

  async #runAlone(queued: Queued<T, R>): Promise<void> {
    try {
      queued.resolve(await this.db.transaction().execute((trx) => this.run(trx, queued.item)));
    } catch (error) {
      queued.reject(error);
    }
  }
}
