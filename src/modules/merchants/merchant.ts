// Merchant domain rules that need no database: the input shape, field validation, the status
// state machine, what is missing or expiring, and the risk score. All pure, all tested.
import type { RiskThresholds } from '../../platform/config.js';
import type { FieldError } from '../../platform/http/errors.js';
import { isKnownMcc, mccInfo } from './mcc.js';
import {
  daysBetween, isBankCardNumber, isCalendarDate, isCorporateAccountNumber, isDivisionCode, isEmail,
  normalizeMobile, residentIdProblem, usccProblem,
} from './validators.js';

export type MerchantType = 'individual' | 'enterprise';
export type MerchantStatus = 'draft' | 'submitted' | 'under_review' | 'approved' | 'rejected' | 'needs_info';
export type RiskLevel = 'low' | 'medium' | 'high';
export type DocumentKind = 'id_front' | 'id_back' | 'license' | 'storefront' | 'bank_card';
export const documentKinds: readonly DocumentKind[] = ['id_front', 'id_back', 'license', 'storefront', 'bank_card'];

export interface AddressInput { province?: string; city?: string; cityCode?: string; district?: string; line?: string }
export interface AccountInput { bank?: string; number?: string; holder?: string }

/** The API's merchant fields (POST creates a draft with any subset; PATCH changes some). */
export interface MerchantInput {
  legalName?: string; phone?: string; email?: string | null; idNumber?: string; idName?: string; idExpiry?: string;
  uscc?: string | null; licenseName?: string | null; licenseExpiry?: string | null; mcc?: string;
  address?: AddressInput; settlementAccount?: AccountInput;
}

/** Days before an ID card or licence expires from which it counts as "expiring" (risk, pre-fill). */
export const expiringWithinDays = 30;

/** Trims strings and puts numbers in their canonical form (upper-case X, no spaces). */
export function normalizeInput(input: MerchantInput): MerchantInput {
  const trim = (v: string | undefined) => (v === undefined ? undefined : v.trim());
  const out: MerchantInput = { ...input };
  for (const key of ['legalName', 'idName', 'idExpiry', 'mcc'] as const) out[key] = trim(input[key]);
  // An email can be taken off a draft again (null); an empty one means the same.
  if (typeof input.email === 'string') out.email = input.email.trim() === '' ? null : input.email.trim();
  if (input.phone !== undefined) out.phone = normalizeMobile(input.phone) ?? input.phone.trim();
  if (input.idNumber !== undefined) out.idNumber = input.idNumber.replace(/\s/g, '').toUpperCase();
  if (typeof input.uscc === 'string') out.uscc = input.uscc.replace(/\s/g, '').toUpperCase();
  if (typeof input.licenseName === 'string') out.licenseName = input.licenseName.trim();
  if (input.address) out.address = Object.fromEntries(Object.entries(input.address).map(([k, v]) => [k, String(v).trim()]));
  if (input.settlementAccount) {
    const a = input.settlementAccount;
    out.settlementAccount = { ...a, bank: trim(a.bank), holder: trim(a.holder), number: a.number?.replace(/[\s-]/g, '') };
  }
  for (const key of Object.keys(out) as (keyof MerchantInput)[]) if (out[key] === undefined) delete out[key];
  return out;
}

function dateErrors(field: string, value: string | null | undefined, today: string, errors: FieldError[]): void {
  if (value === undefined || value === null) return;
  if (!isCalendarDate(value)) errors.push({ field, rule: 'date', message: 'must be a real date YYYY-MM-DD' });
  else if (value < today) errors.push({ field, rule: 'expired', message: `expired on ${value}` });
}

const idRuleMessages = {
  format: 'must be 17 digits and a check digit or X',
  birth_date: 'contains no valid birth date',
  check_digit: 'check digit does not match (GB 11643)',
} as const;

