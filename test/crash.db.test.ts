// Proves crash safety of terminal sales (SPEC §8, §15): a `jihuo serve` process is SIGKILLed in the
// middle of a load of signed sales; after a restart the terminals retry every sale whose answer
// they did not see with the same idempotency key and body — no sale is lost or doubled, every
// final answer equals the stored one, and the ledger balances. PostgreSQL only (a second process
// on the same database; PGlite is single-process).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../src/modules/ledger/ledger.service.js';
import { SystemClock } from '../src/platform/clock.js';
import { testConfig, type Config } from '../src/platform/config.js';
import { createContext, type AppContext } from '../src/platform/context.js';
import { unwrapTerminalKey } from '../src/platform/crypto/terminal-keys.js';
import { openDatabase } from '../src/platform/db/database.js';
import { createLogger } from '../src/platform/log.js';
import { TerminalClient, type TerminalResponse } from '../src/simulator/terminal-client.js';
import { createTestDatabase, type TestDatabase } from './harness.js';
import {
  apiCall, killAllServeProcesses, lowRiskMerchant, sleep, startServeProcess, type ServerProcess,
} from './server-process.js';

const onPostgres = process.env.JIHUO_TEST_DB === 'postgres';
const bootstrapKey = `crash-admin-${randomBytes(8).toString('hex')}`;
const terminalCount = 4;
const salesPerTerminal = 25;
const inFlightPerTerminal = 3;

interface Sale { client: TerminalClient; idempotencyKey: string; body: { method: string; amount: number }; seen: TerminalResponse | null }

