// pino, with redaction of every field that may carry a secret or personal data.
import { pino, type Logger } from 'pino';

export const redactedPaths = [
  'req.headers.authorization', 'req.headers["x-signature"]', 'req.headers.cookie',
  '*.idNumber', '*.accountNumber', '*.number', '*.activationCode', '*.code', '*.factoryKey',
  '*.terminalKey', '*.password', '*.supervisorPassword', '*.pin', '*.secret', '*.key',
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: redactedPaths, censor: '[redacted]' } });
}

export type { Logger };
