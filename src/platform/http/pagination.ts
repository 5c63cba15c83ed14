// Cursor pagination: `{ data, hasMore, nextCursor }`, limit 1–100. The cursor is opaque to
// clients: base64url JSON of the sort key of the last row returned.
import { pageLimitDefault, pageLimitMax } from '../limits.js';
import { AppError } from './errors.js';

export interface PageResult<T> { data: T[]; hasMore: boolean; nextCursor: string | null }

export function pageLimit(limit: number | undefined): number {
  return Math.min(Math.max(limit ?? pageLimitDefault, 1), pageLimitMax);
}

export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): unknown[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value)) return value;
  } catch { /* fall through */ }
  throw new AppError('validation_failed', 'The cursor is not one this API issued', {
    fields: [{ field: 'cursor', rule: 'cursor', message: 'unknown cursor' }],
  });
}

/** Fetch `limit + 1` rows, then call this: it trims the extra row and makes the next cursor. */
export function toPage<Row, Out>(rows: Row[], limit: number, cursorOf: (row: Row) => unknown[], map: (row: Row) => Out): PageResult<Out> {
  const hasMore = rows.length > limit;
  const kept = hasMore ? rows.slice(0, limit) : rows;
  const last = kept.at(-1);
  return { data: kept.map(map), hasMore, nextCursor: hasMore && last !== undefined ? encodeCursor(cursorOf(last)) : null };
}

/** A `[createdAt ISO, id]` cursor (newest-first lists keyed by time then id), or undefined without one. */
export function decodeTimeIdCursor(cursor: string | undefined): { at: Date; id: string } | undefined {
  const key = decodeCursor(cursor);
  if (!key) return undefined;
  const [at, id] = key;
  if (typeof at !== 'string' || typeof id !== 'string' || Number.isNaN(Date.parse(at))) {
    throw new AppError('validation_failed', 'The cursor is not one this API issued');
  }
  return { at: new Date(at), id };
}
