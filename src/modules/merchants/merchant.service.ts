// Merchant rules. Other modules read merchants only through this service.
import { onSettlementAccountChanged } from '../reactivation/reactivation.hooks.js';
import { randomInt } from 'node:crypto';
import type { Updateable } from 'kysely';
import type { Actor } from '../../platform/actor.js';
import { shanghaiDate } from '../../platform/clock.js';
import type { AppContext } from '../../platform/context.js';
import { maskMiddle } from '../../platform/crypto/mask.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError, validationError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import {
  assessRisk, canTransition, editableStatuses, missingFields, missingItems, normalizeInput, requiredDocuments,
  statusForRisk, validateFields, type DocumentKind, type MerchantFacts, type MerchantInput, type MerchantStatus,
  type MerchantType, type MissingItem, type RiskAssessment,
} from './merchant.js';
import {
  blacklistHits, countOthersWithHash, currentDocuments, findMerchant, insertMerchantEvent, insertMerchantRow,
  insertStatusHistory, listMerchantEventRows, midExists, updateMerchantRow, type MerchantRow,
} from './merchant.repository.js';
import type { MerchantTable } from './merchant.table.js';
import { mccInfo } from './mcc.js';
import { verificationProvider } from './verification.js';
import { sendNotification } from '../notifications/notification.service.js';
import { emitEvent, type WebhookEventType } from '../notifications/webhook.service.js';

export interface MerchantSummary {
  id: string;
  mid: string;
  status: MerchantTable['status'];
  legalName: string;
  phone: string | null;
  email: string | null;
  mcc: string | null;
  province: string | null;
  cityCode: string | null;
  riskLevel: MerchantTable['risk_level'];
  pricingPlanId: string | null;
  locale: string;
  quietStartMinute: number;
  quietEndMinute: number;
  type: MerchantType;
  idExpiry: string | null;
  licenseExpiry: string | null;
}

export const sealedFields = { idNumber: 'merchants.id_number', accountNumber: 'merchants.account_number' } as const;

export const maskIdNumber = (value: string) => maskMiddle(value, 3, 4);
export const maskAccountNumber = (value: string) => maskMiddle(value, 4, 4);

export function merchantNotFound(id: string): AppError {
  return new AppError('merchant_not_found', `Merchant ${id} was not found`);
}

export async function getMerchantSummary(db: Executor, id: string): Promise<MerchantSummary> {
  const row = await findMerchant(db, id);
  if (!row) throw merchantNotFound(id);
  return {
    id: row.id, mid: row.mid, status: row.status, legalName: row.legal_name, phone: row.phone, email: row.email,
    mcc: row.mcc, province: row.province, cityCode: row.city_code, riskLevel: row.risk_level,
    pricingPlanId: row.pricing_plan_id, locale: row.locale, quietStartMinute: row.quiet_start_minute,
    quietEndMinute: row.quiet_end_minute, type: row.type, idExpiry: row.id_expiry, licenseExpiry: row.license_expiry,
  };
}

export async function merchantOrThrow(db: Executor, id: string, options: { forUpdate?: boolean } = {}): Promise<MerchantRow> {
  const row = await findMerchant(db, id, options);
  if (!row) throw merchantNotFound(id);
  return row;
}

/** The masked, client-facing form of a merchant (SPEC §3: sensitive numbers never in clear). */
export function merchantView(row: MerchantRow) {
  const mcc = row.mcc === null ? undefined : mccInfo(row.mcc);
  return {
    id: row.id, mid: row.mid, type: row.type, status: row.status, legalName: row.legal_name, phone: row.phone,
    email: row.email, idType: row.id_type, idNumber: row.id_number_mask, idName: row.id_name, idExpiry: row.id_expiry,
    uscc: row.uscc, licenseName: row.license_name, licenseExpiry: row.license_expiry, mcc: row.mcc,
    mccName: mcc ? { zh: mcc.zh, en: mcc.en } : null,
    address: { province: row.province, city: row.city, cityCode: row.city_code, district: row.district, line: row.address_line },
    settlementAccount: { bank: row.bank_name, number: row.account_number_mask, holder: row.account_holder },
    risk: row.risk_score === null ? null : { score: row.risk_score, level: row.risk_level, reasons: row.risk_reasons },
    verification: { identity: row.identity_check, bankAccount: row.account_check },
    reviewNote: row.review_note,
    submittedAt: row.submitted_at?.toISOString() ?? null, approvedAt: row.approved_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString(),
  };
}
export type MerchantView = ReturnType<typeof merchantView>;

