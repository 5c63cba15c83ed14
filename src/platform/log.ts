// pino, with redaction of every field that may carry a secret or personal data, at any depth.
import { pino, type DestinationStream, type Logger } from 'pino';

/** Paths pino's own redaction censors (request headers, which are serialized late). */
export const redactedPaths = [
  'req.headers.authorization', 'req.headers["x-signature"]', 'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.idNumber', '*.accountNumber', '*.number', '*.activationCode', '*.code', '*.factoryKey',
  '*.terminalKey', '*.password', '*.supervisorPassword', '*.pin', '*.secret', '*.key',
];

export const redactedValue = '[redacted]';

/** Keys (compared in lower case) whose values are never written to a log, wherever they are. */
export const sensitiveLogKeys: ReadonlySet<string> = new Set([
  'idnumber', 'accountnumber', 'number', 'factorykey', 'activationcode', 'code', 'password',
  'newpassword', 'currentpassword', 'transactionpassword', 'pin', 'supervisorpassword', 'secret',
  'authorization', 'cookie', 'set-cookie', 'terminalkey', 'key', 'x-signature', 'token',
  'sessiontoken', 'totpsecret', 'mfacode', 'otp',
]);

/** Any key ending in one of these is sensitive too (`ownerPassword`, `webhookSecret`, ...). */
const sensitiveKeySuffix = /(password|secret|token|passcode)$/i;

/** How deep the masking walks; deeper values are replaced as a whole (logs stay bounded). */
export const logMaskDepthMax = 12;

function isSensitiveKey(key: string): boolean {
  return sensitiveLogKeys.has(key.toLowerCase()) || sensitiveKeySuffix.test(key);
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/**
 * A copy of `value` with the value of every sensitive key replaced by `[redacted]`, at any
 * depth of plain objects and arrays. Other objects (errors, buffers, dates) are kept as they are:
 * pino serializes them itself.
 */
export function maskSensitive(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= logMaskDepthMax) return '[too deep]';
  if (Array.isArray(value)) {
    seen.add(value);
    return value.map((item) => maskSensitive(item, depth + 1, seen));
  }
  if (!isPlainObject(value)) return value;
  seen.add(value);
  const masked: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    masked[key] = isSensitiveKey(key) && item !== undefined && item !== null
      ? redactedValue : maskSensitive(item, depth + 1, seen);
  }
  return masked;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: redactedPaths, censor: redactedValue },
    formatters: {
      log: (object: Record<string, unknown>) => maskSensitive(object) as Record<string, unknown>,
      bindings: (bindings: Record<string, unknown>) => maskSensitive(bindings) as Record<string, unknown>,
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
