// Small shared pieces: data loading with errors, error alerts, status badges, money, times.
import { Alert, Badge, Tag } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, withQuery } from '../lib/api';
import { useI18n, tOr } from '../lib/i18n';
import { formatFen } from '../lib/money';

export interface Loaded<T> { data: T | null; error: ApiError | null; loading: boolean; reload(): void }

/** GETs `path` (null: nothing to load yet) and reloads on demand. */
export function useApiGet<T>(path: string | null): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: ApiError | null; loading: boolean }>({ data: null, error: null, loading: path !== null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) { setState({ data: null, error: null, loading: false }); return undefined; }
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    api<T>('GET', path, { signal: controller.signal })
      .then((data) => setState({ data, error: null, loading: false }))
      .catch((error: unknown) => {
        if ((error as Error).name === 'AbortError') return;
        setState({ data: null, error: error instanceof ApiError ? error : new ApiError(0, null), loading: false });
      });
    return () => controller.abort();
  }, [path, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

export interface CursorList<T> {
  rows: T[];
  error: ApiError | null;
  loading: boolean;
  hasMore: boolean;
  /** Appends the next page to the rows. */
  loadMore(): void;
  /** Loads the first page again (the rows shown so far are replaced). */
  reload(): void;
}

interface CursorPage<T> { data: T[]; hasMore?: boolean; nextCursor?: string | null }

/**
 * A cursor-paged list (`?limit=&cursor=`, answered `{ data, hasMore, nextCursor }`): "load more"
 * appends the next page under the rows already shown; a new `path` (other filters) starts over.
 */
export function useCursorList<T>(path: string | null, pageSize = 50): CursorList<T> {
  const [cursor, setCursor] = useState<{ path: string | null; value: string | null }>({ path, value: null });
  const current = cursor.path === path ? cursor.value : null;
  const [tick, setTick] = useState(0);
  const [state, setState] = useState<{ rows: T[]; hasMore: boolean; nextCursor: string | null; error: ApiError | null; loading: boolean }>(
    { rows: [], hasMore: false, nextCursor: null, error: null, loading: path !== null });
  useEffect(() => {
    if (path === null) { setState({ rows: [], hasMore: false, nextCursor: null, error: null, loading: false }); return undefined; }
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    api<CursorPage<T>>('GET', withQuery(path, { limit: pageSize, cursor: current }), { signal: controller.signal })
      .then((page) => setState((s) => ({
        rows: current === null ? page.data : [...s.rows, ...page.data],
        hasMore: page.hasMore === true, nextCursor: page.nextCursor ?? null, error: null, loading: false,
      })))
      .catch((error: unknown) => {
        if ((error as Error).name === 'AbortError') return;
        setState((s) => ({ ...s, error: error instanceof ApiError ? error : new ApiError(0, null), loading: false }));
      });
    return () => controller.abort();
  }, [path, current, pageSize, tick]);
  const loadMore = useCallback(() => {
    if (state.nextCursor !== null) setCursor({ path, value: state.nextCursor });
  }, [path, state.nextCursor]);
  const reload = useCallback(() => { setCursor({ path, value: null }); setTick((n) => n + 1); }, [path]);
  return { rows: state.rows, error: state.error, loading: state.loading, hasMore: state.hasMore, loadMore, reload };
}

export function ErrorAlert({ error }: { error: ApiError | null }) {
  const { t } = useI18n();
  if (!error) return null;
  const message = error.routeMissing ? t('common.notAvailable') : error.message;
  return (
    <Alert type={error.routeMissing ? 'info' : 'error'} showIcon style={{ marginBottom: 16 }} title={message}
      description={error.requestId ? `${error.code} · ${t('common.requestId', { id: error.requestId })}` : error.code} />
  );
}

const terminalColors: Record<string, 'success' | 'processing' | 'default' | 'error' | 'warning'> = {
  in_stock: 'default', allocated: 'default', shipped: 'processing', delivered: 'processing', activating: 'processing',
  self_test: 'warning', active: 'success', reactivation_required: 'error', suspended: 'error', retired: 'default',
};

export function TerminalStatusBadge({ status }: { status: string }) {
  const { t } = useI18n();
  return <Badge status={terminalColors[status] ?? 'default'} text={tOr(t, `terminalStatus.${status}`, status)} />;
}

const merchantColors: Record<string, string> = {
  draft: 'default', submitted: 'blue', under_review: 'orange', approved: 'green', rejected: 'red', needs_info: 'gold',
};

export function MerchantStatusTag({ status }: { status: string }) {
  const { t } = useI18n();
  return <Tag color={merchantColors[status] ?? 'default'}>{tOr(t, `merchantStatus.${status}`, status)}</Tag>;
}

export function RiskTag({ level }: { level: string | null | undefined }) {
  const { t } = useI18n();
  if (!level) return null;
  const color = level === 'high' ? 'red' : level === 'medium' ? 'orange' : 'green';
  return <Tag color={color}>{tOr(t, `riskLevel.${level}`, level)}</Tag>;
}

export function Money({ fen }: { fen: number | null | undefined }) {
  if (fen === null || fen === undefined) return <span>—</span>;
  return <span style={{ fontVariantNumeric: 'tabular-nums' }}>{formatFen(fen)}</span>;
}

export function useFormatTime(): (iso: string | null | undefined) => string {
  const { locale } = useI18n();
  return (iso) => {
    if (!iso) return '—';
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    return date.toLocaleString(locale === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
  };
}

/** `{ data: [...] }` lists or bare arrays, whichever the endpoint answers. */
export function rowsOf<T>(value: { data: T[] } | T[] | null | undefined): T[] {
  if (!value) return [];
  return Array.isArray(value) ? value : value.data ?? [];
}
