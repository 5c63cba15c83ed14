// Proves per-transaction reads: one read per transaction shared by its concurrent views, a fresh
// read in the next transaction and outside transactions, a forgotten read made again, and a failed
// read not kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concurrentViews } from '../src/platform/db/coalescing-pool.js';
import { forgetInTransaction, oncePerTransaction } from '../src/platform/db/transaction-memo.js';
import { createTestContext, type TestContext } from './harness.js';

let t: TestContext;
beforeAll(async () => { t = await createTestContext(); });
afterAll(async () => { await t.close(); });

describe('oncePerTransaction', () => {
  it('reads once per transaction, shared by its views; again in the next one and outside any', async () => {
    let reads = 0;
    const read = async () => ++reads;
    const inFirst = await t.ctx.db.transaction().execute(async (trx) => {
      const views = await concurrentViews(trx, 4);
      return Promise.all([trx, ...views].map((x) => oncePerTransaction(x, 'k', read)));
    });
    expect(inFirst).toEqual([1, 1, 1, 1, 1]);
    const inSecond = await t.ctx.db.transaction().execute(async (trx) => [await oncePerTransaction(trx, 'k', read), await oncePerTransaction(trx, 'k', read)]);
    expect(inSecond).toEqual([2, 2]);
    expect([await oncePerTransaction(t.ctx.db, 'k', read), await oncePerTransaction(t.ctx.db, 'k', read)]).toEqual([3, 4]);
  });

  it('reads again after forgetInTransaction, and does not keep a failed read', async () => {
    let reads = 0;
    const answers = await t.ctx.db.transaction().execute(async (trx) => {
      const first = await oncePerTransaction(trx, 'k', async () => ++reads);
      forgetInTransaction(trx, 'k');
      const second = await oncePerTransaction(trx, 'k', async () => ++reads);
      await expect(oncePerTransaction(trx, 'bad', async () => { throw new Error('read failed'); })).rejects.toThrow('read failed');
      const retried = await oncePerTransaction(trx, 'bad', async () => 'ok');
      return [first, second, retried];
    });
    expect(answers).toEqual([1, 2, 'ok']);
  });
});