/** Field-level errors of (normalized) merchant fields; `today` is YYYY-MM-DD in Asia/Shanghai. */
export function validateFields(type: MerchantType, input: MerchantInput, today: string): FieldError[] {
  const errors: FieldError[] = [];
  const text = (field: string, value: string | undefined, max: number) => {
    if (value === undefined) return;
    if (value.length === 0) errors.push({ field, rule: 'required', message: 'must not be empty' });
    else if (value.length > max) errors.push({ field, rule: 'max_length', message: `must be at most ${max} characters` });
  };
  text('legalName', input.legalName, 128);
  text('idName', input.idName, 64);
  if (input.phone !== undefined && normalizeMobile(input.phone) === null) {
    errors.push({ field: 'phone', rule: 'mobile', message: 'must be a mainland mobile number (11 digits, 13–19…)' });
  }
  if (typeof input.email === 'string' && !isEmail(input.email)) errors.push({ field: 'email', rule: 'email', message: 'must be an email address' });
  if (input.idNumber !== undefined) {
    const problem = residentIdProblem(input.idNumber, today);
    if (problem) errors.push({ field: 'idNumber', rule: `resident_id_${problem}`, message: idRuleMessages[problem] });
  }
  dateErrors('idExpiry', input.idExpiry, today, errors);
  dateErrors('licenseExpiry', input.licenseExpiry, today, errors);
  if (type === 'individual') {
    for (const field of ['uscc', 'licenseName', 'licenseExpiry'] as const) {
      if (input[field] !== undefined && input[field] !== null) errors.push({ field, rule: 'enterprise_only', message: 'only enterprise merchants have a business licence' });
    }
  } else {
    if (typeof input.uscc === 'string') {
      const problem = usccProblem(input.uscc);
      if (problem) errors.push({ field: 'uscc', rule: `uscc_${problem}`, message: problem === 'format' ? 'must be 18 characters of the GB 32100 alphabet' : 'check character does not match (GB 32100)' });
    }
    text('licenseName', input.licenseName ?? undefined, 128);
  }
  if (input.mcc !== undefined && !isKnownMcc(input.mcc)) errors.push({ field: 'mcc', rule: 'mcc', message: 'is not a known merchant category code' });
  const a = input.address;
  if (a) {
    for (const key of ['province', 'city', 'district'] as const) text(`address.${key}`, a[key], 64);
    text('address.line', a.line, 256);
    if (a.cityCode !== undefined && !isDivisionCode(a.cityCode)) errors.push({ field: 'address.cityCode', rule: 'division_code', message: 'must be a 6-digit division code' });
  }
  const s = input.settlementAccount;
  if (s) {
    text('settlementAccount.bank', s.bank, 64);
    text('settlementAccount.holder', s.holder, 128);
    if (s.number !== undefined) {
      if (type === 'individual' && !isBankCardNumber(s.number)) {
        errors.push({ field: 'settlementAccount.number', rule: /^\d{16,19}$/.test(s.number) ? 'luhn' : 'card_number', message: 'must be a 16–19 digit bank card number with a valid Luhn check digit' });
      } else if (type === 'enterprise' && !isCorporateAccountNumber(s.number)) {
        errors.push({ field: 'settlementAccount.number', rule: 'account_number', message: 'must be 8–32 digits' });
      }
    }
  }
  return errors;
}

/** A merchant's fields as stored (decrypted where needed); null where nothing is on file. */
export interface MerchantFacts {
  type: MerchantType;
  legalName: string | null; phone: string | null; email: string | null;
  idNumberOnFile: boolean; idName: string | null; idExpiry: string | null;
  uscc: string | null; licenseName: string | null; licenseExpiry: string | null; mcc: string | null;
  address: { province: string | null; city: string | null; cityCode: string | null; district: string | null; line: string | null };
  account: { bank: string | null; numberOnFile: boolean; holder: string | null };
  documents: readonly DocumentKind[];
}

export interface MissingItem { field: string; reason: 'missing' | 'expired' | 'expiring'; expiresOn?: string }

export function requiredDocuments(type: MerchantType): DocumentKind[] {
  return type === 'enterprise' ? ['id_front', 'id_back', 'license', 'bank_card'] : ['id_front', 'id_back', 'bank_card'];
}

