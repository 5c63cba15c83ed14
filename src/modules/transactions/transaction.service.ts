// Terminal transactions (SPEC §8, Appendix B): sale, void and refund. The core of each takes the
// caller's database transaction, so the HTTP routes and a future ISO 8583 gateway (SPEC §16) run
// exactly the same rules; idempotency wraps them at the edge.
// A refused sale is a stored `declined` row with a decline code, never an error; errors are for
// malformed requests. An approved sale writes the row with its fee and rule and a balanced ledger
// entry in the same transaction; training transactions are marked, unpriced and never posted.
import { enqueueRiskEvaluation, evaluateInline, type SaleLocation } from '../risk/risk.service.js';
import { declineHelpSlug } from '../support/help-slugs.js';
import { reactivationReasons } from '../reactivation/reasons.js';
import { sql, type Selectable } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import { addDays, shanghaiDate, shanghaiDayStart } from '../../platform/clock.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError, validationError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import { accounts, postJournalEntry } from '../ledger/ledger.service.js';
import { emitEvent } from '../notifications/webhook.service.js';
import { getMerchantSummary, type MerchantSummary } from '../merchants/merchant.service.js';
import { quoteFee } from '../pricing/pricing.service.js';
import { gateTransaction } from '../reactivation/reactivation.hooks.js';
import { terminalStatusOf, type TerminalRow } from '../terminals/terminal.service.js';
import { lookupBin } from './bin-table.js';
import { assertNoCardData } from './card-data.js';
import { isDaySettled } from '../settlement/settled-days.js';
import { resolveOperator } from './terminal-operator.service.js';
import type { TransactionMethod, TransactionTable } from './transaction.table.js';
import { authorizer, channelOf } from './upstream.js';

export type TransactionRow = Selectable<TransactionTable>;

export const transactionMethods: readonly TransactionMethod[] = ['debit_card', 'credit_card', 'wechat_qr', 'alipay_qr', 'unionpay_qr'];

/** Every decline code a sale can answer (the help centre has an article per code). */
export const declineCodes = [
  'terminal_not_active', 'terminal_not_assigned', 'merchant_not_approved', 'operator_unknown', 'operator_not_signed_in',
  'daily_limit_exceeded', 'card_bin_unknown', 'card_type_mismatch',
  'insufficient_funds', 'do_not_honor', 'exceeds_limit', 'issuer_unavailable', 'risk_declined',
] as const;

export interface CardInput { bin: string; last4: string }

export interface SaleInput {
  method: TransactionMethod;
  amountFen: number;
  operatorNo: string | null;
  card: CardInput | null;
  /** Where the terminal says the sale took place (optional), for the location risk rule. */
  location?: SaleLocation | null;
}

export interface TransactionResult {
  id: string;
  kind: 'sale' | 'void' | 'refund';
  originalId?: string;
  status: 'approved' | 'declined';
  method: TransactionMethod;
  amount: number;
  fee: number;
  net: number;
  declineCode?: string;
  /** The help-centre article that explains the decline. */
  helpSlug?: string;
  training: boolean;
  occurredAt: string;
}

function isCardMethod(method: TransactionMethod): boolean {
  return method === 'debit_card' || method === 'credit_card';
}

/** Malformed input is a 400: amounts out of range, card data beyond BIN and last four. */
export function assertSaleInput(ctx: AppContext, input: SaleInput): void {
  assertNoCardData(input);
  if (!Number.isSafeInteger(input.amountFen) || input.amountFen <= 0 || input.amountFen > ctx.config.transactionAmountFenMax) {
    throw validationError([{ field: 'amount', rule: 'range', message: `must be a whole number of fen from 1 to ${ctx.config.transactionAmountFenMax}` }]);
  }
  if (!transactionMethods.includes(input.method)) {
    throw validationError([{ field: 'method', rule: 'enum', message: `must be one of ${transactionMethods.join(', ')}` }]);
  }
  if (input.card && (!/^\d{6,8}$/.test(input.card.bin) || !/^\d{4}$/.test(input.card.last4))) {
    throw validationError([{ field: 'card', rule: 'format', message: 'card.bin is 6–8 digits and card.last4 is 4 digits' }]);
  }
}

