// Reads a transaction makes once: small, platform-wide settings that several steps of one
// transaction, or every member of a group-commit batch, need (the active webhook endpoints, the
// inline risk rules). Kept per transaction (its concurrent views share them, see transactionOf)
// and dropped with it; a transaction that changes what a read saw forgets it. Outside a
// transaction, nothing is kept: every call reads.
import { transactionOf } from './coalescing-pool.js';
import type { Executor } from './schema.js';

const memos = new WeakMap<object, Map<string, Promise<unknown>>>();

/** `read()` once per transaction under `key`; later calls in the same transaction get the same answer. */
export function oncePerTransaction<T>(trx: Executor, key: string, read: () => Promise<T>): Promise<T> {
  if (!trx.isTransaction) return read();
  const root = transactionOf(trx);
  let memo = memos.get(root);
  if (!memo) {
    memo = new Map();
    memos.set(root, memo);
  }
  let answer = memo.get(key) as Promise<T> | undefined;
  if (!answer) {
    answer = read();
    memo.set(key, answer);
    const kept = memo;
    answer.catch(() => kept.delete(key));
  }
  return answer;
}

/** Forgets the transaction's read under `key` (call before changing what it read). */
export function forgetInTransaction(trx: Executor, key: string): void {
  memos.get(transactionOf(trx))?.delete(key);
}
