// The API's one error shape, `{ error: { code, message, details: { fields }, requestId } }`,
// turned into what a form shows: one message per field, next to the field.

export interface FieldProblem { field: string; rule?: string; message: string }

export interface ApiErrorBody {
  error?: { code?: string; message?: string; details?: Record<string, unknown> | null; requestId?: string };
  genuine?: boolean;
}

/** Field problems of an error body, keyed by the form's field path ("address.city"). */
export function fieldErrorsOf(body: unknown): Record<string, string> {
  const details = (body as ApiErrorBody | null)?.error?.details;
  const fields = details && Array.isArray(details.fields) ? (details.fields as unknown[]) : [];
  const result: Record<string, string> = {};
  for (const entry of fields) {
    if (!entry || typeof entry !== 'object') continue;
    const { field, message } = entry as Partial<FieldProblem>;
    if (typeof field !== 'string' || field === '') continue;
    const key = field.replace(/^body\./, '').replace(/^\//, '').replace(/\//g, '.');
    result[key] = result[key] ? `${result[key]}; ${String(message ?? '')}` : String(message ?? 'is invalid');
  }
  return result;
}

/** antd's Form.setFields wants name paths: "address.city" → ["address", "city"]. */
export function toNamePath(field: string): (string | number)[] {
  return field.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string>;
  readonly details: Record<string, unknown>;
  readonly requestId: string | undefined;
  readonly body: unknown;

  constructor(status: number, body: unknown) {
    const error = (body as ApiErrorBody | null)?.error;
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = error?.code ?? (status === 0 ? 'network_error' : `http_${status}`);
    this.fields = fieldErrorsOf(body);
    this.details = (error?.details as Record<string, unknown> | undefined) ?? {};
    this.requestId = error?.requestId;
    this.body = body;
  }

  /** The endpoint does not exist (yet) on this server, as opposed to a missing resource. */
  get routeMissing(): boolean {
    return this.code === 'route_not_found';
  }
}

/** The part of an antd form that shows errors next to fields. */
export interface FieldErrorTarget { setFields(fields: Array<{ name: never; errors: string[] }>): void }

/**
 * Shows what a failed request says on a form: each field problem next to its field (the API's
 * field path mapped by `namePath`), or, when there is none, the whole error through `fallback`.
 */
export function showFormError(form: FieldErrorTarget, caught: unknown, fallback: (error: ApiError) => void,
  namePath: (field: string) => (string | number)[] | string = toNamePath): void {
  const apiError = caught instanceof ApiError ? caught : new ApiError(0, null);
  const fields = Object.entries(apiError.fields);
  if (fields.length > 0) form.setFields(fields.map(([field, message]) => ({ name: namePath(field) as never, errors: [message] })));
  else fallback(apiError);
}
