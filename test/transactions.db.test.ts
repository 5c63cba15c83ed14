// Proves terminal transactions over signed HTTP on both databases: approved and declined sales
// (gate, merchant, BIN, upstream sandbox) with fees and ledger entries, bad input and card data
// refused, idempotent replay byte for byte (also under concurrency, and after a password change or
// lockout), void and refund rules by day and settlement with the supervisor password and its
// lockout, training mode, operator sessions, the daily limit, merchant-side lists and totals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/platform/api-keys.js';
import { accountBalance, verifyLedger } from '../src/modules/ledger/ledger.service.js';
import { runSettlement } from '../src/modules/settlement/settlement.service.js';
import { authorizeSale } from '../src/modules/transactions/transaction.service.js';
import { insertDeviceModel, insertMerchant, insertTerminal } from './fixtures.js';
import { countingContext, createTestApp, type TestApp } from './harness.js';
import { terminalRequest, type TerminalIdentity } from './terminal-client.js';
import { findTransaction } from '../src/modules/transactions/transaction.repository.js';

let t: TestApp;
let merchantId: string;
let ownerKey: string;
let otherOwnerKey: string;
let pos: TerminalIdentity & { id: string };
let modelCode: string;
let keySeq = 0;

const day1 = '2026-05-01T04:00:00Z'; // 12:00 in Shanghai
const day2 = '2026-05-02T04:00:00Z';
const nextKey = () => `k-${++keySeq}-${Math.random().toString(36).slice(2)}`;

async function newTerminal(options: { merchantId?: string; status?: 'active' | 'suspended' } = {}) {
  const inserted = await insertTerminal(t.ctx, { modelCode, merchantId: options.merchantId ?? merchantId, status: options.status ?? 'active' });
  return { id: inserted.id, sn: inserted.sn, key: inserted.terminalKey! };
}

function sale(who: TerminalIdentity, body: Record<string, unknown>) {
  return terminalRequest(t, who, 'POST', '/terminal/v1/transactions', { idempotencyKey: nextKey(), ...body });
}

function reverse(who: TerminalIdentity, id: string, op: 'void' | 'refund', body: Record<string, unknown> = {}) {
  return terminalRequest(t, who, 'POST', `/terminal/v1/transactions/${id}/${op}`, { idempotencyKey: nextKey(), supervisorPassword: '246810', ...body });
}

beforeAll(async () => {
  t = await createTestApp();
  await t.setNow(day1);
  merchantId = (await insertMerchant(t.ctx)).id;
  const other = await insertMerchant(t.ctx);
  ownerKey = (await createApiKey(t.ctx, { name: 'owner', role: 'merchant_owner', merchantId })).key;
  otherOwnerKey = (await createApiKey(t.ctx, { name: 'other', role: 'merchant_owner', merchantId: other.id })).key;
  modelCode = await insertDeviceModel(t.ctx);
  pos = await newTerminal();
  const set = await t.request('PUT', `/v1/terminals/${pos.sn}/supervisor-password`, { key: ownerKey, body: { password: '246810' } });
  expect(set.status).toBe(200);
});
afterAll(async () => { await t.close(); });