export function todayOf(ctx: AppContext): string {
  return shanghaiDate(ctx.clock.now());
}

/** Column values for the given (normalized, valid) input fields; sensitive ones sealed. */
function columnsOf(ctx: AppContext, input: MerchantInput): Updateable<MerchantTable> {
  const c: Updateable<MerchantTable> = {};
  if (input.legalName !== undefined) c.legal_name = input.legalName;
  if (input.phone !== undefined) c.phone = input.phone;
  if (input.email !== undefined) c.email = input.email;
  if (input.idNumber !== undefined) {
    c.id_number_enc = ctx.cipher.seal(sealedFields.idNumber, input.idNumber);
    c.id_number_hash = ctx.hash('id_number', input.idNumber);
    c.id_number_mask = maskIdNumber(input.idNumber);
  }
  if (input.idName !== undefined) c.id_name = input.idName;
  if (input.idExpiry !== undefined) c.id_expiry = input.idExpiry;
  if (input.uscc !== undefined) c.uscc = input.uscc;
  if (input.licenseName !== undefined) c.license_name = input.licenseName;
  if (input.licenseExpiry !== undefined) c.license_expiry = input.licenseExpiry;
  if (input.mcc !== undefined) c.mcc = input.mcc;
  const a = input.address;
  if (a) {
    if (a.province !== undefined) c.province = a.province;
    if (a.city !== undefined) c.city = a.city;
    if (a.cityCode !== undefined) c.city_code = a.cityCode;
    if (a.district !== undefined) c.district = a.district;
    if (a.line !== undefined) c.address_line = a.line;
  }
  const s = input.settlementAccount;
  if (s) {
    if (s.bank !== undefined) c.bank_name = s.bank;
    if (s.holder !== undefined) c.account_holder = s.holder;
    if (s.number !== undefined) {
      c.account_number_enc = ctx.cipher.seal(sealedFields.accountNumber, s.number);
      c.account_number_hash = ctx.hash('account_number', s.number);
      c.account_number_mask = maskAccountNumber(s.number);
    }
  }
  // A verified identity or account stays verified only while its fields are unchanged.
  if (input.idNumber !== undefined || input.idName !== undefined) { c.identity_check = null; c.identity_checked_at = null; }
  if (s && (s.number !== undefined || s.holder !== undefined)) { c.account_check = null; c.account_checked_at = null; }
  return c;
}

function checkedInput(type: MerchantType, raw: MerchantInput, today: string): MerchantInput {
  const input = normalizeInput(raw);
  const errors = validateFields(type, input, today);
  if (errors.length > 0) throw validationError(errors);
  return input;
}

/** A 15-digit MID: acquirer 898, area (4), MCC (4), serial (4) — as in ISO 8583 field 42. */
async function newMid(db: Executor, cityCode: string | undefined, mcc: string | undefined): Promise<string> {
  const prefix = `898${(cityCode ?? '0000').slice(0, 4)}${mcc ?? '0000'}`;
  for (let attempt = 0; attempt < 50; attempt++) {
    const mid = `${prefix}${String(randomInt(0, 10_000)).padStart(4, '0')}`;
    if (!(await midExists(db, mid))) return mid;
  }
  for (;;) {
    const mid = `898${String(randomInt(0, 1e12)).padStart(12, '0')}`;
    if (!(await midExists(db, mid))) return mid;
  }
}

function historyActor(actor: Actor) {
  return { actor_kind: actor.kind, actor_id: actor.id };
}

export type NewMerchantBody = MerchantInput & { type: MerchantType; legalName: string };

export async function createMerchant(ctx: AppContext, actor: Actor, body: NewMerchantBody, requestId?: string): Promise<MerchantView> {
  const input = checkedInput(body.type, body, todayOf(ctx));
  return ctx.db.transaction().execute((trx) => insertMerchant(ctx, trx, actor, body, input, { requestId }));
}

