// One error shape everywhere: `{ error: { code, message, details, requestId } }`.
// Every error code the platform can answer is in this one table, mapped to one HTTP status.

export const errorStatus = {
  // Generic request errors
  validation_failed: 400,
  invalid_json: 400,
  body_too_large: 413,
  unsupported_media_type: 415,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  invalid_state: 409,
  idempotency_key_reused: 409,
  idempotency_request_in_progress: 409,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
  // Terminal authentication (SPEC §6)
  terminal_auth_failed: 401,
  // Merchants (SPEC §3)
  merchant_not_found: 404,
  merchant_not_approved: 409,
  merchant_already_submitted: 409,
  document_invalid: 400,
  document_too_large: 413,
  // Terminals (SPEC §4)
  terminal_not_found: 404,
  device_model_not_found: 404,
  device_model_exists: 409,
  terminal_invalid_transition: 409,
  terminal_not_in_stock: 409,
  terminal_not_active: 409,
  terminal_stock_insufficient: 409,
  application_not_found: 404,
  shipment_not_found: 404,
  firmware_release_not_found: 404,
  firmware_release_exists: 409,
  // Activation (SPEC §5, Appendix A)
  activation_code_malformed: 400,
  activation_code_invalid: 400,
  activation_code_expired: 400,
  activation_locked: 423,
  activation_not_allowed: 409,
  pairing_code_invalid: 400,
  verification_code_invalid: 400,
  // Re-activation (SPEC §7)
  reactivation_reason_invalid: 400,
  reactivation_case_exists: 409,
  reactivation_case_closed: 409,
  reactivation_case_not_found: 404,
  reactivation_step_not_found: 404,
  reactivation_step_incomplete: 409,
  reactivation_steps_pending: 409,
  reactivation_schedule_invalid: 400,
  reactivation_campaign_not_found: 404,
  // Transactions and pricing (SPEC §8)
  transaction_not_found: 404,
  transaction_already_voided: 409,
  transaction_not_voidable: 409,
  refund_exceeds_remaining: 409,
  supervisor_password_invalid: 403,
  supervisor_locked: 423,
  operator_not_signed_in: 403,
  card_data_forbidden: 400,
  pricing_plan_not_found: 404,
  pricing_rule_not_found: 404,
  transaction_not_refundable: 409,
  // Settlement and deposits (SPEC §9)
  settlement_date_invalid: 400,
  ledger_account_not_found: 404,
  // Security (SPEC §13)
  login_failed: 401,
  login_taken: 409,
  account_locked: 423,
  mfa_required: 401,
  password_too_weak: 400,
  csrf_failed: 403,
  // Support (SPEC §12)
  ticket_closed: 409,
  assignee_not_found: 404,
  assignee_not_operator: 400,
  help_article_not_found: 404,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export type ErrorDetails = Record<string, unknown>;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetails;
  /** Extra response headers (e.g. `Retry-After`). */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = errorStatus[code];
    this.details = details;
    this.headers = headers;
  }
}

export interface FieldError { field: string; rule: string; message: string }

/** A 400 naming each bad field and the rule it broke. */
export function validationError(errors: FieldError[], message = 'The request has invalid fields'): AppError {
  return new AppError('validation_failed', message, { fields: errors });
}

export function notFound(code: ErrorCode & `${string}not_found`, what: string): AppError {
  return new AppError(code, `${what} was not found`);
}

export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
