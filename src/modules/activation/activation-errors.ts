// The activation errors a terminal can be answered (Appendix A), each with the slug of the
// help-centre article that explains it (SPEC §12: every lock and error names its article).
import { AppError, type ErrorDetails } from '../../platform/http/errors.js';
import { helpSlug } from '../support/help-slugs.js';

export const activationErrorCodes = [
  'activation_code_malformed', 'activation_code_invalid', 'activation_code_expired', 'activation_locked',
] as const;
export type ActivationErrorCode = (typeof activationErrorCodes)[number];

export function activationErrorSlug(code: ActivationErrorCode): string {
  return helpSlug('error', code);
}

/** An activation error with `details.helpSlug` beside the Appendix A fields it carries. */
export function activationError(code: ActivationErrorCode, message: string, details: ErrorDetails = {},
  headers: Record<string, string> = {}): AppError {
  return new AppError(code, message, { ...details, helpSlug: activationErrorSlug(code) }, headers);
}