/** Validates and creates a draft merchant inside the caller's transaction (self-service sign-up). */
export async function createMerchantIn(ctx: AppContext, trx: Executor, actor: Actor, body: NewMerchantBody,
  options: { id?: string; requestId?: string } = {}): Promise<MerchantView> {
  const input = checkedInput(body.type, body, todayOf(ctx));
  return insertMerchant(ctx, trx, actor, body, input, options);
}

async function insertMerchant(ctx: AppContext, trx: Executor, actor: Actor, body: NewMerchantBody, input: MerchantInput,
  options: { id?: string; requestId?: string | undefined }): Promise<MerchantView> {
  const id = options.id ?? newId('mch');
  const requestId = options.requestId;
  const at = ctx.clock.now();
  const mid = await newMid(trx, input.address?.cityCode, input.mcc);
  await insertMerchantRow(trx, {
    id, mid, type: body.type, status: 'draft', legal_name: input.legalName ?? body.legalName,
    phone: null, email: null, id_number_enc: null, id_number_hash: null, id_number_mask: null, id_name: null,
    id_expiry: null, uscc: null, license_name: null, license_expiry: null, mcc: null, province: null, city: null,
    city_code: null, district: null, address_line: null, bank_name: null, account_number_enc: null,
    account_number_hash: null, account_number_mask: null, account_holder: null, risk_score: null, risk_level: null,
    risk_reasons: '[]', pricing_plan_id: null, submitted_at: null, approved_at: null, identity_check: null,
    identity_checked_at: null, account_check: null, account_checked_at: null, review_note: null,
    created_at: at, updated_at: at,
  });
  await updateMerchantRow(trx, id, columnsOf(ctx, input));
  await insertStatusHistory(trx, { merchant_id: id, at, from_status: null, to_status: 'draft', ...historyActor(actor), note: null });
  await ctx.audit(trx, actor, { action: 'merchant.created', subjectType: 'merchant', subjectId: id, merchantId: id, requestId, details: { type: body.type, mid } });
  return merchantView(await merchantOrThrow(trx, id));
}

export async function updateMerchant(ctx: AppContext, actor: Actor, id: string, body: MerchantInput, requestId?: string): Promise<MerchantView> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await merchantOrThrow(trx, id, { forUpdate: true });
    if (!editableStatuses.includes(row.status)) {
      throw new AppError('invalid_state', `A merchant in status ${row.status} cannot be edited; only draft and needs_info`, { status: row.status });
    }
    const input = checkedInput(row.type, body, todayOf(ctx));
    const columns = columnsOf(ctx, input);
    await updateMerchantRow(trx, id, { ...columns, updated_at: ctx.clock.now() });
    const changed = Object.keys(input).flatMap((k) => {
      const v = input[k as keyof MerchantInput];
      return v !== null && typeof v === 'object' ? Object.keys(v).map((sub) => `${k}.${sub}`) : [k];
    });
    await ctx.audit(trx, actor, { action: 'merchant.updated', subjectType: 'merchant', subjectId: id, merchantId: id, requestId, details: { fields: changed } });
    return merchantView(await merchantOrThrow(trx, id));
  });
}

function factsOf(row: MerchantRow, documents: readonly DocumentKind[]): MerchantFacts {
  return {
    type: row.type, legalName: row.legal_name, phone: row.phone, email: row.email,
    idNumberOnFile: row.id_number_enc !== null, idName: row.id_name, idExpiry: row.id_expiry,
    uscc: row.uscc, licenseName: row.license_name, licenseExpiry: row.license_expiry, mcc: row.mcc,
    address: { province: row.province, city: row.city, cityCode: row.city_code, district: row.district, line: row.address_line },
    account: { bank: row.bank_name, numberOnFile: row.account_number_enc !== null, holder: row.account_holder },
    documents,
  };
}

/**
 * What a later flow (activation, re-activation, applications, tickets) must still ask this
 * merchant for: missing fields and documents, expired or soon-expiring ID card or licence.
 */
export async function getMerchantMissing(ctx: AppContext, db: Executor, id: string): Promise<MissingItem[]> {
  const row = await merchantOrThrow(db, id);
  const documents = (await currentDocuments(db, id)).map((d) => d.kind);
  return missingItems(factsOf(row, documents), todayOf(ctx));
}

