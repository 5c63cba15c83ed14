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
/**
 * What a transaction knows of its lane once it holds it: the lane, the hash of its own last row
 * there (no one else appends to a held lane, so it is the head; no re-reading it) and the appends
 * waiting to be written. Keyed by transactionOf, so the concurrent views of one transaction (a
 * group-commit batch) share one lane and one chain, never reading the same head and forking it.
 */
interface LaneWriter { lane: number | null; head: string | null; waiting: PendingAppend[]; writing: boolean }
interface PendingAppend { trx: Executor; row: ChainedFields; resolve(id: string): void; reject(error: unknown): void }
const laneWriters = new WeakMap<object, LaneWriter>();

/** A lane whose lock this transaction holds: a free one from a random start, else it waits for one. */
async function acquireLane(trx: Executor): Promise<number> {
  const start = randomInt(auditLanes);
  for (let i = 0; i < auditLanes; i++) {
    const candidate = (start + i) % auditLanes;
    const tried = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${auditLockId}, ${candidate}) as locked`.execute(trx);
    if (tried.rows[0]!.locked) return candidate;
  }
  await sql`select pg_advisory_xact_lock(${auditLockId}, ${start})`.execute(trx);
  return start;
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

/**
 * Appends one row to the transaction's lane. Appends of one transaction are written in the order
 * they are made; those made while a write is in flight (other members of a batch) go together in
 * one multi-row INSERT, each chained to the one before it.
 */
export function appendAudit(trx: Executor, key: Buffer, at: Date, actor: Actor, input: AuditInput): Promise<string> {
  const root = transactionOf(trx);
  let writer = laneWriters.get(root);
  if (!writer) {
    writer = { lane: null, head: null, waiting: [], writing: false };
    laneWriters.set(root, writer);
  }
  const row: ChainedFields = {
    id: newId('aud'), at: at.toISOString(), actorKind: actor.kind, actorId: actor.id, actorRole: actor.role,
    action: input.action, subjectType: input.subjectType ?? null, subjectId: input.subjectId ?? null,
    merchantId: input.merchantId ?? null, requestId: input.requestId ?? null, details: input.details ?? {},
  };
  const appended = new Promise<string>((resolve, reject) => writer.waiting.push({ trx, row, resolve, reject }));
  if (!writer.writing) void writeWaiting(writer, key);
  return appended;
}

async function writeWaiting(writer: LaneWriter, key: Buffer): Promise<void> {
  writer.writing = true;
  while (writer.waiting.length > 0) {
    const batch = writer.waiting;
    writer.waiting = [];
    const trx = batch[0]!.trx;
    try {
      if (writer.lane === null) {
        const lane = await acquireLane(trx);
        const last = await trx.selectFrom('audit_log').select('hash').where('lane', '=', lane).orderBy('seq', 'desc').limit(1).executeTakeFirst();
        writer.lane = lane;
        writer.head = last?.hash ?? genesisHash;
      }
      const lane = writer.lane;
      let prevHash = writer.head!;
      const values = batch.map(({ row }) => {
        const hash = auditHash(key, prevHash, row);
        const value = {
          id: row.id, at: new Date(row.at), actor_kind: row.actorKind, actor_id: row.actorId, actor_role: row.actorRole,
          action: row.action, subject_type: row.subjectType, subject_id: row.subjectId, merchant_id: row.merchantId,
          request_id: row.requestId, details: JSON.stringify(row.details), lane, prev_hash: prevHash, hash,
        };
        prevHash = hash;
        return value;
      });
      // One INSERT of several rows takes their `seq` in list order: the chain order.
      await trx.insertInto('audit_log').values(values).execute();
      writer.head = prevHash;
      for (const { row, resolve } of batch) resolve(row.id);
    } catch (error) {
      // The transaction is failing: this and every later append of it fail with it.
      for (const { reject } of [...batch, ...writer.waiting]) reject(error);
      writer.waiting = [];
    }
  }
  writer.writing = false;
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