describe('sales', () => {
  it('approves a credit sale of ¥10,000 with fee 6000, the rule, a balanced ledger entry and last_transaction_at', async () => {
    const res = await sale(pos, { method: 'credit_card', amount: 1_000_000, card: { bin: '622588', last4: '1234' }, operatorNo: '01' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'approved', amount: 1_000_000, fee: 6000, net: 994_000, training: false });
    expect(res.body.declineCode).toBeUndefined();
    expect(res.body.id).toMatch(/^txn_/);
    const row = await t.ctx.db.selectFrom('transactions').selectAll().where('id', '=', res.body.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ rate_ppm: 6000, cap_fen: null, fee_rule_kind: 'plan', fee_rule_id: 'pln_default0000000000000', card_bin: '622588', card_last4: '1234', business_date: '2026-05-01' });
    const entry = await t.ctx.db.selectFrom('journal_entries').selectAll().where('dedupe_key', '=', `txn:${res.body.id}`).executeTakeFirstOrThrow();
    const lines = await t.ctx.db.selectFrom('journal_lines').select(['account_code', 'amount_fen']).where('entry_id', '=', entry.id).orderBy('amount_fen').execute();
    expect(lines).toEqual([
      { account_code: `merchant:${merchantId}:payable`, amount_fen: -994_000 },
      { account_code: 'revenue:fees', amount_fen: -6000 },
      { account_code: 'clearing:unionpay', amount_fen: 1_000_000 },
    ]);
    const terminal = await t.ctx.db.selectFrom('terminals').select('last_transaction_at').where('id', '=', pos.id).executeTakeFirstOrThrow();
    expect(terminal.last_transaction_at?.toISOString()).toBe(row.occurred_at.toISOString());
  });

  it.each([
    ['debit_card', { bin: '622202', last4: '0001' }, 2500],
    ['wechat_qr', undefined, 3800],
    ['alipay_qr', undefined, 3800],
    ['unionpay_qr', undefined, 6000],
  ])('%s %j ¥10,000 → fee %i', async (method, card, fee) => {
    const res = await sale(pos, { method, amount: 1_000_000, ...(card ? { card } : {}) });
    expect(res.body).toMatchObject({ status: 'approved', fee, net: 1_000_000 - fee });
  });

  it.each([
    ['debit_card', { bin: '622588', last4: '0001' }, 100, 'card_type_mismatch'],
    ['credit_card', { bin: '622202', last4: '0001' }, 100, 'card_type_mismatch'],
    ['debit_card', { bin: '999999', last4: '0001' }, 100, 'card_bin_unknown'],
    ['credit_card', { bin: '622588', last4: '0001' }, 10_051, 'insufficient_funds'],
    ['wechat_qr', undefined, 261, 'exceeds_limit'],
    ['alipay_qr', undefined, 105, 'do_not_honor'],
    ['unionpay_qr', undefined, 191, 'issuer_unavailable'],
  ])('declines %s (%j, %i fen) as %s with 201, fee 0 and no ledger entry', async (method, card, amount, code) => {
    const res = await sale(pos, { method, amount, ...(card ? { card } : {}) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'declined', declineCode: code, amount, fee: 0, net: amount, training: false });
    const entries = await t.ctx.db.selectFrom('journal_entries').select('id').where('dedupe_key', '=', `txn:${res.body.id}`).execute();
    expect(entries).toEqual([]);
  });

  it('declines on a terminal that is not active and for a merchant that is not approved', async () => {
    const suspended = await newTerminal({ status: 'suspended' });
    expect((await sale(suspended, { method: 'wechat_qr', amount: 100 })).body).toMatchObject({ status: 'declined', declineCode: 'terminal_not_active' });
    const pending = await insertMerchant(t.ctx, { status: 'under_review' });
    const pendingPos = await newTerminal({ merchantId: pending.id });
    const res = await sale(pendingPos, { method: 'wechat_qr', amount: 100 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'declined', declineCode: 'merchant_not_approved', fee: 0 });
  });

  it.each([
    [{ method: 'credit_card', amount: 0 }],
    [{ method: 'credit_card', amount: -100 }],
    [{ method: 'credit_card', amount: 1.5 }],
    [{ method: 'credit_card', amount: '100' }],
    [{ method: 'credit_card', amount: 100_000_001 }],
    [{ method: 'cash', amount: 100 }],
    [{ amount: 100 }],
    [{ method: 'credit_card', amount: 100, surprise: true }],
  ])('refuses a malformed sale %j with 400 validation_failed', async (body) => {
    const res = await sale(pos, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  it('checks the signature before anything in the body: unsigned card data is 401', async () => {
    const res = await t.request('POST', '/terminal/v1/transactions', { key: null, body: { pan: '4111111111111111' } });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('terminal_auth_failed');
  });

  it('refuses a missing idempotency key', async () => {
    const res = await terminalRequest(t, pos, 'POST', '/terminal/v1/transactions', { method: 'wechat_qr', amount: 100 });
    expect(res.status).toBe(400);
  });

  it('authorizes an approved, priced and posted sale in a bounded number of statements (each one a round trip)', async () => {
    const counted = countingContext(t.ctx);
    const { row } = await counted.ctx.db.transaction().execute((trx) => authorizeSale(counted.ctx, trx, { id: pos.id }, {
      method: 'credit_card', amountFen: 20_000, operatorNo: '01', card: { bin: '622588', last4: '4321' },
    }));
    expect(row).toMatchObject({ status: 'approved', fee_fen: 120, net_fen: 19_880 });
    const entry = await t.ctx.db.selectFrom('journal_entries').select('id').where('ref_id', '=', row.id).execute();
    expect(entry).toHaveLength(1);
    const lines = await t.ctx.db.selectFrom('journal_lines').select(['account_code', 'amount_fen']).where('entry_id', '=', entry[0]!.id).orderBy('id').execute();
    expect(lines.map((l) => Number(l.amount_fen)).reduce((a, b) => a + b, 0)).toBe(0);
    expect(lines).toHaveLength(3);
    // Terminal lock, gate, merchant, operator, daily total, inline risk rules, plan rate, pricing rules,
    // the row, the risk queue, the ledger entry (one statement), last_transaction_at, webhooks: 13.
    expect(counted.queries()).toBeLessThanOrEqual(13);
  });

  it.each([
    [{ card: { bin: '4111111111111111', last4: '1111' } }],
    [{ card: { bin: '622588', last4: '1234', pan: '6225880000000000' } }],
    [{ card: { bin: '622588', last4: '1234', track2: 'x' } }],
    [{ pan: '4111 1111 1111 1111' }],
    [{ note: ';4111111111111111=25121010000000000?' }],
  ])('refuses card data beyond BIN and last four (%j) with 400 card_data_forbidden and stores nothing', async (extra) => {
    const before = await t.ctx.db.selectFrom('transactions').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const res = await sale(pos, { method: 'credit_card', amount: 100, ...extra });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('card_data_forbidden');
    expect(res.text).not.toContain('4111111111111111');
    const after = await t.ctx.db.selectFrom('transactions').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });
});

describe('idempotency', () => {
  it('replays the first response byte for byte; another body with the same key is 409', async () => {
    const body = { idempotencyKey: nextKey(), method: 'alipay_qr', amount: 12_345 };
    const first = await terminalRequest(t, pos, 'POST', '/terminal/v1/transactions', body);
    const second = await terminalRequest(t, pos, 'POST', '/terminal/v1/transactions', body);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.text).toBe(first.text);
    const reused = await terminalRequest(t, pos, 'POST', '/terminal/v1/transactions', { ...body, amount: 12_346 });
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    // Keys are scoped per terminal: another terminal may use the same key.
    const other = await newTerminal();
    const elsewhere = await terminalRequest(t, other, 'POST', '/terminal/v1/transactions', body);
    expect(elsewhere.body.id).not.toBe(first.body.id);
  });

  it('concurrent identical requests create one transaction and answer identical bodies', async () => {
    const body = { idempotencyKey: nextKey(), method: 'wechat_qr', amount: 88_800 };
    const answers = await Promise.all(Array.from({ length: 10 }, () => terminalRequest(t, pos, 'POST', '/terminal/v1/transactions', body)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    const rows = await t.ctx.db.selectFrom('transactions').select('id').where('terminal_id', '=', pos.id).where('amount_fen', '=', 88_800).execute();
    expect(rows).toHaveLength(1);
    expect((await verifyLedger(t.ctx.db)).ok).toBe(true);
  });
});

describe('void and refund', () => {
  it('refuses voids and refunds from a terminal that is not active (suspended, retired), nothing written', async () => {
    const terminal = await newTerminal();
    await t.request('PUT', `/v1/terminals/${terminal.sn}/supervisor-password`, { key: ownerKey, body: { password: '246810' } });
    const original = await sale(terminal, { method: 'wechat_qr', amount: 20_000 });
    expect(original.body.status).toBe('approved');
    expect((await t.request('POST', `/v1/terminals/${terminal.sn}/suspend`, { body: { reason: 'lost device' } })).status).toBe(200);
    for (const op of ['void', 'refund'] as const) {
      const refused = await reverse(terminal, original.body.id, op);
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'terminal_not_active', details: { status: 'suspended' } });
    }
    const reversals = await t.ctx.db.selectFrom('transactions').select('id').where('original_id', '=', original.body.id).execute();
    expect(reversals).toEqual([]);
  });

  it('voids a sale of the same day: a void row, the fee reversed, the ledger back to zero; twice → 409', async () => {
    const terminal = await newTerminal();
    await t.request('PUT', `/v1/terminals/${terminal.sn}/supervisor-password`, { key: ownerKey, body: { password: '246810' } });
    const before = await accountBalance(t.ctx.db, 'clearing:wechat');
    const feesBefore = await accountBalance(t.ctx.db, 'revenue:fees');
    const original = await sale(terminal, { method: 'wechat_qr', amount: 50_000 });
    const voided = await reverse(terminal, original.body.id, 'void');
    expect(voided.status).toBe(201);
    expect(voided.body).toMatchObject({ kind: 'void', originalId: original.body.id, status: 'approved', amount: 50_000, fee: 190, net: 49_810 });
    expect(await accountBalance(t.ctx.db, 'clearing:wechat')).toBe(before);
    expect(await accountBalance(t.ctx.db, 'revenue:fees')).toBe(feesBefore);
    const audit = await t.ctx.db.selectFrom('audit_log').select(['action', 'actor_kind']).where('subject_id', '=', original.body.id).execute();
    expect(audit).toEqual([{ action: 'transaction.voided', actor_kind: 'terminal' }]);
    const again = await reverse(terminal, original.body.id, 'void');
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('transaction_already_voided');
    const refund = await reverse(terminal, original.body.id, 'refund');
    expect(refund.body.error.code).toBe('transaction_already_voided');
  });

  it('needs the supervisor password; a void of an unknown or other merchant’s sale is 404', async () => {
    const original = await sale(pos, { method: 'wechat_qr', amount: 1000 });
    const wrong = await reverse(pos, original.body.id, 'void', { supervisorPassword: '000000' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error).toMatchObject({ code: 'supervisor_password_invalid', details: { attemptsRemaining: 4 } });
    expect((await reverse(pos, 'txn_unknown', 'void')).body.error.code).toBe('transaction_not_found');
    const stranger = await newTerminal({ merchantId: (await insertMerchant(t.ctx)).id });
    expect((await reverse(stranger, original.body.id, 'void', { supervisorPassword: '123456' })).body.error.code).toBe('transaction_not_found');
  });

  it('refuses a same-day refund (void instead) and a next-day void; refunds partially, never above what remains, fee kept', async () => {
    const original = await sale(pos, { method: 'credit_card', amount: 100_000, card: { bin: '622588', last4: '9999' } });
    expect(original.body.fee).toBe(600);
    const sameDay = await reverse(pos, original.body.id, 'refund', { amount: 100 });
    expect(sameDay.status).toBe(409);
    expect(sameDay.body.error.code).toBe('transaction_not_refundable');
    await t.setNow(day2);
    try {
      const lateVoid = await reverse(pos, original.body.id, 'void');
      expect(lateVoid.status).toBe(409);
      expect(lateVoid.body.error.code).toBe('transaction_not_voidable');
      const part = await reverse(pos, original.body.id, 'refund', { amount: 30_000 });
      expect(part.status).toBe(201);
      expect(part.body).toMatchObject({ kind: 'refund', amount: 30_000, fee: 0, net: 30_000, originalId: original.body.id });
      const over = await reverse(pos, original.body.id, 'refund', { amount: 70_001 });
      expect(over.status).toBe(409);
      expect(over.body.error).toMatchObject({ code: 'refund_exceeds_remaining', details: { remaining: 70_000 } });
      const rest = await reverse(pos, original.body.id, 'refund');
      expect(rest.body).toMatchObject({ amount: 70_000, fee: 0 });
      expect((await reverse(pos, original.body.id, 'refund', { amount: 1 })).body.error.code).toBe('refund_exceeds_remaining');
      const row = await t.ctx.db.selectFrom('transactions').select(['refunded_fen', 'voided_at']).where('id', '=', original.body.id).executeTakeFirstOrThrow();
      expect(row).toEqual({ refunded_fen: 100_000, voided_at: null });
      const refunds = await t.ctx.db.selectFrom('transactions').select(['business_date', 'amount_fen']).where('original_id', '=', original.body.id).orderBy('amount_fen').execute();
      expect(refunds).toEqual([{ business_date: '2026-05-02', amount_fen: 30_000 }, { business_date: '2026-05-02', amount_fen: 70_000 }]);
      expect((await verifyLedger(t.ctx.db)).ok).toBe(true);
    } finally {
      await t.setNow(day1);
    }
  });

  it('a void or refund replays by idempotency key', async () => {
    const original = await sale(pos, { method: 'alipay_qr', amount: 2000 });
    const body = { idempotencyKey: nextKey(), supervisorPassword: '246810' };
    const first = await terminalRequest(t, pos, 'POST', `/terminal/v1/transactions/${original.body.id}/void`, body);
    const second = await terminalRequest(t, pos, 'POST', `/terminal/v1/transactions/${original.body.id}/void`, body);
    expect(first.status).toBe(201);
    expect(second.text).toBe(first.text);
  });

  it('replays a completed void and refund before checking the supervisor password: a new password or a lockout does not change the answer', async () => {
    const terminal = await newTerminal();
    const setPassword = (password: string) => t.request('PUT', `/v1/terminals/${terminal.sn}/supervisor-password`, { key: ownerKey, body: { password } });
    expect((await setPassword('135790')).status).toBe(200);
    const today = await sale(terminal, { method: 'wechat_qr', amount: 3000 });
    const older = await sale(terminal, { method: 'wechat_qr', amount: 4000 });
    const voidBody = { idempotencyKey: nextKey(), supervisorPassword: '135790' };
    const voidPath = `/terminal/v1/transactions/${today.body.id}/void`;
    const voided = await terminalRequest(t, terminal, 'POST', voidPath, voidBody);
    expect(voided.status).toBe(201);
    await t.setNow(day2);
    try {
      const refundBody = { idempotencyKey: nextKey(), supervisorPassword: '135790', amount: 1000 };
      const refundPath = `/terminal/v1/transactions/${older.body.id}/refund`;
      const refunded = await terminalRequest(t, terminal, 'POST', refundPath, refundBody);
      expect(refunded.status).toBe(201);

      // The merchant changes the password: the retries still get the first answers, byte for byte.
      expect((await setPassword('864200')).status).toBe(200);
      const voidAgain = await terminalRequest(t, terminal, 'POST', voidPath, voidBody);
      expect(voidAgain.status).toBe(201);
      expect(voidAgain.text).toBe(voided.text);
      expect(voidAgain.headers['idempotent-replayed']).toBe('true');
      expect((await terminalRequest(t, terminal, 'POST', refundPath, refundBody)).text).toBe(refunded.text);
      // A new request with the old password is refused; the same key with another body is 409.
      expect((await reverse(terminal, older.body.id, 'refund', { supervisorPassword: '135790', amount: 1 })).status).toBe(403);
      const reused = await terminalRequest(t, terminal, 'POST', refundPath, { ...refundBody, amount: 1001 });
      expect(reused.status).toBe(409);
      expect(reused.body.error.code).toBe('idempotency_key_reused');

      // Locked after wrong passwords: the retries still replay, new requests get 423.
      for (let i = 0; i < 5; i++) await reverse(terminal, older.body.id, 'refund', { supervisorPassword: '000000', amount: 1 });
      expect((await reverse(terminal, older.body.id, 'refund', { supervisorPassword: '864200', amount: 1 })).status).toBe(423);
      const lockedVoid = await terminalRequest(t, terminal, 'POST', voidPath, voidBody);
      expect(lockedVoid.status).toBe(201);
      expect(lockedVoid.text).toBe(voided.text);
      expect((await terminalRequest(t, terminal, 'POST', refundPath, refundBody)).text).toBe(refunded.text);
      const refunds = await t.ctx.db.selectFrom('transactions').select('amount_fen').where('original_id', '=', older.body.id).execute();
      expect(refunds).toEqual([{ amount_fen: 1000 }]);
    } finally {
      await t.setNow(day1);
    }
  });

  it('locks voids and refunds for 30 minutes after 5 wrong supervisor passwords (423)', async () => {
    const terminal = await newTerminal();
    const original = await sale(terminal, { method: 'wechat_qr', amount: 1000 });
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) codes.push((await reverse(terminal, original.body.id, 'void', { supervisorPassword: '999999' })).body.error.code);
    expect(codes).toEqual([...Array(4).fill('supervisor_password_invalid'), 'supervisor_locked']);
    // The factory password of a terminal whose merchant never set one is 123456 (README); locked now.
    const locked = await reverse(terminal, original.body.id, 'void', { supervisorPassword: '123456' });
    expect(locked.status).toBe(423);
    expect(locked.body.error.details.retryAfterSeconds).toBeGreaterThan(1700);
    await t.setNow('2026-05-01T04:31:00Z');
    try {
      const ok = await reverse(terminal, original.body.id, 'void', { supervisorPassword: '123456' });
      expect(ok.status).toBe(201);
    } finally {
      await t.setNow(day1);
    }
  });
});

describe('training mode', () => {
  it('marks training transactions, prices them at 0, posts nothing and leaves last_transaction_at', async () => {
    const terminal = await newTerminal();
    const on = await t.request('PUT', `/v1/terminals/${terminal.sn}/training-mode`, { key: ownerKey, body: { enabled: true } });
    expect(on.body).toEqual({ sn: terminal.sn, trainingMode: true });
    const res = await sale(terminal, { method: 'credit_card', amount: 1_000_000, card: { bin: '622588', last4: '0001' } });
    expect(res.body).toMatchObject({ status: 'approved', fee: 0, net: 1_000_000, training: true });
    expect(await t.ctx.db.selectFrom('journal_entries').select('id').where('dedupe_key', '=', `txn:${res.body.id}`).execute()).toEqual([]);
    const row = await t.ctx.db.selectFrom('terminals').select('last_transaction_at').where('id', '=', terminal.id).executeTakeFirstOrThrow();
    expect(row.last_transaction_at).toBeNull();
    const voided = await reverse(terminal, res.body.id, 'void', { supervisorPassword: '123456' });
    expect(voided.body).toMatchObject({ training: true, fee: 0 });
    await t.request('PUT', `/v1/terminals/${terminal.sn}/training-mode`, { key: ownerKey, body: { trainingMode: false } });
    expect((await sale(terminal, { method: 'wechat_qr', amount: 1000 })).body.training).toBe(false);
    expect((await t.request('PUT', `/v1/terminals/${terminal.sn}/training-mode`, { key: otherOwnerKey, body: { enabled: true } })).status).toBe(404);
  });
});

describe('operators', () => {
  const signIn = (who: TerminalIdentity, operatorNo: string, pin: string) =>
    terminalRequest(t, who, 'POST', '/terminal/v1/operators/sign-in', { operatorNo, pin });

  it('adds operators with PINs; sign-in checks the PIN and opens a 12-hour session', async () => {
    const terminal = await newTerminal();
    const added = await t.request('POST', `/v1/terminals/${terminal.sn}/operators`, { key: ownerKey, body: { operatorNo: '01', name: '小王', pin: '1234' } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ operatorNo: '01', name: '小王' });
    expect(JSON.stringify(added.body)).not.toContain('1234');
    const stored = await t.ctx.db.selectFrom('terminal_operators').select('pin_hash')
      .where('operator_no', '=', '01').where('terminal_id', '=', terminal.id).executeTakeFirstOrThrow();
    expect(stored.pin_hash).toMatch(/^\$argon2id\$v=19\$m=\d+,/);
    const supervisor = await t.ctx.db.selectFrom('terminal_supervisors').select('password_hash')
      .where('terminal_id', '=', pos.id).executeTakeFirstOrThrow();
    expect(supervisor.password_hash).toMatch(/^\$argon2id\$v=19\$/);
    expect((await t.request('POST', `/v1/terminals/${terminal.sn}/operators`, { key: ownerKey, body: { operatorNo: '01', pin: '1234' } })).status).toBe(409);
    expect((await sale(terminal, { method: 'wechat_qr', amount: 100, operatorNo: '02' })).body.declineCode).toBe('operator_unknown');
    const wrong = await signIn(terminal, '01', '4321');
    expect(wrong.status).toBe(401);
    const ok = await signIn(terminal, '01', '1234');
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ operatorNo: '01', name: '小王', signedInAt: expect.any(String), expiresAt: expect.any(String) });
    expect(Date.parse(ok.body.expiresAt) - Date.parse(ok.body.signedInAt)).toBe(12 * 3600_000);
    expect((await sale(terminal, { method: 'wechat_qr', amount: 100, operatorNo: '01' })).body.status).toBe('approved');
    const list = await t.request('GET', `/v1/terminals/${terminal.sn}/operators`, { key: ownerKey });
    expect(list.body.data.map((o: { operatorNo: string }) => o.operatorNo)).toEqual(['01']);
  });

  it('takes sales, voids and refunds only from the operator signed in, until sign-out, another sign-in or expiry', async () => {
    const terminal = await newTerminal();
    for (const [operatorNo, pin] of [['01', '1111'], ['02', '2222']]) {
      expect((await t.request('POST', `/v1/terminals/${terminal.sn}/operators`, { key: ownerKey, body: { operatorNo, pin } })).status).toBe(201);
    }
    // Nobody signed in: a known operator number alone is not enough, nor is no number.
    const named = await sale(terminal, { method: 'wechat_qr', amount: 100, operatorNo: '01' });
    expect(named.status).toBe(201);
    expect(named.body).toMatchObject({ status: 'declined', declineCode: 'operator_not_signed_in', helpSlug: 'decline-operator-not-signed-in', fee: 0 });
    expect((await sale(terminal, { method: 'wechat_qr', amount: 100 })).body.declineCode).toBe('operator_not_signed_in');
    expect((await sale(terminal, { method: 'wechat_qr', amount: 100, operatorNo: '09' })).body.declineCode).toBe('operator_unknown');

    expect((await signIn(terminal, '01', '1111')).status).toBe(200);
    const byOne = await sale(terminal, { method: 'wechat_qr', amount: 10_000, operatorNo: '01' });
    expect(byOne.body.status).toBe('approved');
    const implicit = await sale(terminal, { method: 'wechat_qr', amount: 20_000 });
    expect(implicit.body.status).toBe('approved');
    expect((await sale(terminal, { method: 'wechat_qr', amount: 100, operatorNo: '02' })).body.declineCode).toBe('operator_not_signed_in');
    const rows = await t.ctx.db.selectFrom('transactions').select('operator_no').where('id', 'in', [byOne.body.id, implicit.body.id]).execute();
    expect(rows.map((r) => r.operator_no)).toEqual(['01', '01']);

    // Voids and refunds too: another operator's number is refused (403), the signed-in one is recorded.
    const other = await reverse(terminal, byOne.body.id, 'void', { supervisorPassword: '123456', operatorNo: '02' });
    expect(other.status).toBe(403);
    expect(other.body.error).toMatchObject({ code: 'operator_not_signed_in', details: { reason: 'operator_not_signed_in' } });
    const voided = await reverse(terminal, byOne.body.id, 'void', { supervisorPassword: '123456' });
    expect(voided.status).toBe(201);
    const voidRow = await t.ctx.db.selectFrom('transactions').select('operator_no').where('id', '=', voided.body.id).executeTakeFirstOrThrow();
    expect(voidRow.operator_no).toBe('01');

    // Another operator's sign-in replaces the session.
    expect((await signIn(terminal, '02', '2222')).status).toBe(200);
    expect((await sale(terminal, { method: 'wechat_qr', amount: 100, operatorNo: '01' })).body.declineCode).toBe('operator_not_signed_in');
    expect((await sale(terminal, { method: 'wechat_qr', amount: 100, operatorNo: '02' })).body.status).toBe('approved');

    // Sign-out ends it; signing out again changes nothing.
    const out = await terminalRequest(t, terminal, 'POST', '/terminal/v1/operators/sign-out', {});
    expect(out.body).toEqual({ signedOut: true, operatorNo: '02' });
    expect((await sale(terminal, { method: 'wechat_qr', amount: 100, operatorNo: '02' })).body.declineCode).toBe('operator_not_signed_in');
    const noRefund = await reverse(terminal, implicit.body.id, 'void', { supervisorPassword: '123456' });
    expect(noRefund.status).toBe(403);
    expect(noRefund.body.error.code).toBe('operator_not_signed_in');
    expect((await terminalRequest(t, terminal, 'POST', '/terminal/v1/operators/sign-out')).body).toEqual({ signedOut: false, operatorNo: null });

    // A session lasts 12 hours.
    await t.setNow(day1);
    expect((await signIn(terminal, '01', '1111')).status).toBe(200);
    await t.setNow('2026-05-01T15:59:00Z');
    try {
      expect((await sale(terminal, { method: 'wechat_qr', amount: 100 })).body.status).toBe('approved');
      await t.setNow('2026-05-01T16:05:00Z');
      expect((await sale(terminal, { method: 'wechat_qr', amount: 100 })).body.declineCode).toBe('operator_not_signed_in');
    } finally {
      await t.setNow(day1);
    }
    const audit = await t.ctx.db.selectFrom('audit_log').select('action').where('subject_id', '=', terminal.id)
      .where('action', 'like', 'terminal.operator_signed%').orderBy('seq').execute();
    expect(audit.map((a) => a.action)).toEqual(['terminal.operator_signed_in', 'terminal.operator_signed_in', 'terminal.operator_signed_out', 'terminal.operator_signed_in']);
  });

  it('a new PIN or removing the operator ends the session', async () => {
    const terminal = await newTerminal();
    await t.request('POST', `/v1/terminals/${terminal.sn}/operators`, { key: ownerKey, body: { operatorNo: '01', pin: '1111' } });
    await signIn(terminal, '01', '1111');
    expect((await sale(terminal, { method: 'wechat_qr', amount: 100 })).body.status).toBe('approved');
    expect((await t.request('PUT', `/v1/terminals/${terminal.sn}/operators/01`, { key: ownerKey, body: { pin: '3333' } })).status).toBe(200);
    expect((await sale(terminal, { method: 'wechat_qr', amount: 100 })).body.declineCode).toBe('operator_not_signed_in');
    expect((await signIn(terminal, '01', '1111')).status).toBe(401);
    expect((await signIn(terminal, '01', '3333')).status).toBe(200);
    expect((await t.request('DELETE', `/v1/terminals/${terminal.sn}/operators/01`, { key: ownerKey })).status).toBeLessThan(300);
    const sessions = await t.ctx.db.selectFrom('terminal_operator_sessions').select('operator_no').where('terminal_id', '=', terminal.id).execute();
    expect(sessions).toEqual([]);
    // No operators left: the terminal takes sales without an operator again.
    expect((await sale(terminal, { method: 'wechat_qr', amount: 100 })).body.status).toBe('approved');
  });
});