async function runChecks(ctx: AppContext, row: MerchantRow) {
  const provider = verificationProvider();
  const idNumber = ctx.cipher.open(sealedFields.idNumber, row.id_number_enc!);
  const identity = row.identity_check === 'pass' ? 'pass' as const
    : (await provider.checkIdentity({ name: row.id_name!, idNumber })).outcome;
  const account = row.account_check === 'pass' ? 'pass' as const
    : (await provider.checkBankAccount({
      bank: row.bank_name!, holder: row.account_holder!, idNumber: row.type === 'individual' ? idNumber : null,
      number: ctx.cipher.open(sealedFields.accountNumber, row.account_number_enc!),
    })).outcome;
  return { identity, account };
}

async function assessMerchant(ctx: AppContext, trx: Executor, row: MerchantRow, checks: Awaited<ReturnType<typeof runChecks>>): Promise<RiskAssessment> {
  const documents = (await currentDocuments(trx, row.id)).map((d) => d.kind);
  const pairs: { kind: 'id_number' | 'account_number' | 'phone' | 'uscc'; hash: string }[] = [
    { kind: 'id_number', hash: row.id_number_hash! }, { kind: 'account_number', hash: row.account_number_hash! },
  ];
  if (row.phone) pairs.push({ kind: 'phone', hash: blacklistHash(ctx, 'phone', row.phone) });
  if (row.uscc) pairs.push({ kind: 'uscc', hash: blacklistHash(ctx, 'uscc', row.uscc) });
  return assessRisk({
    type: row.type, mcc: row.mcc, idName: row.id_name, legalName: row.legal_name, licenseName: row.license_name,
    accountHolder: row.account_holder, idExpiry: row.id_expiry, licenseExpiry: row.license_expiry, today: todayOf(ctx),
    idNumberUsedByOthers: await countOthersWithHash(trx, 'id_number_hash', row.id_number_hash!, row.id),
    accountNumberUsedByOthers: await countOthersWithHash(trx, 'account_number_hash', row.account_number_hash!, row.id),
    blacklistHits: await blacklistHits(trx, pairs),
    missingDocuments: requiredDocuments(row.type).filter((d) => !documents.includes(d)),
    identityCheck: checks.identity, bankAccountCheck: checks.account,
  }, ctx.config.riskThresholds);
}

/** The keyed hash a blacklist value is found by; ID and account numbers match the merchant columns. */
export function blacklistHash(ctx: AppContext, kind: 'id_number' | 'account_number' | 'phone' | 'uscc', value: string): string {
  if (kind === 'account_number') return ctx.hash('account_number', value);
  return kind === 'id_number' ? ctx.hash('id_number', value) : ctx.hash('id_number', `${kind}:${value}`);
}

function refuseSubmit(status: MerchantStatus): never {
  if (status === 'approved' || status === 'submitted' || status === 'under_review') {
    throw new AppError('merchant_already_submitted', `The merchant is already ${status}`, { status });
  }
  throw new AppError('invalid_state', `A merchant in status ${status} cannot be submitted`, { status });
}

/**
 * Submits a draft (or a merchant asked for more information): every required field must be on
 * file; documents are not required (missing ones are a risk reason). The risk assessment then
 * approves (low), queues for review (medium) or rejects (high) — Appendix B.
 */