/** Required fields with no value (field names as in the API). */
export function missingFields(f: MerchantFacts): string[] {
  const present: [string, unknown][] = [
    ['legalName', f.legalName], ['phone', f.phone], ['email', f.email], ['idNumber', f.idNumberOnFile || null],
    ['idName', f.idName], ['idExpiry', f.idExpiry], ['mcc', f.mcc],
    ['address.province', f.address.province], ['address.city', f.address.city], ['address.cityCode', f.address.cityCode],
    ['address.district', f.address.district], ['address.line', f.address.line],
    ['settlementAccount.bank', f.account.bank], ['settlementAccount.number', f.account.numberOnFile || null],
    ['settlementAccount.holder', f.account.holder],
  ];
  if (f.type === 'enterprise') present.push(['uscc', f.uscc], ['licenseName', f.licenseName], ['licenseExpiry', f.licenseExpiry]);
  return present.filter(([, v]) => v === null || v === '').map(([k]) => k);
}

/**
 * What a later flow must ask for: missing fields and documents, and the ID card or licence (with
 * its document photos) when expired or expiring within `expiringWithinDays`. Nothing else.
 */
export function missingItems(f: MerchantFacts, today: string): MissingItem[] {
  const items: MissingItem[] = missingFields(f).map((field) => ({ field, reason: 'missing' }));
  const expiry = (field: string, date: string | null, docs: DocumentKind[]) => {
    if (date === null) return;
    const days = daysBetween(today, date);
    if (days >= 0 && days > expiringWithinDays) return;
    const reason = days < 0 ? 'expired' : 'expiring';
    items.push({ field, reason, expiresOn: date });
    for (const doc of docs) if (f.documents.includes(doc)) items.push({ field: `documents.${doc}`, reason, expiresOn: date });
  };
  expiry('idExpiry', f.idExpiry, ['id_front', 'id_back']);
  if (f.type === 'enterprise') expiry('licenseExpiry', f.licenseExpiry, ['license']);
  for (const doc of requiredDocuments(f.type)) {
    if (!f.documents.includes(doc)) items.push({ field: `documents.${doc}`, reason: 'missing' });
  }
  return items;
}

// ---- State machine -------------------------------------------------------------------------

export type MerchantAction = 'submit' | 'assess' | 'review';

/** Every allowed status change, by the action that makes it. */
export const merchantTransitions: Record<MerchantAction, Partial<Record<MerchantStatus, readonly MerchantStatus[]>>> = {
  submit: { draft: ['submitted'], needs_info: ['submitted'] },
  assess: { submitted: ['approved', 'under_review', 'rejected'] },
  review: { under_review: ['approved', 'rejected', 'needs_info'], needs_info: ['approved', 'rejected', 'needs_info'] },
};

export function canTransition(action: MerchantAction, from: MerchantStatus, to: MerchantStatus): boolean {
  return merchantTransitions[action][from]?.includes(to) ?? false;
}

/** Fields may change only while the merchant is a draft or asked for more information. */
export const editableStatuses: readonly MerchantStatus[] = ['draft', 'needs_info'];

// ---- Risk ------------------------------------------------------------------------------------

export type RiskReasonCode =
  | 'blacklist_hit' | 'identity_verification_failed' | 'identity_verification_unavailable'
  | 'bank_account_verification_failed' | 'bank_account_verification_unavailable' | 'high_risk_mcc'
  | 'id_number_reused' | 'account_number_reused' | 'holder_name_mismatch' | 'document_expired'
  | 'document_expiring' | 'documents_missing';

/** Points per reason. Missing documents alone stay below the high threshold (Appendix B). */
export const riskPoints: Record<RiskReasonCode, number> = {
  blacklist_hit: 100,
  identity_verification_failed: 70,
  identity_verification_unavailable: 30,
  bank_account_verification_failed: 40,
  bank_account_verification_unavailable: 30,
  high_risk_mcc: 40,
  id_number_reused: 30,
  account_number_reused: 30,
  holder_name_mismatch: 30,
  document_expired: 40,
  document_expiring: 15,
  documents_missing: 15,
};


