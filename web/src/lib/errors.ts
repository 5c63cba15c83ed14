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
