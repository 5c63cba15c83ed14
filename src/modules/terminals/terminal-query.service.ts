// Reads of terminals: search with filters and cursor pagination, and the timeline (SPEC §4).
import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { Executor } from '../../platform/db/schema.js';
import { decodeCursor, pageLimit, toPage, type PageResult } from '../../platform/http/pagination.js';
import { validationError } from '../../platform/http/errors.js';
import { isVersion, versionPattern, versionSortKey } from './firmware.js';
import type { TerminalStatus } from './terminal.state.js';
import type { TerminalRow } from './terminal.service.js';
import type { TerminalEventTable } from './terminal.table.js';

export interface TerminalFilters {
  status?: TerminalStatus; modelCode?: string; merchantId?: string; cityCode?: string; city?: string;
  /** Inclusive semantic range (`2.9.0` ≤ v ≤ `2.10.3`; pre-releases sort before their release). */
  firmwareMin?: string; firmwareMax?: string;
}

/**
 * `versionSortKey` (firmware.ts) in SQL, over a text column: compared with `collate "C"` it gives
 * semantic version order, pre-releases included ("2.10.0-beta.1" < "2.10.0"). Null for text
 * that is not a version, so such terminals fall outside every range.
 */
export function versionKeySql(column: RawBuilder<unknown>): RawBuilder<string | null> {
  return sql<string | null>`(case when ${column} ~ ${versionPattern.source} then
    (select string_agg(lpad(p, 6, '0'), '.' order by n)
      from unnest((string_to_array(split_part(${column}, '-', 1) || '.0.0.0', '.'))[1:4]) with ordinality as core(p, n))
    || case when strpos(${column}, '-') > 0 then '-' || (
      select string_agg(case when i ~ '^[0-9]+$' then '0' || lpad(i, 32, '0') else '1' || i end, '.' order by n)
      from unnest(string_to_array(substr(${column}, strpos(${column}, '-') + 1), '.')) with ordinality as pre(i, n))
    else '~' end
  end)`;
}

const columnVersionKey = versionKeySql(sql.ref('terminals.firmware_version'));

export async function searchTerminals(db: Executor, filters: TerminalFilters, page: { limit?: number; cursor?: string }): Promise<PageResult<TerminalRow>> {
  for (const field of ['firmwareMin', 'firmwareMax'] as const) {
    const value = filters[field];
    if (value !== undefined && !isVersion(value)) {
      throw validationError([{ field, rule: 'version', message: 'must be a version such as 2.10.0 or 2.10.0-beta.1' }]);
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
    query = query.where(sql<boolean>`${columnVersionKey} collate "C" >= ${versionSortKey(filters.firmwareMin)}`);
  }
  if (filters.firmwareMax) {
    query = query.where(sql<boolean>`${columnVersionKey} collate "C" <= ${versionSortKey(filters.firmwareMax)}`);
  }
  const rows = await query.execute();
  return toPage(rows, limit, (r) => [r.sn], (r) => r);
}

export interface TimelineEntry {
  id: number; at: string; kind: string; from: string | null; to: string | null; reason: string | null;
  actor: { kind: string; id: string | null }; details: Record<string, unknown>;
}

function timelineEntry(r: Selectable<TerminalEventTable>): TimelineEntry {
  return {
    id: Number(r.id), at: r.at.toISOString(), kind: r.kind, from: r.from_status, to: r.to_status, reason: r.reason,
    actor: { kind: r.actor_kind, id: r.actor_id }, details: r.details,
  };
}

/** The newest `limit` events of a terminal, newest first (what a ticket shows beside it). */
export async function recentTerminalEvents(db: Executor, terminalId: string, limit: number): Promise<TimelineEntry[]> {
  const rows = await db.selectFrom('terminal_events').selectAll().where('terminal_id', '=', terminalId).orderBy('id', 'desc').limit(limit).execute();
  return rows.map(timelineEntry);
}

export async function terminalTimeline(db: Executor, terminalId: string, page: { limit?: number; cursor?: string }): Promise<PageResult<TimelineEntry>> {
  const limit = pageLimit(page.limit);
  const after = decodeCursor(page.cursor);
  let query = db.selectFrom('terminal_events').selectAll().where('terminal_id', '=', terminalId).orderBy('id').limit(limit + 1);
  if (after) query = query.where('id', '>', Number(after[0]));
  const rows = await query.execute();
  return toPage(rows, limit, (r) => [Number(r.id)], timelineEntry);
}