export interface RiskReason { code: RiskReasonCode; points: number; message: string }
export interface RiskAssessment { score: number; level: RiskLevel; reasons: RiskReason[] }

export interface RiskFacts {
  type: MerchantType; mcc: string | null; idName: string | null; legalName: string | null; licenseName: string | null;
  accountHolder: string | null; idExpiry: string | null; licenseExpiry: string | null; today: string;
  idNumberUsedByOthers: number; accountNumberUsedByOthers: number; blacklistHits: readonly string[];
  missingDocuments: readonly DocumentKind[];
  identityCheck: 'pass' | 'fail' | 'unavailable'; bankAccountCheck: 'pass' | 'fail' | 'unavailable';
}

/** Below `reviewScore` auto-approves; from `rejectScore` on rejects; between goes to manual review. */
export function riskLevelOf(score: number, thresholds: RiskThresholds): RiskLevel {
  if (score >= thresholds.rejectScore) return 'high';
  return score >= thresholds.reviewScore ? 'medium' : 'low';
}

function holderMatches(f: RiskFacts): boolean {
  if (f.accountHolder === null) return true;
  const names = f.type === 'individual' ? [f.idName] : [f.licenseName, f.legalName, f.idName];
  return names.some((n) => n !== null && n === f.accountHolder);
}

/** The score (0–100), its named reasons, and the level under the configured thresholds. */
export function assessRisk(f: RiskFacts, thresholds: RiskThresholds): RiskAssessment {
  const reasons: RiskReason[] = [];
  const add = (code: RiskReasonCode, message: string) => reasons.push({ code, points: riskPoints[code], message });
  if (f.blacklistHits.length > 0) add('blacklist_hit', `On the blacklist: ${f.blacklistHits.join(', ')}`);
  if (f.identityCheck === 'fail') add('identity_verification_failed', 'Name and ID number do not match (real-name check)');
  if (f.identityCheck === 'unavailable') add('identity_verification_unavailable', 'The real-name check could not be completed');
  if (f.bankAccountCheck === 'fail') add('bank_account_verification_failed', 'The bank did not confirm the account holder');
  if (f.bankAccountCheck === 'unavailable') add('bank_account_verification_unavailable', 'The bank account check could not be completed');
  const mcc = f.mcc === null ? undefined : mccInfo(f.mcc);
  if (mcc?.highRisk) add('high_risk_mcc', `MCC ${mcc.code} (${mcc.en}) is a high-risk category`);
  if (f.idNumberUsedByOthers > 0) add('id_number_reused', `The ID number is used by ${f.idNumberUsedByOthers} other merchant(s)`);
  if (f.accountNumberUsedByOthers > 0) add('account_number_reused', `The settlement account is used by ${f.accountNumberUsedByOthers} other merchant(s)`);
  if (!holderMatches(f)) add('holder_name_mismatch', f.type === 'individual' ? 'The account holder is not the ID card holder' : 'The account holder is not the enterprise or its legal representative');
  const expiries = [f.idExpiry, f.type === 'enterprise' ? f.licenseExpiry : null].filter((d): d is string => d !== null);
  const soonest = Math.min(...expiries.map((d) => daysBetween(f.today, d)));
  if (soonest < 0) add('document_expired', 'The ID card or business licence has expired');
  else if (soonest <= expiringWithinDays) add('document_expiring', `The ID card or business licence expires within ${expiringWithinDays} days`);
  if (f.missingDocuments.length > 0) add('documents_missing', `Documents not yet uploaded: ${f.missingDocuments.join(', ')}`);
  const score = Math.min(100, reasons.reduce((sum, r) => sum + r.points, 0));
  return { score, level: riskLevelOf(score, thresholds), reasons };
}

/** The status a submitted merchant moves to after its risk assessment. */
export function statusForRisk(level: RiskLevel): MerchantStatus {
  switch (level) {
    case 'low': return 'approved';
    case 'medium': return 'under_review';
    case 'high': return 'rejected';
    default: {
      const never: never = level;
      throw new Error(`Unexpected risk level ${String(never)}`);
    }
  }
}
