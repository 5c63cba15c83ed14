// The one API client: every call goes through `api()`, which adds credentials, sends JSON, and
// turns the error shape into an ApiError with field-level messages. A 401 on an authenticated
// call hands control to the log-in screen (drafts stay in localStorage); a 401 mfa_required hands
// it to the TOTP enrolment screen instead.
import { authHeaders } from './auth';
import { ApiError } from './errors';

export { ApiError } from './errors';

type Query = Record<string, string | number | boolean | undefined | null>;

interface RequestOptions { body?: unknown; query?: Query; idempotencyKey?: string; raw?: boolean; signal?: AbortSignal }

let unauthenticatedHandler: (() => void) | null = null;

let mfaRequiredHandler: (() => void) | null = null;

export function onUnauthenticated(handler: (() => void) | null): void {
  unauthenticatedHandler = handler;
}

/** An operator session without two-factor authentication: enrol, do not log in again. */
export function onMfaRequired(handler: (() => void) | null): void {
  mfaRequiredHandler = handler;
}

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  if (!text) return path;
  return `${path}${path.includes('?') ? '&' : '?'}${text}`;
}

async function send(method: string, path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders(method) };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  try {
    return await fetch(withQuery(path, options.query), {
      method, headers, credentials: 'same-origin', signal: options.signal,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch (cause) {
    if ((cause as Error).name === 'AbortError') throw cause;
    throw new ApiError(0, { error: { code: 'network_error', message: 'The server could not be reached' } });
  }
}

export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(method, path, options);
  const text = await response.text();
  let body: unknown = text;
  try { body = text ? JSON.parse(text) : null; } catch { /* not JSON: CSV or text */ }
  if (!response.ok) {
    const error = new ApiError(response.status, body);
    const publicCall = path.startsWith('/v1/auth/login') || path.startsWith('/v1/signup');
    if (response.status === 401 && error.code === 'mfa_required' && !publicCall) mfaRequiredHandler?.();
    else if (response.status === 401 && !publicCall && unauthenticatedHandler) unauthenticatedHandler();
    throw error;
  }
  return body as T;
}

/** A protected file (a KYC document) as a blob, fetched with the log-in's credentials. */
export async function fetchBlob(path: string): Promise<Blob> {
  const response = await send('GET', path, {});
  if (!response.ok) {
    let body: unknown = null;
    try { body = await response.json(); } catch { /* empty */ }
    const error = new ApiError(response.status, body);
    if (response.status === 401 && unauthenticatedHandler) unauthenticatedHandler();
    throw error;
  }
  return response.blob();
}

/** A file answer (CSV statements): saved through a temporary link. */
export async function download(path: string, filename: string, query: Query = {}): Promise<void> {
  const response = await send('GET', path, { query });
  if (!response.ok) {
    let body: unknown = null;
    try { body = await response.json(); } catch { /* empty */ }
    throw new ApiError(response.status, body);
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function newIdempotencyKey(): string {
  return `web-${crypto.randomUUID()}`;
}

export interface Page<T> { data: T[]; hasMore: boolean; nextCursor: string | null }