describe('merchant-side lists and totals', () => {
  it('lists with filters and cursor pagination; other merchants get 404', async () => {
    const terminal = await newTerminal();
    for (const amount of [101, 202, 303]) await sale(terminal, { method: 'alipay_qr', amount });
    const page1 = await t.request('GET', `/v1/merchants/${merchantId}/transactions?terminal=${terminal.sn}&limit=2`, { key: ownerKey });
    expect(page1.status).toBe(200);
    expect(page1.body.data.map((r: { amount: number }) => r.amount)).toEqual([303, 202]);
    expect(page1.body.hasMore).toBe(true);
    const page2 = await t.request('GET', `/v1/merchants/${merchantId}/transactions?terminal=${terminal.sn}&limit=2&cursor=${page1.body.nextCursor}`, { key: ownerKey });
    expect(page2.body).toMatchObject({ hasMore: false, nextCursor: null });
    expect(page2.body.data.map((r: { amount: number }) => r.amount)).toEqual([101]);
    const declined = await t.request('GET', `/v1/transactions?status=declined&method=debit_card&from=2026-05-01&to=2026-05-01`, { key: ownerKey });
    expect(declined.body.data.length).toBeGreaterThan(0);
    expect(declined.body.data.every((r: { status: string; method: string }) => r.status === 'declined' && r.method === 'debit_card')).toBe(true);
    expect((await t.request('GET', `/v1/merchants/${merchantId}/transactions`, { key: otherOwnerKey })).status).toBe(404);
    expect((await t.request('GET', `/v1/transactions?merchantId=${merchantId}`, { key: otherOwnerKey })).status).toBe(404);
    const mine = await t.request('GET', '/v1/transactions', { key: otherOwnerKey });
    expect(mine.body.data).toEqual([]);
    const one = await t.request('GET', `/v1/transactions/${page1.body.data[0].id}`, { key: ownerKey });
    expect(one.body).toMatchObject({ amount: 303, rule: { kind: 'plan' }, rate: 3800, terminalSn: terminal.sn });
    expect((await t.request('GET', `/v1/transactions/${page1.body.data[0].id}`, { key: otherOwnerKey })).status).toBe(404);
  });

  it('daily totals by method count approved, non-training sales and net out voids, refunds and fees', async () => {
    const m = await insertMerchant(t.ctx);
    const key = (await createApiKey(t.ctx, { name: 'o', role: 'merchant_owner', merchantId: m.id })).key;
    const terminal = await newTerminal({ merchantId: m.id });
    const a = await sale(terminal, { method: 'wechat_qr', amount: 100_000 });
    await sale(terminal, { method: 'wechat_qr', amount: 50_000 });
    await sale(terminal, { method: 'wechat_qr', amount: 151 }); // declined by the sandbox
    await reverse(terminal, a.body.id, 'void', { supervisorPassword: '123456' });
    const res = await t.request('GET', `/v1/merchants/${m.id}/transactions/daily-totals?from=2026-05-01&to=2026-05-01`, { key });
    expect(res.body.data).toEqual([
      { date: '2026-05-01', method: 'wechat_qr', salesCount: 2, gross: 150_000, fees: 190, voids: 100_000, refunds: 0, net: 49_810 },
    ]);
    expect((await t.request('GET', `/v1/merchants/${m.id}/transactions/daily-totals?from=2026-05-01&to=2026-05-01`, { key: ownerKey })).status).toBe(404);
  });
});

