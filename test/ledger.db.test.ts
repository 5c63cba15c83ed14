// Proves the ledger: balanced, append-only, deduplicated entries (single and bulk), balances derived
// from lines over HTTP with merchant scoping, and `jihuo verify ledger` / settle exit codes,
// including a hand-corrupted entry.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/platform/api-keys.js';
import {
  accountBalance, accounts, postJournalEntriesBulk, postJournalEntry, UnbalancedEntryError, verifyLedger,
} from '../src/modules/ledger/ledger.service.js';
import { insertMerchant } from './fixtures.js';
import { createTestApp, testDbKind, type TestApp } from './harness.js';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

const at = new Date('2032-01-05T02:00:00Z');

describe('journal entries', () => {
  it('posts balanced entries once per dedupe key and refuses unbalanced ones', async () => {
    const merchant = await insertMerchant(t.ctx);
    const lines = [
      { account: accounts.channelClearing('unionpay'), amountFen: 10_000 },
      { account: accounts.merchantPayable(merchant.id), amountFen: -9940 },
      { account: accounts.feeRevenue(), amountFen: -60 },
    ];
    const input = { kind: 'test', merchantId: merchant.id, refType: null, refId: null, dedupeKey: `test:${merchant.id}`, businessDate: '2032-01-05', occurredAt: at, lines };
    const first = await t.ctx.db.transaction().execute((trx) => postJournalEntry(trx, input));
    const second = await t.ctx.db.transaction().execute((trx) => postJournalEntry(trx, input));
    expect(second).toEqual({ entryId: first.entryId, duplicate: true });
    expect(await accountBalance(t.ctx.db, accounts.merchantPayable(merchant.id).code)).toBe(-9940);
    await expect(t.ctx.db.transaction().execute((trx) => postJournalEntry(trx, { ...input, dedupeKey: null, lines: [
      { account: accounts.feeRevenue(), amountFen: 1 }, { account: accounts.settlementBank(), amountFen: -2 },
    ] }))).rejects.toThrow(UnbalancedEntryError);
    await expect(sql`delete from journal_lines`.execute(t.ctx.db)).rejects.toThrow(/append-only/);
    await expect(sql`update journal_entries set kind = 'x'`.execute(t.ctx.db)).rejects.toThrow(/append-only/);
  });

  it('posts many two-line entries in one statement, and nothing again on a re-run', async () => {
    const merchants = await Promise.all([0, 1, 2].map(() => insertMerchant(t.ctx)));
    const ids = merchants.map((m) => m.id);
    const source = sql<{ merchant_id: string; ref_id: string; dedupe_key: string; amount_fen: number }>`
      select id as merchant_id, id as ref_id, 'bulk-test:' || id as dedupe_key, 500::bigint as amount_fen
      from merchants where id in (${sql.join(ids)})`;
    const posting = {
      kind: 'test.bulk', refType: 'merchant', businessDate: '2032-01-05', occurredAt: at, description: 'bulk test',
      source, debit: accounts.merchantPayable, credit: () => accounts.settlementBank(),
    };
    expect(await t.ctx.db.transaction().execute((trx) => postJournalEntriesBulk(trx, posting))).toBe(3);
    expect(await t.ctx.db.transaction().execute((trx) => postJournalEntriesBulk(trx, posting))).toBe(0);
    for (const id of ids) expect(await accountBalance(t.ctx.db, accounts.merchantPayable(id).code)).toBe(500);
    expect((await verifyLedger(t.ctx.db)).ok).toBe(true);
  });
});

