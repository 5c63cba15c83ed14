// Proves configuration parsing: the log level from JIHUO_LOG_LEVEL (or LOG_LEVEL), the risk
// thresholds, and the re-activation period JIHUO_SECURITY_VERIFICATION_MONTHS (default 12, SPEC §7).
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const secrets = { JIHUO_SECRET_KEY: '11'.repeat(32), JIHUO_FIELD_KEYS: `k1:${'22'.repeat(32)}` };

describe('loadConfig', () => {
  it.each([
    [{}, 'info'],
    [{ LOG_LEVEL: 'debug' }, 'debug'],
    [{ JIHUO_LOG_LEVEL: 'silent' }, 'silent'],
    [{ JIHUO_LOG_LEVEL: 'warn', LOG_LEVEL: 'debug' }, 'warn'],
  ])('reads the log level from %j', (env, level) => {
    expect(loadConfig({ ...secrets, ...env }).logLevel).toBe(level);
  });

  it('refuses an unknown log level', () => {
    expect(() => loadConfig({ ...secrets, JIHUO_LOG_LEVEL: 'loud' })).toThrow(ConfigError);
  });

  it('reads the risk thresholds', () => {
    expect(loadConfig(secrets).riskThresholds).toEqual({ reviewScore: 30, rejectScore: 70 });
    expect(loadConfig({ ...secrets, JIHUO_RISK_REVIEW_SCORE: '25', JIHUO_RISK_REJECT_SCORE: '60' }).riskThresholds)
      .toEqual({ reviewScore: 25, rejectScore: 60 });
    expect(() => loadConfig({ ...secrets, JIHUO_RISK_REJECT_SCORE: '20' })).toThrow(/must satisfy 0 < review < reject <= 100/);
  });
});

describe('JIHUO_SECURITY_VERIFICATION_MONTHS', () => {
  it.each([
    [undefined, 12], ['', 12], ['6', 6], ['24', 24],
  ])('%s → %d months', (value, months) => {
    expect(loadConfig({ ...secrets, JIHUO_SECURITY_VERIFICATION_MONTHS: value }).securityVerificationMonths).toBe(months);
  });

  it.each(['0', '-1', '1.5', 'twelve'])('refuses %s', (value) => {
    expect(() => loadConfig({ ...secrets, JIHUO_SECURITY_VERIFICATION_MONTHS: value })).toThrow(ConfigError);
  });
});