describe('daily limit (单日限额)', () => {
  it('declines the sale that would take a terminal past ¥2,000,000 of approved sales on the Shanghai day; at the limit is fine', async () => {
    const terminal = await newTerminal();
    const neighbour = await newTerminal();
    expect(t.ctx.config.terminalDailyAmountFenMax).toBe(200_000_000);
    // Declined sales do not count toward the limit.
    expect((await sale(terminal, { method: 'wechat_qr', amount: 99_999_951 })).body.declineCode).toBe('insufficient_funds');
    expect((await sale(terminal, { method: 'wechat_qr', amount: 99_999_999 })).body.status).toBe('approved');
    expect((await sale(terminal, { method: 'alipay_qr', amount: 100_000_000 })).body.status).toBe('approved'); // 1 fen below
    const over = await sale(terminal, { method: 'wechat_qr', amount: 2 });
    expect(over.status).toBe(201);
    expect(over.body).toMatchObject({
      status: 'declined', declineCode: 'daily_limit_exceeded', helpSlug: 'decline-daily-limit-exceeded', amount: 2, fee: 0, net: 2,
    });
    expect((await sale(terminal, { method: 'wechat_qr', amount: 1 })).body.status).toBe('approved'); // exactly at the limit
    expect((await sale(terminal, { method: 'wechat_qr', amount: 1 })).body.declineCode).toBe('daily_limit_exceeded');
    // The limit is per terminal, and a new Shanghai day starts it again.
    expect((await sale(neighbour, { method: 'wechat_qr', amount: 1 })).body.status).toBe('approved');
    await t.setNow('2026-05-01T16:00:00Z'); // 00:00 on 2 May in Shanghai
    try {
      expect((await sale(terminal, { method: 'wechat_qr', amount: 1 })).body.status).toBe('approved');
    } finally {
      await t.setNow(day1);
    }
  });
});

