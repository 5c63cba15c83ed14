// Idempotency keys. Two tools:
// - `runIdempotent` records the key in the same transaction as the effect, so a retry (or a
//   concurrent duplicate on another instance) gets the first response byte for byte. Used where
//   money or codes are created (terminal transactions, activation codes).
// - the `Idempotency-Key` header hook (app.ts) gives every other /v1 POST the same replay.
import { createHash } from 'node:crypto';
import type { Executor } from '../db/schema.js';
import { canonicalJson } from '../audit.js';
import { AppError } from './errors.js';

export interface StoredResponse { statusCode: number; body: string }

export function requestHash(parts: unknown): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex');
}

/**
 * The stored response of a completed request with this key, or null when there is none yet (or it
 * is still in progress). Same key with another request → 409. Lets a route replay a retry before
 * re-checking things that may have changed since (a password, a lockout): the first answer stands.
 */
export async function storedResponse(db: Executor, scope: string, key: string, hash: string): Promise<StoredResponse | null> {
  const row = await db.selectFrom('idempotency_keys').select(['request_hash', 'status_code', 'response_body'])
    .where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
  if (!row) return null;
  if (row.request_hash !== hash) throw new AppError('idempotency_key_reused', 'This idempotency key was used with a different request');
  if (row.status_code === null || row.response_body === null) return null;
  return { statusCode: row.status_code, body: row.response_body };
}

/**
 * Inside a transaction: claim (scope, key). The first caller runs `effect` and its response is
 * stored with the effect; a later or concurrent caller with the same key waits for the first
 * transaction (the unique row lock) and gets the stored response. Same key, other request → 409.
 */
export async function runIdempotent(
  trx: Executor, scope: string, key: string, hash: string,
  effect: () => Promise<StoredResponse>,
): Promise<{ response: StoredResponse; replayed: boolean }> {
  const claimed = await trx.insertInto('idempotency_keys')
    .values({ scope, key, request_hash: hash, status_code: null, response_body: null })
    .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
    .returning('key').executeTakeFirst();
  if (!claimed) {
    const row = await trx.selectFrom('idempotency_keys').select(['request_hash', 'status_code', 'response_body'])
      .where('scope', '=', scope).where('key', '=', key).executeTakeFirstOrThrow();
    if (row.request_hash !== hash) {
      throw new AppError('idempotency_key_reused', 'This idempotency key was used with a different request');
    }
    if (row.status_code === null || row.response_body === null) {
      throw new AppError('idempotency_request_in_progress', 'A request with this idempotency key is still in progress');
    }
    return { response: { statusCode: row.status_code, body: row.response_body }, replayed: true };
  }
  const response = await effect();
  await trx.updateTable('idempotency_keys').set({ status_code: response.statusCode, response_body: response.body })
    .where('scope', '=', scope).where('key', '=', key).execute();
  return { response, replayed: false };
}
