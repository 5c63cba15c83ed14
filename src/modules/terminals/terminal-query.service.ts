// Reads of terminals: search with filters and cursor pagination, and the timeline (SPEC §4).
import { sql } from 'kysely';
import type { Executor } from '../../platform/db/schema.js';
import { decodeCursor, pageLimit, toPage, type PageResult } from '../../platform/http/pagination.js';
import { validationError } from '../../platform/http/errors.js';
import type { TerminalStatus } from './terminal.state.js';
import type { TerminalRow } from './terminal.service.js';

export interface TerminalFilters {
  status?: TerminalStatus; modelCode?: string; merchantId?: string; cityCode?: string; city?: string;
  /** Inclusive semantic range over numeric versions (`2.9.0` ≤ v ≤ `2.10.3`). */
  firmwareMin?: string; firmwareMax?: string;
}

const numericVersion = /^\d{1,6}(\.\d{1,6}){0,3}$/;

/** A version as an integer array padded to four parts, so PostgreSQL compares it semantically. */
function versionArray(version: string): number[] {
  const parts = version.split('.').map(Number);
  while (parts.length < 4) parts.push(0);
  return parts;
}

const columnVersionArray = sql<number[]>`(case when terminals.firmware_version ~ '^[0-9]{1,6}(\\.[0-9]{1,6}){0,3}'
  then (string_to_array(substring(terminals.firmware_version from '^[0-9]{1,6}(?:\\.[0-9]{1,6}){0,3}') || '.0.0.0', '.'))[1:4]::int[]
  end)`;

export async function searchTerminals(db: Executor, filters: TerminalFilters, page: { limit?: number; cursor?: string }): Promise<PageResult<TerminalRow>> {
  for (const field of ['firmwareMin', 'firmwareMax'] as const) {
    const value = filters[field];
    if (value !== undefined && !numericVersion.test(value)) {
      throw validationError([{ field, rule: 'version', message: 'must be a numeric version such as 2.10.0' }]);
    }
  }
  const limit = pageLimit(page.limit);
  const after = decodeCursor(page.cursor);
  let query = db.selectFrom('terminals').leftJoin('merchants', 'merchants.id', 'terminals.merchant_id')
    .selectAll('terminals').orderBy('terminals.sn').limit(limit + 1);
  if (after) query = query.where('terminals.sn', '>', String(after[0]));
  if (filters.status) query = query.where('terminals.status', '=', filters.status);
  if (filters.modelCode) query = query.where('terminals.model_code', '=', filters.modelCode);
  if (filters.merchantId) query = query.where('terminals.merchant_id', '=', filters.merchantId);
  if (filters.cityCode) {
    query = query.where(sql<string>`coalesce(terminals.last_city_code, merchants.city_code)`, '=', filters.cityCode);
  }
  if (filters.city) query = query.where('merchants.city', '=', filters.city);
  if (filters.firmwareMin) {
    query = query.where(sql<boolean>`${columnVersionArray} >= ${sql.val(versionArray(filters.firmwareMin))}::int[]`);
  }
  if (filters.firmwareMax) {
    query = query.where(sql<boolean>`${columnVersionArray} <= ${sql.val(versionArray(filters.firmwareMax))}::int[]`);
  }
  const rows = await query.execute();
  return toPage(rows, limit, (r) => [r.sn], (r) => r);
}

export interface TimelineEntry {
  id: number; at: string; kind: string; from: string | null; to: string | null; reason: string | null;
  actor: { kind: string; id: string | null }; details: Record<string, unknown>;
}

export async function terminalTimeline(db: Executor, terminalId: string, page: { limit?: number; cursor?: string }): Promise<PageResult<TimelineEntry>> {
  const limit = pageLimit(page.limit);
  const after = decodeCursor(page.cursor);
  let query = db.selectFrom('terminal_events').selectAll().where('terminal_id', '=', terminalId).orderBy('id').limit(limit + 1);
  if (after) query = query.where('id', '>', Number(after[0]));
  const rows = await query.execute();
  return toPage(rows, limit, (r) => [Number(r.id)], (r) => ({
    id: Number(r.id), at: r.at.toISOString(), kind: r.kind, from: r.from_status, to: r.to_status, reason: r.reason,
    actor: { kind: r.actor_kind, id: r.actor_id }, details: r.details,
  }));
}