describe('void or refund by settlement state', () => {
  it('same day, not settled: void, not refund; a later day: refund only, before or after settlement', async () => {
    await t.setNow('2026-06-10T04:00:00Z');
    try {
      const terminal = await newTerminal();
      const a = await sale(terminal, { method: 'wechat_qr', amount: 10_000 });
      const b = await sale(terminal, { method: 'wechat_qr', amount: 20_000 });
      const c = await sale(terminal, { method: 'wechat_qr', amount: 30_000 });
      const refundToday = await reverse(terminal, a.body.id, 'refund', { supervisorPassword: '123456' });
      expect(refundToday.status).toBe(409);
      expect(refundToday.body.error).toMatchObject({ code: 'transaction_not_refundable', details: { reason: 'void_instead' } });
      expect((await reverse(terminal, a.body.id, 'void', { supervisorPassword: '123456' })).status).toBe(201);

      await t.setNow('2026-06-11T04:00:00Z');
      const lateVoid = await reverse(terminal, b.body.id, 'void', { supervisorPassword: '123456' });
      expect(lateVoid.status).toBe(409);
      expect(lateVoid.body.error).toMatchObject({ code: 'transaction_not_voidable', details: { reason: 'not_same_day' } });
      expect((await reverse(terminal, c.body.id, 'refund', { supervisorPassword: '123456', amount: 5000 })).status).toBe(201);

      await runSettlement(t.ctx, '2026-06-10');
      const settled = await findTransaction(t.ctx.db, b.body.id);
      expect(settled?.settled_date).toBe('2026-06-10');
      expect((await findTransaction(t.ctx.db, a.body.id))?.settled_date).toBe('2026-06-10');
      const settledVoid = await reverse(terminal, b.body.id, 'void', { supervisorPassword: '123456' });
      expect(settledVoid.status).toBe(409);
      expect(settledVoid.body.error).toMatchObject({ code: 'transaction_not_voidable', details: { reason: 'settled' } });
      const refund = await reverse(terminal, b.body.id, 'refund', { supervisorPassword: '123456' });
      expect(refund.status).toBe(201);
      expect(refund.body).toMatchObject({ kind: 'refund', amount: 20_000, fee: 0, originalId: b.body.id });
      expect((await verifyLedger(t.ctx.db)).ok).toBe(true);
    } finally {
      await t.setNow(day1);
    }
  });
});

