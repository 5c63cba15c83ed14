// Proves group commit: concurrent requests share transactions (one txid per batch), requests with
// the same key never share one, and a failing member rolls its batch back so every other member
// runs again alone and commits, while the failing one leaves nothing behind.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupCommitter } from '../src/platform/db/group-commit.js';
import type { Executor } from '../src/platform/db/schema.js';
import { createTestContext, type TestContext } from './harness.js';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  await sql`create table group_commit_probe (id text primary key, txid text not null)`.execute(t.ctx.db);
});
afterAll(async () => { await t.close(); });

async function write(trx: Executor, id: string): Promise<string> {
  const txid = (await sql<{ txid: string }>`select txid_current()::text as txid`.execute(trx)).rows[0]!.txid;
  if (id.startsWith('bad')) throw new Error(`refused ${id}`);
  await sql`insert into group_commit_probe (id, txid) values (${id}, ${txid})`.execute(trx);
  return txid;
}

describe('group commit', () => {
  it('runs concurrent requests in shared transactions, at most maxBatch each', async () => {
    const committer = new GroupCommitter(t.ctx.db, { maxBatch: 8, maxConcurrent: 1 }, write);
    const ids = Array.from({ length: 17 }, (_, i) => `a${i}`);
    const txids = await Promise.all(ids.map((id) => committer.submit(id, id)));
    // The first starts alone at once; the other 16 queued behind it form two batches of 8.
    expect(committer.stats).toEqual({ batches: 3, batched: 17, retriedAlone: 0 });
    expect(new Set(txids).size).toBe(3);
    const stored = await sql<{ id: string; txid: string }>`select id, txid from group_commit_probe where id like 'a%'`.execute(t.ctx.db);
    expect(new Map(stored.rows.map((r) => [r.id, r.txid]))).toEqual(new Map(ids.map((id, i) => [id, txids[i]])));
  });

  it('never puts two requests with the same key in one batch, and keeps their order', async () => {
    const order: string[] = [];
    const committer = new GroupCommitter(t.ctx.db, { maxBatch: 64, maxConcurrent: 2 }, async (trx, id: string) => {
      order.push(id);
      return write(trx, id);
    });
    const submitted = ['k1:1', 'k2:1', 'k1:2', 'k2:2', 'k1:3', 'k3:1'];
    const txids = await Promise.all(submitted.map((id) => committer.submit(id.split(':')[0]!, `b-${id}`)));
    const byKey = (key: string) => submitted.flatMap((id, i) => (id.startsWith(key) ? [txids[i]] : []));
    expect(new Set(byKey('k1')).size).toBe(3);
    expect(new Set(byKey('k2')).size).toBe(2);
    expect(order.filter((id) => id.startsWith('b-k1'))).toEqual(['b-k1:1', 'b-k1:2', 'b-k1:3']);
  });

  it('runs the members of a failed batch again alone: the others commit, the failing one keeps nothing', async () => {
    const committer = new GroupCommitter(t.ctx.db, { maxBatch: 64, maxConcurrent: 1 }, write);
    const first = committer.submit('c0', 'c0'); // runs alone; the next four queue behind it and form one batch
    const rest = ['c1', 'bad-c2', 'c3', 'c4'].map((id) => committer.submit(id, id));
    const settled = await Promise.allSettled([first, ...rest]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((settled[2] as PromiseRejectedResult).reason.message).toBe('refused bad-c2');
    expect(committer.stats).toEqual({ batches: 2, batched: 5, retriedAlone: 4 });
    const stored = await sql<{ id: string }>`select id from group_commit_probe where id like 'c%' or id like 'bad%' order by id`.execute(t.ctx.db);
    expect(stored.rows.map((r) => r.id)).toEqual(['c0', 'c1', 'c3', 'c4']);
  });
});