describe.skipIf(!onPostgres)('SIGKILL of jihuo serve in the middle of a sales load', () => {
  let database: TestDatabase;
  let config: Config;
  let ctx: AppContext;
  let closeDb: (() => Promise<void>) | undefined;
  let server: ServerProcess;

  beforeAll(async () => {
    database = await createTestDatabase();
    config = testConfig({ databaseUrl: database.url });
    const handle = await openDatabase({ databaseUrl: database.url });
    closeDb = () => handle.close();
    ctx = createContext({ config, db: handle.db, dbKind: handle.kind, clock: new SystemClock(), log: createLogger('silent') });
    server = await startServeProcess({ databaseUrl: database.url!, config, bootstrapKey, workers: true });
  }, 90_000);

  afterAll(async () => {
    await server?.stop('SIGTERM', 5_000);
    await killAllServeProcesses();
    await closeDb?.();
    await database?.drop();
  }, 30_000);

  it('loses and doubles no sale across a crash and retries', async () => {
    const api = (method: string, path: string, body?: unknown) => apiCall(server.url, bootstrapKey, method, path, body);
    expect((await api('POST', '/v1/device-models', {
      code: 'CR-SMART', name: '智能POS', kind: 'smart', price: 50000, deposit: null,
      requiredSelfTests: ['network'], minFirmware: '1.0.0' })).status).toBe(201);
    const merchantId = (await api('POST', '/v1/merchants', lowRiskMerchant())).body.id as string;
    expect((await api('POST', `/v1/merchants/${merchantId}/submit`)).body.status).toBe('approved');
    const fleet = Array.from({ length: terminalCount }, (_, i) => ({ sn: `CR${randomBytes(3).toString('hex').toUpperCase()}${i}`, factoryKey: randomBytes(32).toString('hex') }));
    expect((await api('POST', '/v1/terminals/import', { terminals: fleet.map((t) => ({ ...t, modelCode: 'CR-SMART' })) })).body.imported).toBe(terminalCount);
    const clients = await Promise.all(fleet.map(async (t) => {
      expect((await api('POST', `/v1/terminals/${t.sn}/assign`, { merchantId })).status).toBe(200);
      const issued = await api('POST', `/v1/terminals/${t.sn}/activation-codes`, { channel: 'portal' });
      const client = new TerminalClient({ server: server.url, sn: t.sn, factoryKey: t.factoryKey, terminalKey: null });
      const activated = await client.request('POST', '/terminal/v1/activate', { activationCode: issued.body.code });
      expect(activated.status).toBe(200);
      const terminalKey = unwrapTerminalKey(Buffer.from(t.factoryKey, 'hex'), t.sn, activated.body.terminalKey).toString('hex');
      const active = new TerminalClient({ ...client.state, terminalKey });
      expect((await active.selfTest({ network: 'pass' })).status).toBe('active');
      return active;
    }));

    const sales: Sale[] = clients.flatMap((client, i) => Array.from({ length: salesPerTerminal }, (_, j) => ({
      client, idempotencyKey: `crash-${i}-${j}-${randomBytes(4).toString('hex')}`,
      body: { method: ['credit_card', 'debit_card', 'wechat_qr', 'alipay_qr'][j % 4]!, amount: 5_000 + 100 * (i * salesPerTerminal + j) },
      seen: null,
    })));
    const send = (sale: Sale) => sale.client.request('POST', '/terminal/v1/transactions', { idempotencyKey: sale.idempotencyKey, ...sale.body });

    // The load: a few sales in flight per terminal; the server is killed once about a third were answered.
    let answered = 0;
    let killed: Promise<void> | null = null;
    const killAt = Math.floor(sales.length / 3);
    await Promise.all(clients.flatMap((client) => {
      const queue = sales.filter((s) => s.client === client);
      return Array.from({ length: inFlightPerTerminal }, async () => {
        for (let sale = queue.shift(); sale; sale = queue.shift()) {
          try {
            sale.seen = await send(sale);
            answered++;
          } catch { /* connection lost: the outcome is unknown */ }
          if (answered >= killAt && !killed) killed = server.stop('SIGKILL');
        }
      });
    }));
    await killed;
    expect(server.child.signalCode).toBe('SIGKILL');
    const unseen = sales.filter((s) => s.seen === null);
    expect(unseen.length).toBeGreaterThan(0);
    for (const s of sales.filter((x) => x.seen !== null)) expect(s.seen!.status).toBe(201);

    // Restart on the same port and retry every unseen sale (same key, same body) until answered.
    server = await startServeProcess({ databaseUrl: database.url!, config, bootstrapKey, workers: true, port: server.port });
    await Promise.all(unseen.map(async (sale) => {
      for (let attempt = 0; attempt < 20; attempt++) {
        const res = await send(sale);
        if (res.status === 201) { sale.seen = res; return; }
        expect(res.body.error?.code).toBe('idempotency_request_in_progress');
        await sleep(250);
      }
      throw new Error(`sale ${sale.idempotencyKey} never answered`);
    }));

    // Every key has exactly one row; every final answer equals the stored one (a replay agrees too).
    const rows = await ctx.db.selectFrom('transactions').select(['id', 'amount_fen', 'status']).where('merchant_id', '=', merchantId).execute();
    expect(rows).toHaveLength(sales.length);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const stored = await ctx.db.selectFrom('idempotency_keys').select(['key', 'status_code', 'response_body'])
      .where('key', 'in', sales.map((s) => s.idempotencyKey)).execute();
    expect(stored).toHaveLength(sales.length);
    const storedByKey = new Map(stored.map((r) => [r.key, r]));
    const ids = new Set<string>();
    for (const sale of sales) {
      const body = sale.seen!.body as { id: string; amount: number; status: string };
      expect(body).toMatchObject({ status: 'approved', amount: sale.body.amount });
      expect(byId.get(body.id)).toMatchObject({ amount_fen: sale.body.amount, status: 'approved' });
      ids.add(body.id);
      const row = storedByKey.get(sale.idempotencyKey)!;
      expect(row.status_code).toBe(201);
      expect(JSON.parse(row.response_body!)).toEqual(body);
    }
    expect(ids.size).toBe(sales.length);
    for (const sale of unseen.slice(0, 5)) expect((await send(sale)).body).toEqual(sale.seen!.body);

    const ledger = await verifyLedger(ctx.db);
    expect(ledger).toMatchObject({ ok: true, unbalanced: [], emptyEntries: [], totalFen: '0' });
  }, 90_000);
});