describe('refundReturnsFee', () => {
  it('returns the fee in proportion when configured, exactly in total', async () => {
    const t2 = await createTestApp({ config: { refundReturnsFee: true } });
    try {
      await t2.setNow(day1);
      const m = await insertMerchant(t2.ctx);
      const model = await insertDeviceModel(t2.ctx);
      const inserted = await insertTerminal(t2.ctx, { modelCode: model, merchantId: m.id, status: 'active' });
      const who = { sn: inserted.sn, key: inserted.terminalKey! };
      const s = await terminalRequest(t2, who, 'POST', '/terminal/v1/transactions', { idempotencyKey: 'a', method: 'wechat_qr', amount: 10_001 });
      expect(s.body.fee).toBe(38);
      await t2.setNow(day2);
      const refund = (amount: number, k: string) => terminalRequest(t2, who, 'POST', `/terminal/v1/transactions/${s.body.id}/refund`, { idempotencyKey: k, supervisorPassword: '123456', amount });
      const r1 = await refund(3333, 'r1');
      const r2 = await refund(3333, 'r2');
      const r3 = await refund(3335, 'r3');
      expect([r1.body.fee, r2.body.fee, r3.body.fee]).toEqual([13, 12, 13]);
      expect(r1.body.fee + r2.body.fee + r3.body.fee).toBe(38);
      expect((await verifyLedger(t2.ctx.db)).ok).toBe(true);
    } finally {
      await t2.close();
    }
  });
});
