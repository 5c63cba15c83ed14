// The audit log (SPEC §13): append-only, hash-chained with HMAC under the server key, written in
// the same transaction as the change it records. The chain runs in `auditLanes` lanes: each row
// links to the previous row of its lane. A transaction appending takes one free lane's advisory
// lock (held until it commits), so two transactions never chain onto the same previous row, and
// concurrent audited writes do not all wait for one lock (with a single chain, every redemption
// and KYC decision on the platform queued behind the one before it until that committed).
// Verification walks all rows in order and checks each lane's links and every row's hash.
import { randomInt } from 'node:crypto';
import { sql } from 'kysely';
import type { Actor } from './actor.js';
import { hmacSha256Hex } from './crypto/hash.js';
import { transactionOf } from './db/coalescing-pool.js';
import type { Executor } from './db/schema.js';
import { newId } from './ids.js';
import { auditVerifyBatchRows } from './limits.js';

const auditLockId = 7_141_002;
/** Lanes of the chain: at most this many transactions append to the log at once without waiting. */
export const auditLanes = 16;
const genesisHash = '0'.repeat(64);
/** The lane a transaction already holds, so its later appends stay in it (keyed by transactionOf). */
const heldLanes = new WeakMap<object, number>();
/**
 * The last append of each transaction: appends of one transaction run one after another, so
 * concurrent views of it (a group-commit batch) never read the same lane head and fork the chain.
 */
const lastAppends = new WeakMap<object, Promise<unknown>>();

/** A lane whose lock this transaction holds: the one it has, else a free one from a random start, else it waits for one. */
async function acquireLane(trx: Executor): Promise<number> {
  const held = heldLanes.get(transactionOf(trx));
  if (held !== undefined) return held;
  const start = randomInt(auditLanes);
  let lane: number | null = null;
  for (let i = 0; i < auditLanes && lane === null; i++) {
    const candidate = (start + i) % auditLanes;
    const tried = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${auditLockId}, ${candidate}) as locked`.execute(trx);
    if (tried.rows[0]!.locked) lane = candidate;
  }
  if (lane === null) {
    await sql`select pg_advisory_xact_lock(${auditLockId}, ${start})`.execute(trx);
    lane = start;
  }
  heldLanes.set(transactionOf(trx), lane);
  return lane;
}

export interface AuditInput {
  action: string;
  subjectType?: string | null;
  subjectId?: string | null;
  merchantId?: string | null;
  requestId?: string | null;
  details?: Record<string, unknown>;
}

/** JSON with object keys sorted, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

interface ChainedFields {
  id: string; at: string; actorKind: string; actorId: string | null; actorRole: string | null;
  action: string; subjectType: string | null; subjectId: string | null; merchantId: string | null;
  requestId: string | null; details: Record<string, unknown>;
}

export function auditHash(key: Buffer, prevHash: string, fields: ChainedFields): string {
  return hmacSha256Hex(key, `${prevHash}\n${canonicalJson(fields)}`);
}

export function appendAudit(trx: Executor, key: Buffer, at: Date, actor: Actor, input: AuditInput): Promise<string> {
  const root = transactionOf(trx);
  const append = (lastAppends.get(root) ?? Promise.resolve()).catch(() => undefined)
    .then(() => appendInLane(trx, key, at, actor, input));
  lastAppends.set(root, append);
  return append;
}

async function appendInLane(trx: Executor, key: Buffer, at: Date, actor: Actor, input: AuditInput): Promise<string> {
  const lane = await acquireLane(trx);
  const last = await trx.selectFrom('audit_log').select('hash').where('lane', '=', lane).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const prevHash = last?.hash ?? genesisHash;
  const fields: ChainedFields = {
    id: newId('aud'), at: at.toISOString(), actorKind: actor.kind, actorId: actor.id, actorRole: actor.role,
    action: input.action, subjectType: input.subjectType ?? null, subjectId: input.subjectId ?? null,
    merchantId: input.merchantId ?? null, requestId: input.requestId ?? null, details: input.details ?? {},
  };
  const hash = auditHash(key, prevHash, fields);
  await trx.insertInto('audit_log').values({
    id: fields.id, at, actor_kind: fields.actorKind, actor_id: fields.actorId, actor_role: fields.actorRole,
    action: fields.action, subject_type: fields.subjectType, subject_id: fields.subjectId,
    merchant_id: fields.merchantId, request_id: fields.requestId, details: JSON.stringify(fields.details),
    lane, prev_hash: prevHash, hash,
  }).execute();
  return fields.id;
}

export interface AuditVerification { ok: boolean; rows: number; firstBadSeq: number | null; problem: string | null }

/** Re-computes the whole chain, lane by lane in one pass; reports the first row whose hash or link does not match. */
export async function verifyAudit(db: Executor, key: Buffer, onProgress: (rows: number) => void = () => {}): Promise<AuditVerification> {
  const laneHeads = new Map<number, string>();
  let afterSeq = 0;
  let rows = 0;
  for (;;) {
    const batch = await db.selectFrom('audit_log').selectAll().where('seq', '>', afterSeq)
      .orderBy('seq').limit(auditVerifyBatchRows).execute();
    if (batch.length === 0) return { ok: true, rows, firstBadSeq: null, problem: null };
    for (const row of batch) {
      const prevHash = laneHeads.get(row.lane) ?? genesisHash;
      if (row.prev_hash !== prevHash) {
        return { ok: false, rows, firstBadSeq: row.seq, problem: 'link to the previous row is broken' };
      }
      const expected = auditHash(key, prevHash, {
        id: row.id, at: row.at.toISOString(), actorKind: row.actor_kind, actorId: row.actor_id,
        actorRole: row.actor_role, action: row.action, subjectType: row.subject_type, subjectId: row.subject_id,
        merchantId: row.merchant_id, requestId: row.request_id, details: row.details,
      });
      if (expected !== row.hash) return { ok: false, rows, firstBadSeq: row.seq, problem: 'row content does not match its hash' };
      laneHeads.set(row.lane, row.hash);
      afterSeq = row.seq;
      rows++;
    }
    onProgress(rows);
  }
}