describe('ledger routes', () => {
  it('answers derived balances, scoped to the merchant for merchant users', async () => {
    const merchant = await insertMerchant(t.ctx);
    const other = await insertMerchant(t.ctx);
    await t.ctx.db.transaction().execute((trx) => postJournalEntry(trx, {
      kind: 'test', merchantId: merchant.id, refType: null, refId: null, businessDate: '2032-01-05', occurredAt: at,
      lines: [{ account: accounts.channelClearing('wechat'), amountFen: 700 }, { account: accounts.merchantPayable(merchant.id), amountFen: -700 }],
    }));
    await t.ctx.db.transaction().execute((trx) => postJournalEntry(trx, {
      kind: 'test', merchantId: other.id, refType: null, refId: null, businessDate: '2032-01-05', occurredAt: at,
      lines: [{ account: accounts.channelClearing('wechat'), amountFen: 1 }, { account: accounts.merchantPayable(other.id), amountFen: -1 }],
    }));
    const code = accounts.merchantPayable(merchant.id).code;
    const res = await t.request('GET', `/v1/ledger/accounts/${encodeURIComponent(code)}/balance`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      code, kind: 'liability', name: 'Amount owed to the merchant', merchantId: merchant.id, balance: -700, debits: 0, credits: 700, lines: 1,
    });
    const missing = await t.request('GET', '/v1/ledger/accounts/nope/balance');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('ledger_account_not_found');
    const owner = (await createApiKey(t.ctx, { name: 'owner', role: 'merchant_owner', merchantId: merchant.id })).key;
    expect((await t.request('GET', `/v1/ledger/accounts/${encodeURIComponent(code)}/balance`, { key: owner })).body.balance).toBe(-700);
    const foreign = accounts.merchantPayable(other.id).code;
    expect((await t.request('GET', `/v1/ledger/accounts/${encodeURIComponent(foreign)}/balance`, { key: owner })).status).toBe(404);
    expect((await t.request('GET', '/v1/ledger/accounts/revenue:fees/balance', { key: owner })).status).toBe(404);
    expect((await t.request('GET', '/v1/ledger/verify', { key: owner })).status).toBe(403);
    expect((await t.request('GET', '/v1/ledger/verify')).body).toMatchObject({ ok: true, unbalanced: [], totalFen: '0' });
  });
});

const cliSecrets = { JIHUO_SECRET_KEY: '11'.repeat(32), JIHUO_FIELD_KEYS: `k1:${'22'.repeat(32)}`, JIHUO_FIELD_KEY_ID: 'k1' };

function jihuo(args: string[]) {
  const dataDir = mkdtempSync(join(tmpdir(), 'jihuo-ledger-cli-'));
  try {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      encoding: 'utf8', timeout: 60_000,
      env: { ...process.env, ...cliSecrets, JIHUO_DATA_DIR: dataDir, DATABASE_URL: t.database.url!, LOG_LEVEL: 'silent' },
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('jihuo settle (a separate process on the PostgreSQL database)', () => {
  it.skipIf(testDbKind() !== 'postgres')('settles a past day, refuses today, and re-runs without change', () => {
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const refused = jihuo(['settle', '--date', today]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('settlement_date_invalid');
    const first = jihuo(['settle', '--date', '2020-01-01']);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^settled 2020-01-01: 0 merchants/);
    const again = jihuo(['settle', '--date', '2020-01-01']);
    expect(again.stdout).toContain('already settled');
  }, 180_000);
});

describe('a hand-corrupted entry', () => {
  it('is caught by verifyLedger, the verify route and `jihuo verify ledger` (exit code 1)', async () => {
    const merchant = await insertMerchant(t.ctx);
    const { entryId } = await t.ctx.db.transaction().execute((trx) => postJournalEntry(trx, {
      kind: 'test', merchantId: merchant.id, refType: null, refId: null, businessDate: '2032-01-05', occurredAt: at,
      lines: [{ account: accounts.channelClearing('alipay'), amountFen: 300 }, { account: accounts.merchantPayable(merchant.id), amountFen: -300 }],
    }));
    await sql`alter table journal_lines disable trigger journal_lines_append_only`.execute(t.ctx.db);
    await sql`update journal_lines set amount_fen = 301 where entry_id = ${entryId} and amount_fen = 300`.execute(t.ctx.db);
    await sql`alter table journal_lines enable trigger journal_lines_append_only`.execute(t.ctx.db);
    const result = await verifyLedger(t.ctx.db);
    expect(result).toMatchObject({ ok: false, unbalanced: [{ entryId, sumFen: '1' }], totalFen: '1' });
    expect((await t.request('GET', '/v1/ledger/verify')).body.ok).toBe(false);
    if (testDbKind() === 'postgres') {
      const cli = jihuo(['verify', 'ledger']);
      expect(cli.status).toBe(1);
      expect(cli.stdout).toContain('ledger: BROKEN');
      expect(cli.stdout).toContain(`entry ${entryId} sums to 1`);
    }
  }, 120_000);
});
