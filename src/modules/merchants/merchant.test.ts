// Proves the pure merchant rules: field errors name field and rule, the state machine, what is
// missing or expiring, and the risk score (thresholds, missing documents never reject alone).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { riskThresholdsFrom } from '../../platform/config.js';
import { riskRejectScoreDefault, riskRejectScoreMin, riskReviewScoreDefault } from '../../platform/limits.js';
import {
  assessRisk, canTransition, missingItems, normalizeInput, riskPoints, statusForRisk, validateFields,
  type MerchantFacts, type RiskFacts, type RiskReasonCode,
} from './merchant.js';

const today = '2026-06-01';

describe('validateFields', () => {
  it('names each bad field and the rule it broke', () => {
    const input = normalizeInput({
      phone: '12345', email: 'nope', idNumber: '110105199003071238', idExpiry: '2026-02-30', mcc: '0000',
      address: { cityCode: 'abc' }, settlementAccount: { number: '6222021000000000018' }, uscc: '91350100M000100Y43',
    });
    expect(validateFields('individual', input, today)).toEqual([
      { field: 'phone', rule: 'mobile', message: expect.any(String) },
      { field: 'email', rule: 'email', message: expect.any(String) },
      { field: 'idNumber', rule: 'resident_id_check_digit', message: expect.any(String) },
      { field: 'idExpiry', rule: 'date', message: expect.any(String) },
      { field: 'uscc', rule: 'enterprise_only', message: expect.any(String) },
      { field: 'mcc', rule: 'mcc', message: expect.any(String) },
      { field: 'address.cityCode', rule: 'division_code', message: expect.any(String) },
      { field: 'settlementAccount.number', rule: 'luhn', message: expect.any(String) },
    ]);
  });

  it('accepts a complete, valid enterprise and refuses an expired licence and a bad USCC', () => {
    const ok = normalizeInput({ uscc: '91350100m000100y43', licenseExpiry: '2030-01-01', settlementAccount: { number: '31001234567890' }, idNumber: '11010519491231002x' });
    expect(validateFields('enterprise', ok, today)).toEqual([]);
    expect(validateFields('enterprise', { uscc: '91350100M000100Y44', licenseExpiry: '2026-05-31' }, today).map((e) => [e.field, e.rule]))
      .toEqual([['licenseExpiry', 'expired'], ['uscc', 'uscc_check_digit']]);
  });
});

describe('state machine', () => {
  it('allows submit from draft and needs_info only, and review from under_review and needs_info only', () => {
    expect(canTransition('submit', 'draft', 'submitted')).toBe(true);
    expect(canTransition('submit', 'needs_info', 'submitted')).toBe(true);
    for (const s of ['approved', 'rejected', 'under_review', 'submitted'] as const) expect(canTransition('submit', s, 'submitted')).toBe(false);
    expect(canTransition('review', 'under_review', 'approved')).toBe(true);
    expect(canTransition('review', 'needs_info', 'approved')).toBe(true);
    for (const s of ['approved', 'rejected', 'draft', 'submitted'] as const) expect(canTransition('review', s, 'approved')).toBe(false);
  });
});

const completeFacts: MerchantFacts = {
  type: 'individual', legalName: '店', phone: '13800138000', email: 'a@b.cn', idNumberOnFile: true, idName: '张三',
  idExpiry: '2040-01-01', uscc: null, licenseName: null, licenseExpiry: null, mcc: '5812',
  address: { province: 'p', city: 'c', cityCode: '110100', district: 'd', line: 'l' },
  account: { bank: 'b', numberOnFile: true, holder: '张三' }, documents: ['id_front', 'id_back', 'bank_card'],
};

describe('missingItems', () => {
  it('asks for nothing when all is on file and valid', () => {
    expect(missingItems(completeFacts, today)).toEqual([]);
  });

  it('lists missing fields and documents, and the ID with its photos when expiring or expired', () => {
    const facts = { ...completeFacts, email: null, idExpiry: '2026-06-20', documents: ['id_front', 'id_back'] as const };
    expect(missingItems(facts as MerchantFacts, today)).toEqual([
      { field: 'email', reason: 'missing' },
      { field: 'idExpiry', reason: 'expiring', expiresOn: '2026-06-20' },
      { field: 'documents.id_front', reason: 'expiring', expiresOn: '2026-06-20' },
      { field: 'documents.id_back', reason: 'expiring', expiresOn: '2026-06-20' },
      { field: 'documents.bank_card', reason: 'missing' },
    ]);
    expect(missingItems({ ...completeFacts, idExpiry: '2026-05-01' }, today)[0]).toEqual({ field: 'idExpiry', reason: 'expired', expiresOn: '2026-05-01' });
  });
});