function result(row: TransactionRow): TransactionResult {
  return {
    id: row.id, kind: row.kind, ...(row.original_id ? { originalId: row.original_id } : {}), status: row.status,
    method: row.method, amount: row.amount_fen, fee: row.fee_fen, net: row.net_fen,
    ...(row.decline_code ? { declineCode: row.decline_code, helpSlug: declineHelpSlug(row.decline_code, reactivationReasons) } : {}),
    training: row.training, occurredAt: row.occurred_at.toISOString(),
  };
}

interface Refusal { declineCode: string | null; operatorNo: string | null; merchant: MerchantSummary | null }

/** Why a sale is refused before it reaches the network (or null), and the operator making it. */
async function refusal(ctx: AppContext, trx: Executor, terminal: TerminalRow, input: SaleInput, now: Date): Promise<Refusal> {
  const refused = (declineCode: string): Refusal => ({ declineCode, operatorNo: input.operatorNo, merchant: null });
  const gate = await gateTransaction(ctx, trx, terminal);
  if (!gate.allowed) return refused(gate.declineCode ?? 'terminal_not_active');
  if (!terminal.merchant_id) return refused('terminal_not_assigned');
  const merchant = await getMerchantSummary(trx, terminal.merchant_id);
  if (merchant.status !== 'approved') return refused('merchant_not_approved');
  const operator = await resolveOperator(trx, { terminalId: terminal.id, operatorNo: input.operatorNo, at: now });
  if (!operator.ok) return refused(operator.code);
  const made = (declineCode: string | null): Refusal => ({ declineCode, operatorNo: operator.operatorNo, merchant });
  if (!terminal.training_mode && await overDailyLimit(ctx, trx, terminal.id, input.amountFen, now)) return made('daily_limit_exceeded');
  if (isCardMethod(input.method) && input.card) {
    const bin = lookupBin(input.card.bin);
    if (!bin) return made('card_bin_unknown');
    if ((bin.kind === 'debit') !== (input.method === 'debit_card')) return made('card_type_mismatch');
  }
  return made(null);
}

/**
 * The per-terminal daily limit (单日限额): approved, non-training sales of the terminal on the
 * Asia/Shanghai day, this one included, stay within `terminalDailyAmountFenMax`. Voided and
 * refunded sales still count (the limit is on what was authorized). The caller holds the
 * terminal's row lock, so concurrent sales on one terminal cannot both slip under the limit.
 */
async function overDailyLimit(ctx: AppContext, trx: Executor, terminalId: string, amountFen: number, now: Date): Promise<boolean> {
  const dayStart = shanghaiDayStart(shanghaiDate(now));
  const row = await trx.selectFrom('transactions')
    .select(sql<string>`coalesce(sum(amount_fen), 0)::text`.as('total'))
    .where('terminal_id', '=', terminalId).where('kind', '=', 'sale').where('status', '=', 'approved').where('training', '=', false)
    .where('occurred_at', '>=', dayStart).where('occurred_at', '<', addDays(dayStart, 1))
    .executeTakeFirstOrThrow();
  return BigInt(row.total) + BigInt(amountFen) > BigInt(ctx.config.terminalDailyAmountFenMax);
}

async function lockTerminalById(trx: Executor, terminalId: string): Promise<TerminalRow> {
  const row = await trx.selectFrom('terminals').selectAll().where('id', '=', terminalId).forUpdate().executeTakeFirst();
  if (!row) throw new AppError('terminal_not_found', 'The terminal was not found');
  return row;
}

/**
 * Authorizes one sale on a terminal inside `trx`: gate, merchant, operator and BIN checks, the
 * upstream channel, pricing, the row, the ledger entry and the terminal's last transaction time.
 */