export async function submitMerchant(ctx: AppContext, actor: Actor, id: string, requestId?: string) {
  const before = await merchantOrThrow(ctx.db, id);
  if (!canTransition('submit', before.status, 'submitted')) refuseSubmit(before.status);
  const missing = missingFields(factsOf(before, []));
  if (missing.length > 0) {
    throw validationError(missing.map((field) => ({ field, rule: 'required', message: 'is required to submit' })),
      'Fields required for submission are missing');
  }
  const checks = await runChecks(ctx, before);
  return ctx.db.transaction().execute(async (trx) => {
    const row = await merchantOrThrow(trx, id, { forUpdate: true });
    if (!canTransition('submit', row.status, 'submitted')) refuseSubmit(row.status);
    if (row.updated_at.getTime() !== before.updated_at.getTime()) {
      throw new AppError('conflict', 'The merchant changed while it was being submitted; submit again');
    }
    const at = ctx.clock.now();
    const risk = await assessMerchant(ctx, trx, row, checks);
    const status = statusForRisk(risk.level);
    await insertStatusHistory(trx, { merchant_id: id, at, from_status: row.status, to_status: 'submitted', ...historyActor(actor), note: null });
    await insertStatusHistory(trx, {
      merchant_id: id, at, from_status: 'submitted', to_status: status, actor_kind: 'system', actor_id: null,
      note: `risk ${risk.level} (${risk.score}): ${risk.reasons.map((r) => r.code).join(', ') || 'no reasons'}`,
    });
    await updateMerchantRow(trx, id, {
      status, risk_score: risk.score, risk_level: risk.level, risk_reasons: JSON.stringify(risk.reasons),
      identity_check: checks.identity, identity_checked_at: row.identity_check === 'pass' ? row.identity_checked_at : at,
      account_check: checks.account, account_checked_at: row.account_check === 'pass' ? row.account_checked_at : at,
      submitted_at: at, approved_at: status === 'approved' ? at : null, updated_at: at,
    });
    await ctx.audit(trx, actor, { action: 'merchant.submitted', subjectType: 'merchant', subjectId: id, merchantId: id, requestId, details: { status, score: risk.score, level: risk.level, reasons: risk.reasons.map((r) => r.code) } });
    await emitEvent(ctx, trx, { type: 'merchant.submitted', merchantId: id, data: { merchantId: id, mid: row.mid, status, riskLevel: risk.level } });
    // Risk reasons (blacklist, reuse of numbers) are for operators: the merchant hears the decision only.
    if (status !== 'under_review') await announceDecision(ctx, trx, { id, mid: row.mid, status, note: null });
    return { id, mid: row.mid, status, risk };
  });
}

export type ReviewDecision = 'approve' | 'reject' | 'needs_info';
const decisionStatus: Record<ReviewDecision, MerchantStatus> = { approve: 'approved', reject: 'rejected', needs_info: 'needs_info' };

export async function reviewMerchant(ctx: AppContext, actor: Actor, id: string, input: { decision: ReviewDecision; note?: string | undefined }, requestId?: string): Promise<MerchantView> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await merchantOrThrow(trx, id, { forUpdate: true });
    const to = decisionStatus[input.decision];
    if (!canTransition('review', row.status, to)) {
      throw new AppError('invalid_state', `A merchant in status ${row.status} cannot be reviewed; only under_review and needs_info`, { status: row.status });
    }
    const at = ctx.clock.now();
    const note = input.note ?? null;
    await insertStatusHistory(trx, { merchant_id: id, at, from_status: row.status, to_status: to, ...historyActor(actor), note });
    await updateMerchantRow(trx, id, { status: to, review_note: note, approved_at: to === 'approved' ? at : row.approved_at, updated_at: at });
    await ctx.audit(trx, actor, { action: 'merchant.reviewed', subjectType: 'merchant', subjectId: id, merchantId: id, requestId, details: { decision: input.decision, from: row.status, to } });
    await announceDecision(ctx, trx, { id, mid: row.mid, status: to, note });
    return merchantView(await merchantOrThrow(trx, id));
  });
}

const decisionMessages: Partial<Record<MerchantStatus, { template: string; event: WebhookEventType }>> = {
  approved: { template: 'kyc_approved', event: 'merchant.approved' },
  rejected: { template: 'kyc_rejected', event: 'merchant.rejected' },
  needs_info: { template: 'kyc_needs_info', event: 'merchant.needs_info' },
};

/** A KYC decision, in the decision's transaction: the merchant's messages and the partner event. */
async function announceDecision(ctx: AppContext, trx: Executor, input: { id: string; mid: string; status: MerchantStatus; note: string | null }): Promise<void> {
  const message = decisionMessages[input.status];
  if (!message) return;
  await sendNotification(ctx, trx, {
    merchantId: input.id, template: message.template, channels: ['sms', 'email', 'inbox'],
    params: input.note ? { note: input.note } : {},
  });
  await emitEvent(ctx, trx, { type: message.event, merchantId: input.id, data: { merchantId: input.id, mid: input.mid, status: input.status } });
}

export type RevealableField = 'idNumber' | 'settlementAccount.number';