const cleanRisk: RiskFacts = {
  type: 'individual', mcc: '5812', idName: '张三', legalName: '店', licenseName: null, accountHolder: '张三',
  idExpiry: '2040-01-01', licenseExpiry: null, today, idNumberUsedByOthers: 0, accountNumberUsedByOthers: 0,
  blacklistHits: [], missingDocuments: [], identityCheck: 'pass', bankAccountCheck: 'pass',
};

const thresholds = { reviewScore: riskReviewScoreDefault, rejectScore: riskRejectScoreDefault };

describe('risk thresholds', () => {
  it('decide the level from the configured scores', () => {
    const highRiskMcc = { ...cleanRisk, mcc: '7995' };
    expect(assessRisk(highRiskMcc, thresholds).level).toBe('medium');
    expect(assessRisk(highRiskMcc, { reviewScore: 20, rejectScore: 40 }).level).toBe('high');
    expect(assessRisk(highRiskMcc, { reviewScore: 50, rejectScore: 90 }).level).toBe('low');
  });

  it('come from the environment, defaulting to 30 and 70, and refuse a bad pair', () => {
    expect(riskThresholdsFrom({})).toEqual({ reviewScore: 30, rejectScore: 70 });
    expect(riskThresholdsFrom({ JIHUO_RISK_REVIEW_SCORE: '20', JIHUO_RISK_REJECT_SCORE: '100' }))
      .toEqual({ reviewScore: 20, rejectScore: 100 });
    for (const [review, reject] of [['0', '70'], ['70', '70'], ['80', '70'], ['30', '101'], ['x', '70'], ['5', '10']]) {
      expect(() => riskThresholdsFrom({ JIHUO_RISK_REVIEW_SCORE: review, JIHUO_RISK_REJECT_SCORE: reject }))
        .toThrow(/JIHUO_RISK_RE/);
    }
  });
});

describe('assessRisk', () => {
  it('scores a clean merchant 0 (approve)', () => {
    expect(assessRisk(cleanRisk, thresholds)).toEqual({ score: 0, level: 'low', reasons: [] });
    expect(statusForRisk('low')).toBe('approved');
  });

  it.each<[Partial<RiskFacts>, RiskReasonCode[], 'low' | 'medium' | 'high']>([
    [{ mcc: '7995' }, ['high_risk_mcc'], 'medium'],
    [{ idNumberUsedByOthers: 1 }, ['id_number_reused'], 'medium'],
    [{ accountHolder: '李四' }, ['holder_name_mismatch'], 'medium'],
    [{ idExpiry: '2026-06-15' }, ['document_expiring'], 'low'],
    [{ blacklistHits: ['phone'] }, ['blacklist_hit'], 'high'],
    [{ identityCheck: 'fail' }, ['identity_verification_failed'], 'high'],
    [{ missingDocuments: ['id_front'], idExpiry: '2026-06-15' }, ['document_expiring', 'documents_missing'], 'medium'],
  ])('%j → %j (%s)', (change, codes, level) => {
    const risk = assessRisk({ ...cleanRisk, ...change }, thresholds);
    expect(risk.reasons.map((r) => r.code)).toEqual(codes);
    expect(risk.level).toBe(level);
  });

  it('keeps the score in 0–100, the level consistent with it, and missing documents alone never high', () => {
    const facts = fc.record({
      mcc: fc.constantFrom('5812', '7995', '5933'), idNumberUsedByOthers: fc.nat(3), accountNumberUsedByOthers: fc.nat(3),
      blacklistHits: fc.subarray(['phone', 'id_number']), identityCheck: fc.constantFrom('pass', 'fail', 'unavailable'),
      bankAccountCheck: fc.constantFrom('pass', 'fail', 'unavailable'), missingDocuments: fc.subarray(['id_front', 'id_back', 'bank_card']),
    });
    fc.assert(fc.property(facts, (change) => {
      const risk = assessRisk({ ...cleanRisk, ...change } as RiskFacts, thresholds);
      expect(risk.score).toBeGreaterThanOrEqual(0);
      expect(risk.score).toBeLessThanOrEqual(100);
      expect(risk.level).toBe(risk.score >= thresholds.rejectScore ? 'high' : risk.score >= thresholds.reviewScore ? 'medium' : 'low');
      const alone = assessRisk({ ...cleanRisk, missingDocuments: change.missingDocuments as RiskFacts['missingDocuments'] }, thresholds);
      expect(alone.level).not.toBe('high');
    }));
    expect(riskPoints.documents_missing).toBeLessThan(riskRejectScoreMin);
  });
});
