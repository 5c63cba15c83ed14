// Proves SPEC §15 "stateless server processes": two `jihuo serve` processes with workers on one
// PostgreSQL take activations and sales alternately — every activation code is redeemed once,
// every sale idempotency key applied once (same body on both instances), every SMS delivered once
// by the two outbox workers, and the ledger balances. PostgreSQL only: PGlite is single-process.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../src/modules/ledger/ledger.service.js';
import { SystemClock } from '../src/platform/clock.js';
import { testConfig } from '../src/platform/config.js';
import { createContext, type AppContext } from '../src/platform/context.js';
import { openDatabase } from '../src/platform/db/database.js';
import { createLogger } from '../src/platform/log.js';
import { unwrapTerminalKey } from '../src/platform/crypto/terminal-keys.js';
import { TerminalClient } from '../src/simulator/terminal-client.js';
import { createTestDatabase, type TestDatabase } from './harness.js';
import {
  apiCall, killAllServeProcesses, lowRiskMerchant, startServeProcess, startSmsReceiver, waitFor,
  type ServerProcess, type SmsReceiver,
} from './server-process.js';

const onPostgres = process.env.JIHUO_TEST_DB === 'postgres';
const bootstrapKey = `mi-admin-${randomBytes(8).toString('hex')}`;
const terminalCount = 10;
const redemptionsPerCode = 6;
const salesPerTerminal = 8;