/** An unmasked sensitive value for an operator; always audited in the same transaction. */
export async function revealField(ctx: AppContext, actor: Actor, id: string, field: RevealableField, requestId?: string): Promise<{ field: RevealableField; value: string | null }> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await merchantOrThrow(trx, id);
    const sealed = field === 'idNumber' ? row.id_number_enc : row.account_number_enc;
    const value = sealed === null ? null
      : ctx.cipher.open(field === 'idNumber' ? sealedFields.idNumber : sealedFields.accountNumber, sealed);
    await ctx.audit(trx, actor, { action: 'merchant.field_revealed', subjectType: 'merchant', subjectId: id, merchantId: id, requestId, details: { field } });
    return { field, value };
  });
}

export const settlementAccountChangedEvent = 'merchant.settlement_account_changed';

/**
 * Changes the settlement account. For an approved merchant this is the sensitive path SPEC §7
 * (`account_change`) hangs on: an audit row and a `merchant.settlement_account_changed` event that
 * the re-activation module reads (listMerchantEvents), and the re-activation cases it opens.
 */
export async function changeSettlementAccount(ctx: AppContext, actor: Actor, id: string, account: { bank: string; number: string; holder: string }, requestId?: string): Promise<MerchantView> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await merchantOrThrow(trx, id, { forUpdate: true });
    if (row.status !== 'approved' && !editableStatuses.includes(row.status)) {
      throw new AppError('invalid_state', `The settlement account of a ${row.status} merchant cannot change`, { status: row.status });
    }
    const input = checkedInput(row.type, { settlementAccount: account }, todayOf(ctx));
    const at = ctx.clock.now();
    const columns = columnsOf(ctx, input);
    await updateMerchantRow(trx, id, { ...columns, updated_at: at });
    const details = { previousAccount: row.account_number_mask, account: columns.account_number_mask, bank: input.settlementAccount!.bank };
    await ctx.audit(trx, actor, { action: settlementAccountChangedEvent, subjectType: 'merchant', subjectId: id, merchantId: id, requestId, details });
    if (row.status === 'approved') {
      await insertMerchantEvent(trx, { id: newId('evt'), merchantId: id, type: settlementAccountChangedEvent, at, payload: { merchantId: id, ...details, actorKind: actor.kind, actorId: actor.id } });
      // SPEC §7 `account_change`: every active terminal blocks until the merchant confirms.
      await onSettlementAccountChanged(ctx, trx, id, actor);
    }
    return merchantView(await merchantOrThrow(trx, id));
  });
}

export interface MerchantEvent { id: string; merchantId: string; type: string; payload: Record<string, unknown>; createdAt: Date }

/**
 * Merchant events in order (e.g. `merchant.settlement_account_changed`), for modules that react to
 * them: pass the last event's `[createdAt, id]` as `after` to continue.
 */
export async function listMerchantEvents(db: Executor, input: { type?: string; merchantId?: string; after?: [Date, string]; limit?: number }): Promise<MerchantEvent[]> {
  const rows = await listMerchantEventRows(db, { ...input, limit: Math.min(Math.max(input.limit ?? 100, 1), 1000) });
  return rows.map((r) => ({ id: r.id, merchantId: r.merchant_id, type: r.type, payload: r.payload, createdAt: r.created_at }));
}

/**
 * Sets the merchant's quiet window (SPEC §7 peak-hour protection: minutes of the Asia/Shanghai day,
 * a start after the end wraps midnight), in the caller's transaction. Checks only the range; the
 * re-activation module owns the rules of what a sensible window is.
 */
export async function setMerchantQuietWindow(trx: Executor, id: string, window: { startMinute: number; endMinute: number }, at: Date): Promise<MerchantSummary> {
  await merchantOrThrow(trx, id, { forUpdate: true });
  for (const minute of [window.startMinute, window.endMinute]) {
    if (!Number.isInteger(minute) || minute < 0 || minute >= 24 * 60) throw new Error(`quiet window minute out of range: ${minute}`);
  }
  await updateMerchantRow(trx, id, { quiet_start_minute: window.startMinute, quiet_end_minute: window.endMinute, updated_at: at });
  return getMerchantSummary(trx, id);
}