export async function authorizeSale(ctx: AppContext, trx: Executor, terminal: Pick<TerminalRow, 'id'>, input: SaleInput,
  options: { transactionId?: string } = {}): Promise<{ row: TransactionRow; result: TransactionResult }> {
  assertSaleInput(ctx, input);
  const locked = await lockTerminalById(trx, terminal.id);
  const now = ctx.clock.now();
  // A caller that may run the sale again (a group-commit batch that rolled back) passes the id, so
  // the network is asked about the same transaction both times.
  const id = options.transactionId ?? newId('txn');
  const training = locked.training_mode;
  const refused = await refusal(ctx, trx, locked, input, now);
  let declineCode = refused.declineCode;
  const merchantId = locked.merchant_id;
  if (declineCode === null && !training) {
    // Risk rules whose action is `decline` run inline, before the network is asked (SPEC §10).
    const risk = await evaluateInline(ctx, trx, {
      txnId: id, terminalId: locked.id, merchantId: merchantId!, amountFen: input.amountFen, at: now, activatedAt: locked.activated_at,
    });
    if (risk) declineCode = risk.declineCode;
  }
  if (declineCode === null && !training) {
    const answer = await authorizer().authorize({
      transactionId: id, channel: channelOf(input.method), method: input.method, amountFen: input.amountFen,
      merchantId: merchantId!, terminalId: locked.id, cardBin: input.card?.bin ?? null,
    });
    if (answer.outcome === 'declined') declineCode = answer.declineCode;
  }
  const approved = declineCode === null;
  const priced = approved && !training
    ? await quoteFee(trx, { merchantId: merchantId!, method: input.method, amountFen: input.amountFen, at: now, merchant: refused.merchant ?? undefined })
    : null;
  const feeFen = priced?.feeFen ?? 0;
  const values = {
    id, merchant_id: merchantId ?? '', terminal_id: locked.id, kind: 'sale' as const, original_id: null,
    status: approved ? 'approved' as const : 'declined' as const, decline_code: declineCode, method: input.method,
    amount_fen: input.amountFen, fee_fen: feeFen, net_fen: input.amountFen - feeFen,
    rate_ppm: priced?.ratePpm ?? null, cap_fen: priced?.capFen ?? null,
    fee_rule_kind: priced?.rule.kind ?? null, fee_rule_id: priced?.rule.id ?? null,
    card_bin: isCardMethod(input.method) ? input.card?.bin ?? null : null,
    card_last4: isCardMethod(input.method) ? input.card?.last4 ?? null : null,
    operator_no: refused.operatorNo, training, refunded_fen: 0, voided_at: null,
    occurred_at: now, business_date: shanghaiDate(now), created_at: now,
  };
  // A terminal with no merchant cannot own a row (merchant_id is required): its refusal is answered, not stored.
  if (merchantId === null) return { row: values, result: result(values) };
  const row = await trx.insertInto('transactions').values(values).returningAll().executeTakeFirstOrThrow();
  if (!training) await enqueueRiskEvaluation(trx, row, input.location ?? null);
  if (approved && !training) {
    await postSaleEntry(trx, row);
    await trx.updateTable('terminals').set({ last_transaction_at: now }).where('id', '=', locked.id).execute();
  }
  await emitEvent(ctx, trx, { type: approved ? 'transaction.approved' : 'transaction.declined', merchantId, data: eventData(row, locked.sn) });
  return { row, result: result(row) };
}

/** Webhook data of a transaction: ids, amounts in fen, outcome; no card data beyond what is masked. */
function eventData(row: TransactionRow, sn: string | null): Record<string, unknown> {
  return {
    transactionId: row.id, kind: row.kind, originalId: row.original_id, terminalId: row.terminal_id, sn, status: row.status,
    method: row.method, amount: row.amount_fen, fee: row.fee_fen, net: row.net_fen, declineCode: row.decline_code,
    training: row.training, occurredAt: row.occurred_at.toISOString(),
  };
}

async function postSaleEntry(trx: Executor, row: TransactionRow): Promise<void> {
  await postJournalEntry(trx, {
    kind: 'transaction.sale', merchantId: row.merchant_id, refType: 'transaction', refId: row.id, dedupeKey: `txn:${row.id}`,
    businessDate: row.business_date, occurredAt: row.occurred_at, description: `Sale ${row.id} (${row.method})`,
    lines: [
      { account: accounts.channelClearing(channelOf(row.method)), amountFen: row.amount_fen },
      { account: accounts.merchantPayable(row.merchant_id), amountFen: -(row.amount_fen - row.fee_fen) },
      { account: accounts.feeRevenue(), amountFen: -row.fee_fen },
    ],
  });
}