describe.skipIf(!onPostgres)('two jihuo serve processes on one PostgreSQL (workers on both)', () => {
  let database: TestDatabase;
  let ctx: AppContext;
  let closeDb: (() => Promise<void>) | undefined;
  let sms: SmsReceiver;
  const servers: ServerProcess[] = [];
  const at = (i: number) => servers[i % 2]!.url;
  const api = (i: number, method: string, path: string, body?: unknown) => apiCall(at(i), bootstrapKey, method, path, body);

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = testConfig({ databaseUrl: database.url });
    const handle = await openDatabase({ databaseUrl: database.url });
    closeDb = () => handle.close();
    ctx = createContext({ config, db: handle.db, dbKind: handle.kind, clock: new SystemClock(), log: createLogger('silent') });
    sms = await startSmsReceiver({ delayMs: 150 });
    const started = await Promise.all([0, 1].map(() => startServeProcess({
      databaseUrl: database.url!, config, bootstrapKey, workers: true, env: { JIHUO_SMS_WEBHOOK_URL: sms.url },
    })));
    servers.push(...started);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGTERM', 5_000)));
    await killAllServeProcesses();
    await sms?.close();
    await closeDb?.();
    await database?.drop();
  }, 30_000);

  it('redeems each code once, applies each sale once, sends each SMS once and keeps the ledger balanced', async () => {
    // Set-up over the API, alternating instances.
    const model = await api(0, 'POST', '/v1/device-models', {
      code: 'MI-TRAD', name: '传统大POS', kind: 'traditional', price: 30000, deposit: null,
      requiredSelfTests: ['cardReader', 'printer', 'network'], minFirmware: '1.0.0' });
    expect(model.status).toBe(201);
    const merchant = await api(1, 'POST', '/v1/merchants', lowRiskMerchant());
    expect(merchant.status).toBe(201);
    const merchantId = merchant.body.id as string;
    const submitted = await api(0, 'POST', `/v1/merchants/${merchantId}/submit`);
    expect(submitted.body.status).toBe('approved');

    const fleet = Array.from({ length: terminalCount }, (_, i) => ({
      sn: `MI${randomBytes(3).toString('hex').toUpperCase()}${String(i).padStart(2, '0')}`, factoryKey: randomBytes(32).toString('hex'),
    }));
    const imported = await api(1, 'POST', '/v1/terminals/import', { terminals: fleet.map((t) => ({ ...t, modelCode: 'MI-TRAD' })) });
    expect(imported.body).toMatchObject({ imported: terminalCount, rejected: [] });
    await Promise.all(fleet.map(async (t, i) => expect((await api(i, 'POST', `/v1/terminals/${t.sn}/assign`, { merchantId })).status).toBe(200)));

    // Codes: even terminals in the portal, odd ones by SMS (read back from the SMS gateway).
    const codes = new Map<string, string>();
    await Promise.all(fleet.map(async (t, i) => {
      const channel = i % 2 === 0 ? 'portal' : 'sms';
      const issued = await api(i + 1, 'POST', `/v1/terminals/${t.sn}/activation-codes`, { channel });
      expect(issued.status).toBe(201);
      if (channel === 'portal') codes.set(t.sn, issued.body.code as string);
      else expect(issued.body.code).toBeUndefined();
    }));
    await waitFor('the activation-code SMS of every odd terminal', async () => {
      for (const message of sms.messages) {
        const t = fleet.find((f) => message.text.includes(f.sn));
        const code = /(\d{4}) (\d{4}) (\d{4})/.exec(message.text);
        if (t && code) codes.set(t.sn, code.slice(1).join(''));
      }
      return codes.size === terminalCount;
    }, 30_000);

    // Many concurrent redemptions of every code, spread over both instances.
    const clients: TerminalClient[] = [];
    const redemptions = await Promise.all(fleet.flatMap((t, i) => Array.from({ length: redemptionsPerCode }, async (_, j) => {
      const client = new TerminalClient({ server: at(i + j), sn: t.sn, factoryKey: t.factoryKey, terminalKey: null });
      const res = await client.request('POST', '/terminal/v1/activate', { activationCode: codes.get(t.sn) });
      return { sn: t.sn, res };
    })));
    for (const t of fleet) {
      const mine = redemptions.filter((r) => r.sn === t.sn);
      const ok = mine.filter((r) => r.res.status === 200);
      expect(ok, `exactly one 200 for ${t.sn}`).toHaveLength(1);
      for (const loser of mine.filter((r) => r.res.status !== 200)) {
        expect(['activation_code_invalid', 'activation_locked', 'terminal_auth_failed']).toContain(loser.res.body.error?.code);
      }
      // Adopt the key from the one winning answer.
      const terminalKey = unwrapTerminalKey(Buffer.from(t.factoryKey, 'hex'), t.sn, ok[0]!.res.body.terminalKey).toString('hex');
      clients.push(new TerminalClient({ server: at(clients.length), sn: t.sn, factoryKey: t.factoryKey, terminalKey }));
    }
    const usedCodes = await ctx.db.selectFrom('activation_codes').select(['status']).execute();
    expect(usedCodes.filter((c) => c.status === 'used')).toHaveLength(terminalCount);
    const activatedAudits = await ctx.db.selectFrom('audit_log').select('subject_id').where('action', '=', 'terminal.activated').execute();
    expect(activatedAudits.map((a) => a.subject_id).sort()).toEqual(fleet.map((t) => t.sn).sort());

    await Promise.all(clients.map(async (c) => {
      const res = await c.request('POST', '/terminal/v1/self-test',
        { results: { cardReader: 'pass', contactless: 'pass', qrScanner: 'pass', printer: 'pass', network: 'pass' } });
      expect(res.body.status).toBe('active');
    }));

    // Sales: every key sent to both instances at once, then retried once more on each.
    const sales = clients.flatMap((c, i) => Array.from({ length: salesPerTerminal }, (_, j) => ({
      client: c, idempotencyKey: `mi-${i}-${j}-${randomBytes(4).toString('hex')}`,
      body: { method: j % 2 === 0 ? 'credit_card' : 'wechat_qr', amount: 10_000 + 100 * (i * salesPerTerminal + j) },
    })));
    const signedSale = async (sale: (typeof sales)[number], server: string) => {
      const c = new TerminalClient({ ...sale.client.state, server });
      return c.request('POST', '/terminal/v1/transactions', { idempotencyKey: sale.idempotencyKey, ...sale.body });
    };
    const rounds = await Promise.all(sales.map(async (sale) => {
      const first = await Promise.all([signedSale(sale, at(0)), signedSale(sale, at(1))]);
      const retry = await Promise.all([signedSale(sale, at(1)), signedSale(sale, at(0))]);
      return { sale, answers: [...first, ...retry] };
    }));
    const txIds = new Set<string>();
    for (const { sale, answers } of rounds) {
      // A concurrent twin may be told the first is still in progress (409); every finished answer is the same body.
      const done = answers.filter((a) => a.status === 201);
      expect(done.length, `key ${sale.idempotencyKey}`).toBeGreaterThanOrEqual(2);
      for (const a of answers.filter((x) => x.status !== 201)) expect(a.body.error?.code).toBe('idempotency_request_in_progress');
      for (const a of done) expect(a.body).toEqual(done[0]!.body);
      expect(done[0]!.body).toMatchObject({ status: 'approved', amount: sale.body.amount });
      txIds.add(done[0]!.body.id as string);
    }
    expect(txIds.size).toBe(sales.length);
    const rows = await ctx.db.selectFrom('transactions').select(['id', 'amount_fen']).where('merchant_id', '=', merchantId).execute();
    expect(rows).toHaveLength(sales.length);
    expect(new Set(rows.map((r) => r.id))).toEqual(txIds);

    // The outbox drains with both workers running; the gateway saw every notice code once.
    const drained = await waitFor('the SMS outbox to drain', async () => {
      const pending = await ctx.db.selectFrom('notification_messages').select('id').where('channel', '=', 'sms').where('status', '=', 'pending').execute();
      return pending.length === 0;
    }, 30_000);
    expect(drained).toBe(true);
    const smsRows = await ctx.db.selectFrom('notification_messages').select(['status']).where('channel', '=', 'sms').execute();
    expect(smsRows.length).toBeGreaterThanOrEqual(terminalCount / 2);
    expect(smsRows.every((r) => r.status === 'sent')).toBe(true);
    const noticeCodes = sms.messages.map((m) => m.noticeCode);
    expect(new Set(noticeCodes).size).toBe(noticeCodes.length);
    expect(noticeCodes).toHaveLength(smsRows.length);
    const attempts = await ctx.db.selectFrom('notification_attempts').select('message_id').execute();
    expect(new Set(attempts.map((a) => a.message_id)).size).toBe(attempts.length);

    const ledger = await verifyLedger(ctx.db);
    expect(ledger.ok).toBe(true);
    expect(ledger.entries).toBeGreaterThanOrEqual(sales.length);
  }, 90_000);
});
