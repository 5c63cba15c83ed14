// Direct-insert transactions for settlement and deposit tests: each approved, non-training row
// posts the same ledger entry the transactions module posts (dedupe key `txn:<id>`).
import type { AppContext } from '../src/platform/context.js';
import { shanghaiDate } from '../src/platform/clock.js';
import { newId } from '../src/platform/ids.js';
import { accounts, postJournalEntry } from '../src/modules/ledger/ledger.service.js';
import type { TransactionMethod } from '../src/modules/transactions/transaction.table.js';

export interface SaleFixture { id: string; merchantId: string; terminalId: string; method: TransactionMethod; amountFen: number; feeFen: number }

const channelOf = (method: TransactionMethod) => (method.endsWith('_card') ? 'unionpay' : method.replace('_qr', ''));

async function insertRow(ctx: AppContext, input: {
  merchantId: string; terminalId: string; kind: 'sale' | 'void' | 'refund'; originalId?: string; method: TransactionMethod;
  amountFen: number; feeFen: number; at: Date; training?: boolean; status?: 'approved' | 'declined';
}): Promise<string> {
  const id = newId('txn');
  const status = input.status ?? 'approved';
  const training = input.training ?? false;
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('transactions').values({
      id, merchant_id: input.merchantId, terminal_id: input.terminalId, kind: input.kind, original_id: input.originalId ?? null,
      status, decline_code: status === 'declined' ? 'do_not_honor' : null, method: input.method, amount_fen: input.amountFen,
      fee_fen: input.feeFen, net_fen: input.amountFen - input.feeFen, rate_ppm: null, cap_fen: null, fee_rule_kind: null,
      fee_rule_id: null, card_bin: null, card_last4: null, operator_no: null, training, refunded_fen: 0, voided_at: null,
      occurred_at: input.at, business_date: shanghaiDate(input.at), created_at: input.at,
    }).execute();
    if (status !== 'approved' || training) return;
    const sign = input.kind === 'sale' ? 1 : -1;
    const lines = [
      { account: accounts.channelClearing(channelOf(input.method)), amountFen: sign * input.amountFen },
      { account: accounts.merchantPayable(input.merchantId), amountFen: -sign * (input.amountFen - input.feeFen) },
      { account: accounts.feeRevenue(), amountFen: -sign * input.feeFen },
    ];
    await postJournalEntry(trx, {
      kind: `transaction.${input.kind}`, merchantId: input.merchantId, refType: 'transaction', refId: id, dedupeKey: `txn:${id}`,
      businessDate: shanghaiDate(input.at), occurredAt: input.at, lines,
    });
    if (input.kind === 'void') {
      await trx.updateTable('transactions').set({ voided_at: input.at }).where('id', '=', input.originalId!).execute();
    }
    if (input.kind === 'refund') {
      await trx.updateTable('transactions').set((eb) => ({ refunded_fen: eb('refunded_fen', '+', input.amountFen) }))
        .where('id', '=', input.originalId!).execute();
    }
  });
  return id;
}

export async function sale(ctx: AppContext, input: {
  merchantId: string; terminalId: string; method?: TransactionMethod; amountFen: number; feeFen?: number; at?: Date;
  training?: boolean; status?: 'approved' | 'declined';
}): Promise<SaleFixture> {
  const method = input.method ?? 'credit_card';
  const feeFen = input.feeFen ?? Math.round(input.amountFen * 0.006);
  const id = await insertRow(ctx, { ...input, kind: 'sale', method, feeFen, at: input.at ?? ctx.clock.now() });
  return { id, merchantId: input.merchantId, terminalId: input.terminalId, method, amountFen: input.amountFen, feeFen };
}

export async function voidOf(ctx: AppContext, original: SaleFixture, at = ctx.clock.now()): Promise<string> {
  return insertRow(ctx, { ...original, kind: 'void', originalId: original.id, at });
}

export async function refundOf(ctx: AppContext, original: SaleFixture, amountFen: number, at = ctx.clock.now()): Promise<string> {
  return insertRow(ctx, { ...original, kind: 'refund', originalId: original.id, amountFen, feeFen: 0, at });
}

/** An instant on a Shanghai calendar day: `day(“2030-03-01”, 10)` is 10:00 in Shanghai. */
export function shanghaiAt(date: string, hour = 10): Date {
  return new Date(Date.parse(`${date}T${String(hour).padStart(2, '0')}:00:00+08:00`));
}