/** Reverses `amountFen` of a sale of which `feeFen` goes back to the merchant (void or refund). */
async function postReversalEntry(trx: Executor, reversal: TransactionRow): Promise<void> {
  await postJournalEntry(trx, {
    kind: `transaction.${reversal.kind}`, merchantId: reversal.merchant_id, refType: 'transaction', refId: reversal.id,
    dedupeKey: `txn:${reversal.id}`, businessDate: reversal.business_date, occurredAt: reversal.occurred_at,
    description: `${reversal.kind === 'void' ? 'Void' : 'Refund'} ${reversal.id} of ${reversal.original_id}`,
    lines: [
      { account: accounts.channelClearing(channelOf(reversal.method)), amountFen: -reversal.amount_fen },
      { account: accounts.merchantPayable(reversal.merchant_id), amountFen: reversal.amount_fen - reversal.fee_fen },
      { account: accounts.feeRevenue(), amountFen: reversal.fee_fen },
    ],
  });
}

/**
 * The sale a terminal may reverse: same merchant as the terminal, else 404 (ids are not revealed).
 * Only an active terminal moves money back: a retired, suspended or blocked one (a re-activation
 * case, e.g. risk_control) is refused with 409 `terminal_not_active`, like its sales are declined.
 */
async function lockSale(trx: Executor, terminal: Pick<TerminalRow, 'id' | 'merchant_id'>, transactionId: string): Promise<TransactionRow> {
  const status = await terminalStatusOf(trx, terminal.id);
  if (status !== 'active') {
    throw new AppError('terminal_not_active', `This terminal is ${status}: voids and refunds need an active terminal`, { status });
  }
  const sale = await trx.selectFrom('transactions').selectAll().where('id', '=', transactionId).forUpdate().executeTakeFirst();
  if (!sale || sale.kind !== 'sale' || terminal.merchant_id === null || sale.merchant_id !== terminal.merchant_id) {
    throw new AppError('transaction_not_found', `Transaction ${transactionId} was not found`);
  }
  return sale;
}

async function insertReversal(trx: Executor, sale: TransactionRow, input: {
  kind: 'void' | 'refund'; terminalId: string; amountFen: number; feeFen: number; at: Date; operatorNo: string | null;
}): Promise<TransactionRow> {
  return trx.insertInto('transactions').values({
    id: newId('txn'), merchant_id: sale.merchant_id, terminal_id: input.terminalId, kind: input.kind, original_id: sale.id,
    status: 'approved', decline_code: null, method: sale.method, amount_fen: input.amountFen, fee_fen: input.feeFen,
    net_fen: input.amountFen - input.feeFen, rate_ppm: sale.rate_ppm, cap_fen: sale.cap_fen, fee_rule_kind: sale.fee_rule_kind,
    fee_rule_id: sale.fee_rule_id, card_bin: sale.card_bin, card_last4: sale.card_last4, operator_no: input.operatorNo, training: sale.training,
    refunded_fen: 0, voided_at: null, occurred_at: input.at, business_date: shanghaiDate(input.at), created_at: input.at,
  }).returningAll().executeTakeFirstOrThrow();
}

export interface ReversalInput {
  transactionId: string;
  amountFen: number | null;
  /** The operator making the reversal; on a terminal with operators, the signed-in one (or null for them). */
  operatorNo?: string | null;
}

/** On a terminal with operators, a void or refund is made by the signed-in operator (else 403). */
async function reversalOperator(trx: Executor, terminalId: string, input: ReversalInput, at: Date): Promise<string | null> {
  const operator = await resolveOperator(trx, { terminalId, operatorNo: input.operatorNo ?? null, at });
  if (!operator.ok) {
    throw new AppError('operator_not_signed_in', 'Voids and refunds on this terminal need its signed-in operator', { reason: operator.code });
  }
  return operator.operatorNo;
}

