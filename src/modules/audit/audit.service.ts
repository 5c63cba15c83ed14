// Reading the audit log (SPEC §13): newest first, filtered, paged by sequence number, details
// passed through the redaction filter. The log itself is written by src/platform/audit.ts.
import type { Executor } from '../../platform/db/schema.js';
import { validationError } from '../../platform/http/errors.js';
import { decodeCursor, pageLimit, toPage, type PageResult } from '../../platform/http/pagination.js';
import { redactDetails } from './audit.redact.js';

export interface AuditFilters {
  action?: string | undefined; subjectType?: string | undefined; subjectId?: string | undefined;
  actorId?: string | undefined; merchantId?: string | undefined; from?: string | undefined; to?: string | undefined;
}

export interface AuditEntryView {
  id: string; seq: number; at: string; actor: { kind: string; id: string | null; role: string | null };
  action: string; subjectType: string | null; subjectId: string | null; merchantId: string | null;
  requestId: string | null; details: Record<string, unknown>;
}

function instant(value: string | undefined, field: 'from' | 'to'): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw validationError([{ field, rule: 'date-time', message: 'must be an ISO 8601 time' }]);
  return date;
}

export async function listAuditEntries(db: Executor, filters: AuditFilters, page: { limit?: number | undefined; cursor?: string | undefined }): Promise<PageResult<AuditEntryView>> {
  const limit = pageLimit(page.limit);
  const beforeSeq = decodeCursor(page.cursor)?.[0];
  const from = instant(filters.from, 'from');
  const to = instant(filters.to, 'to');
  if (from && to && to < from) throw validationError([{ field: 'to', rule: 'after_from', message: 'must not be before from' }]);
  let query = db.selectFrom('audit_log')
    .select(['id', 'seq', 'at', 'actor_kind', 'actor_id', 'actor_role', 'action', 'subject_type', 'subject_id', 'merchant_id', 'request_id', 'details'])
    .orderBy('seq', 'desc').limit(limit + 1);
  if (typeof beforeSeq === 'number') query = query.where('seq', '<', beforeSeq);
  if (filters.action) {
    // "merchant." lists every merchant action; anything else is one exact action.
    query = filters.action.endsWith('.')
      ? query.where('action', 'like', `${filters.action.replace(/[%_\\]/g, '\\$&')}%`)
      : query.where('action', '=', filters.action);
  }
  if (filters.subjectType) query = query.where('subject_type', '=', filters.subjectType);
  if (filters.subjectId) query = query.where('subject_id', '=', filters.subjectId);
  if (filters.actorId) query = query.where('actor_id', '=', filters.actorId);
  if (filters.merchantId) query = query.where('merchant_id', '=', filters.merchantId);
  if (from) query = query.where('at', '>=', from);
  if (to) query = query.where('at', '<', to);
  return toPage(await query.execute(), limit, (row) => [row.seq], (row) => ({
    id: row.id, seq: row.seq, at: row.at.toISOString(), actor: { kind: row.actor_kind, id: row.actor_id, role: row.actor_role },
    action: row.action, subjectType: row.subject_type, subjectId: row.subject_id, merchantId: row.merchant_id,
    requestId: row.request_id, details: redactDetails(row.details ?? {}),
  }));
}
