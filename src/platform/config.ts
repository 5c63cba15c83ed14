// Configuration from the environment, parsed once, validated, and passed explicitly.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  activationCodeTtlHoursDefault, riskRejectScoreDefault, riskRejectScoreMin, riskReviewScoreDefault,
  securityVerificationMonthsDefault, terminalDailyAmountFenMaxDefault, transactionAmountFenMaxDefault,
} from './limits.js';

export interface Secrets {
  /** Key of every keyed hash (API keys, activation codes, notice codes, search hashes). */
  hmacKey: Buffer;
  /** Field encryption keys by key id; `activeFieldKeyId` encrypts, all decrypt. */
  fieldKeys: Map<string, Buffer>;
  activeFieldKeyId: string;
}

/** Merchant risk score thresholds: `score < reviewScore` approves, `score >= rejectScore` rejects. */
export interface RiskThresholds { reviewScore: number; rejectScore: number }

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  bootstrapKey: string | undefined;
  enableTestClock: boolean;
  benchRoutes: boolean;
  smtpUrl: string | undefined;
  smsWebhookUrl: string | undefined;
  officialDomain: string;
  logLevel: string;
  activationCodeTtlHours: number;
  /** Months between periodic security verifications, counted from activation (SPEC §7). */
  securityVerificationMonths: number;
  transactionAmountFenMax: number;
  /** Approved sales per terminal per Asia/Shanghai day, in fen (单日限额). */
  terminalDailyAmountFenMax: number;
  refundReturnsFee: boolean;
  riskThresholds: RiskThresholds;
  runWorkers: boolean;
  secrets: Secrets;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function parseHexKey(name: string, value: string): Buffer {
  if (!/^[0-9a-fA-F]{64}$/.test(value)) throw new ConfigError(`${name} must be 64 hex digits`);
  return Buffer.from(value, 'hex');
}

/** `JIHUO_FIELD_KEYS=k1:<64 hex>,k2:<64 hex>`; the active one is `JIHUO_FIELD_KEY_ID`. */
function parseFieldKeys(value: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  for (const part of value.split(',')) {
    const [id, hex] = part.split(':');
    if (!id || !hex || !/^[a-z0-9]{1,16}$/.test(id)) {
      throw new ConfigError('JIHUO_FIELD_KEYS must look like k1:<64 hex>,k2:<64 hex>');
    }
    keys.set(id, parseHexKey(`JIHUO_FIELD_KEYS (${id})`, hex));
  }
  return keys;
}

interface StoredSecrets { hmacKey: string; fieldKeys: Record<string, string>; activeFieldKeyId: string }

/**
 * Secrets come from the environment in production. For the zero-setup embedded default they are
 * generated once and kept beside the data (mode 0600), so a restart can still read its data.
 */
function loadSecrets(env: Env, dataDir: string): Secrets {
  if (env.JIHUO_SECRET_KEY && env.JIHUO_FIELD_KEYS) {
    const fieldKeys = parseFieldKeys(env.JIHUO_FIELD_KEYS);
    const activeFieldKeyId = env.JIHUO_FIELD_KEY_ID ?? [...fieldKeys.keys()].at(-1)!;
    if (!fieldKeys.has(activeFieldKeyId)) throw new ConfigError('JIHUO_FIELD_KEY_ID names no key');
    return { hmacKey: parseHexKey('JIHUO_SECRET_KEY', env.JIHUO_SECRET_KEY), fieldKeys, activeFieldKeyId };
  }
  const file = join(dataDir, 'secrets.json');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    const stored: StoredSecrets = {
      hmacKey: randomBytes(32).toString('hex'),
      fieldKeys: { k1: randomBytes(32).toString('hex') },
      activeFieldKeyId: 'k1',
    };
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  const stored = JSON.parse(readFileSync(file, 'utf8')) as StoredSecrets;
  const fieldKeys = new Map(Object.entries(stored.fieldKeys).map(([id, hex]) => [id, parseHexKey(id, hex)]));
  return { hmacKey: parseHexKey('hmacKey', stored.hmacKey), fieldKeys, activeFieldKeyId: stored.activeFieldKeyId };
}

function intFrom(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new ConfigError(`${name} must be a whole number`);
  return value;
}

function positiveIntFrom(env: Env, name: string, fallback: number): number {
  const value = intFrom(env, name, fallback);
  if (value < 1) throw new ConfigError(`${name} must be at least 1`);
  return value;
}