/** Void: same Shanghai business day, before settlement; reverses the whole amount and the fee. */
export async function voidSale(ctx: AppContext, trx: Executor, terminal: Pick<TerminalRow, 'id' | 'merchant_id'>, input: ReversalInput): Promise<{ row: TransactionRow; result: TransactionResult }> {
  const sale = await lockSale(trx, terminal, input.transactionId);
  const now = ctx.clock.now();
  const operatorNo = await reversalOperator(trx, terminal.id, input, now);
  if (sale.status !== 'approved') throw new AppError('transaction_not_voidable', 'A declined transaction cannot be voided', { reason: 'declined' });
  if (sale.voided_at) throw new AppError('transaction_already_voided', `Transaction ${sale.id} is already voided`, { voidedAt: sale.voided_at.toISOString() });
  if (sale.refunded_fen > 0) throw new AppError('transaction_not_voidable', 'A transaction with refunds cannot be voided', { reason: 'refunded' });
  // A sale of today is never settled (only past days are); one of an earlier day is refunded instead.
  if (sale.business_date !== shanghaiDate(now)) {
    const settled = await isDaySettled(trx, sale.business_date);
    throw new AppError('transaction_not_voidable', 'Only a sale of the same business day, before settlement, can be voided; refund it instead',
      { reason: settled ? 'settled' : 'not_same_day', businessDate: sale.business_date });
  }
  if (input.amountFen !== null && input.amountFen !== sale.amount_fen) {
    throw validationError([{ field: 'amount', rule: 'equal', message: `a void reverses the whole amount (${sale.amount_fen})` }]);
  }
  const row = await insertReversal(trx, sale, { kind: 'void', terminalId: terminal.id, amountFen: sale.amount_fen, feeFen: sale.fee_fen, at: now, operatorNo });
  await trx.updateTable('transactions').set({ voided_at: now }).where('id', '=', sale.id).execute();
  if (!sale.training) await postReversalEntry(trx, row);
  await emitEvent(ctx, trx, { type: 'transaction.voided', merchantId: row.merchant_id, data: eventData(row, null) });
  return { row, result: result(row) };
}

/**
 * Refund: after settlement (or on a later day); returns the amount, partially or in full, never
 * beyond what remains. The fee stays with the acquirer unless `refundReturnsFee` is configured,
 * in which case the fee goes back in proportion, exactly (cumulative rounding, the last refund
 * returns the rest).
 */
export async function refundSale(ctx: AppContext, trx: Executor, terminal: Pick<TerminalRow, 'id' | 'merchant_id'>, input: ReversalInput): Promise<{ row: TransactionRow; result: TransactionResult }> {
  const sale = await lockSale(trx, terminal, input.transactionId);
  const now = ctx.clock.now();
  const operatorNo = await reversalOperator(trx, terminal.id, input, now);
  if (sale.status !== 'approved') throw new AppError('transaction_not_refundable', 'A declined transaction cannot be refunded', { reason: 'declined' });
  if (sale.voided_at) throw new AppError('transaction_already_voided', `Transaction ${sale.id} is voided`, { voidedAt: sale.voided_at.toISOString() });
  if (sale.business_date >= shanghaiDate(now)) { // today's sales are not settled yet
    throw new AppError('transaction_not_refundable', 'A sale of today that is not settled yet is voided, not refunded', { reason: 'void_instead' });
  }
  const remaining = sale.amount_fen - sale.refunded_fen;
  const amountFen = input.amountFen ?? remaining;
  if (amountFen <= 0 || amountFen > remaining) {
    throw new AppError('refund_exceeds_remaining', `At most ${remaining} fen of this sale can still be refunded`, { remaining, requested: amountFen });
  }
  let feeBackFen = 0;
  if (ctx.config.refundReturnsFee && sale.fee_fen > 0) {
    const refundedAfter = sale.refunded_fen + amountFen;
    const feeBackBefore = proportionalFee(sale.fee_fen, sale.refunded_fen, sale.amount_fen);
    const feeBackAfter = proportionalFee(sale.fee_fen, refundedAfter, sale.amount_fen);
    feeBackFen = feeBackAfter - feeBackBefore;
  }
  const row = await insertReversal(trx, sale, { kind: 'refund', terminalId: terminal.id, amountFen, feeFen: feeBackFen, at: now, operatorNo });
  await trx.updateTable('transactions').set({ refunded_fen: sale.refunded_fen + amountFen }).where('id', '=', sale.id).execute();
  if (!sale.training) await postReversalEntry(trx, row);
  await emitEvent(ctx, trx, { type: 'transaction.refunded', merchantId: row.merchant_id, data: eventData(row, null) });
  return { row, result: { ...result(row), originalId: sale.id } };
}

/** The part of a fee that `partFen` of `wholeFen` carries, rounded half up; the whole carries all. */
export function proportionalFee(feeFen: number, partFen: number, wholeFen: number): number {
  if (partFen >= wholeFen) return feeFen;
  // fee × part / whole = fee × (part·10^6/whole) / 10^6: computed exactly with BigInt instead.
  const numerator = BigInt(feeFen) * BigInt(partFen);
  const whole = BigInt(wholeFen);
  return Number((numerator * 2n + whole) / (2n * whole));
}
