// Proves configuration parsing of the re-activation period: JIHUO_SECURITY_VERIFICATION_MONTHS
// defaults to 12 (SPEC §7), accepts another whole number of months, and refuses 0 or nonsense.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const secrets = { JIHUO_SECRET_KEY: '1'.repeat(64), JIHUO_FIELD_KEYS: `k1:${'2'.repeat(64)}` };

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