/** `JIHUO_RISK_REVIEW_SCORE` and `JIHUO_RISK_REJECT_SCORE`, checked: 0 < review < reject ≤ 100. */
export function riskThresholdsFrom(env: Env): RiskThresholds {
  const reviewScore = intFrom(env, 'JIHUO_RISK_REVIEW_SCORE', riskReviewScoreDefault);
  const rejectScore = intFrom(env, 'JIHUO_RISK_REJECT_SCORE', riskRejectScoreDefault);
  if (!(reviewScore > 0 && reviewScore < rejectScore && rejectScore <= 100)) {
    throw new ConfigError(`JIHUO_RISK_REVIEW_SCORE (${reviewScore}) and JIHUO_RISK_REJECT_SCORE (${rejectScore}) `
      + 'must satisfy 0 < review < reject <= 100');
  }
  if (rejectScore < riskRejectScoreMin) {
    throw new ConfigError(`JIHUO_RISK_REJECT_SCORE must be at least ${riskRejectScoreMin}: `
      + 'missing documents alone never reject a merchant');
  }
  return { reviewScore, rejectScore };
}

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** `JIHUO_LOG_LEVEL` (or the older `LOG_LEVEL`; the first one set wins), default `info`. */
function logLevelFrom(env: Env): string {
  const name = env.JIHUO_LOG_LEVEL ? 'JIHUO_LOG_LEVEL' : 'LOG_LEVEL';
  const level = env[name] || 'info';
  if (!(logLevels as readonly string[]).includes(level)) {
    throw new ConfigError(`${name} must be one of ${logLevels.join(', ')}`);
  }
  return level;
}

export function loadConfig(env: Env = process.env): Config {
  const dataDir = resolve(env.JIHUO_DATA_DIR ?? './data');
  return {
    port: intFrom(env, 'PORT', 3000),
    host: env.HOST ?? '0.0.0.0',
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    bootstrapKey: env.JIHUO_BOOTSTRAP_KEY || undefined,
    enableTestClock: env.JIHUO_ENABLE_TEST_CLOCK === '1',
    benchRoutes: env.JIHUO_BENCH_ROUTES === '1',
    smtpUrl: env.JIHUO_SMTP_URL || undefined,
    smsWebhookUrl: env.JIHUO_SMS_WEBHOOK_URL || undefined,
    officialDomain: env.JIHUO_OFFICIAL_DOMAIN ?? 'jihuo.example.cn',
    logLevel: logLevelFrom(env),
    activationCodeTtlHours: intFrom(env, 'JIHUO_ACTIVATION_CODE_TTL_HOURS', activationCodeTtlHoursDefault),
    securityVerificationMonths: positiveIntFrom(env, 'JIHUO_SECURITY_VERIFICATION_MONTHS', securityVerificationMonthsDefault),
    transactionAmountFenMax: intFrom(env, 'JIHUO_TRANSACTION_AMOUNT_MAX_FEN', transactionAmountFenMaxDefault),
    terminalDailyAmountFenMax: intFrom(env, 'JIHUO_TERMINAL_DAILY_AMOUNT_MAX_FEN', terminalDailyAmountFenMaxDefault),
    refundReturnsFee: env.JIHUO_REFUND_RETURNS_FEE === '1',
    riskThresholds: riskThresholdsFrom(env),
    runWorkers: env.JIHUO_WORKERS !== '0',
    secrets: loadSecrets(env, dataDir),
  };
}

/** A configuration for tests: fixed secrets, no files. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    port: 0, host: '127.0.0.1', dataDir: '/nonexistent', databaseUrl: undefined,
    bootstrapKey: undefined, enableTestClock: true, benchRoutes: false,
    smtpUrl: undefined, smsWebhookUrl: undefined, officialDomain: 'jihuo.example.cn',
    logLevel: 'silent', activationCodeTtlHours: activationCodeTtlHoursDefault,
    securityVerificationMonths: securityVerificationMonthsDefault,
    transactionAmountFenMax: transactionAmountFenMaxDefault, terminalDailyAmountFenMax: terminalDailyAmountFenMaxDefault,
    refundReturnsFee: false,
    riskThresholds: { reviewScore: riskReviewScoreDefault, rejectScore: riskRejectScoreDefault },
    runWorkers: false,
    secrets: {
      hmacKey: Buffer.alloc(32, 7),
      fieldKeys: new Map([['k1', Buffer.alloc(32, 9)]]),
      activeFieldKeyId: 'k1',
    },
    ...overrides,
  };
}
