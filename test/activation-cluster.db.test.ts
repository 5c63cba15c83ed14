// Proves that redemption is atomic across server instances (SPEC §5): two `jihuo serve` processes
// on one PostgreSQL receive many concurrent redemptions of one activation code, and the terminal
// is activated exactly once (one 200, one key, one audit record). PostgreSQL only: PGlite is
// single-process by nature.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../src/platform/config.js';
import { createContext, type AppContext } from '../src/platform/context.js';
import { SystemClock } from '../src/platform/clock.js';
import { signedHeaders } from '../src/platform/crypto/request-signature.js';
import { openDatabase } from '../src/platform/db/database.js';
import { createLogger } from '../src/platform/log.js';
import { issueActivationCode } from '../src/modules/activation/activation.service.js';
import { insertDeviceModel, insertMerchant, insertTerminal } from './fixtures.js';
import { createTestDatabase, testDbKind, type TestDatabase } from './harness.js';

const onPglite = process.env.JIHUO_TEST_DB === 'pglite';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited: ${output()}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server did not start: ${output()}`);
}

describe.skipIf(onPglite)('redemption across two server processes', () => {
  let database: TestDatabase;
  let ctx: AppContext;
  let closeDb: () => Promise<void>;
  const servers: Array<{ child: ChildProcess; url: string }> = [];

  beforeAll(async () => {
    expect(testDbKind()).toBe('postgres');
    database = await createTestDatabase();
    const config = testConfig({ databaseUrl: database.url });
    const handle = await openDatabase({ databaseUrl: database.url });
    closeDb = () => handle.close();
    ctx = createContext({ config, db: handle.db, dbKind: handle.kind, clock: new SystemClock(), log: createLogger('silent') });
    const dataDir = mkdtempSync(join(tmpdir(), 'jihuo-cluster-'));
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      let out = '';
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--no-seed'], {
        cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: database.url, JIHUO_WORKERS: '0', LOG_LEVEL: 'silent',
          JIHUO_SECRET_KEY: config.secrets.hmacKey.toString('hex'),
          JIHUO_FIELD_KEYS: `k1:${config.secrets.fieldKeys.get('k1')!.toString('hex')}`, JIHUO_FIELD_KEY_ID: 'k1',
          JIHUO_DATA_DIR: join(dataDir, String(i)), JIHUO_SEED: '0',
        },
      });
      child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
      const url = `http://127.0.0.1:${port}`;
      servers.push({ child, url });
      await waitReady(url, child, () => out);
    }
  }, 180_000);

  afterAll(async () => {
    for (const { child } of servers) child.kill('SIGTERM');
    await Promise.all(servers.map(({ child }) => (child.exitCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r)))));
    await closeDb?.();
    await database?.drop();
  }, 60_000);

  it('activates the terminal exactly once under concurrent redemptions on both instances', async () => {
    const merchant = await insertMerchant(ctx);
    const model = await insertDeviceModel(ctx, { code: 'CLUSTER1' });
    const terminal = await insertTerminal(ctx, { modelCode: model, merchantId: merchant.id, status: 'delivered' });
    const admin = { kind: 'api_key' as const, id: 'key_test', role: 'ops_admin' as const, merchantId: null };
    const issued = await ctx.db.transaction().execute((trx) => issueActivationCode(ctx, trx, { sn: terminal.sn, channel: 'portal', actor: admin }));

    const attempts = 12;
    const responses = await Promise.all(Array.from({ length: attempts }, async (_, i) => {
      const body = JSON.stringify({ activationCode: issued.code });
      const headers = signedHeaders({ key: terminal.factoryKey, sn: terminal.sn, method: 'POST', path: '/terminal/v1/activate', body });
      const res = await fetch(`${servers[i % 2]!.url}/terminal/v1/activate`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
      return { status: res.status, body: await res.json() as { error?: { code: string } } };
    }));
    const ok = responses.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    // Losers that waited on the row lock see a used code; later ones are signed with the factory
    // key, which the terminal no longer accepts once it has a terminal key.
    for (const loser of responses.filter((r) => r.status !== 200)) {
      expect(['activation_code_invalid', 'activation_locked', 'terminal_auth_failed']).toContain(loser.body.error?.code);
    }
    const row = await ctx.db.selectFrom('terminals').select(['status', 'key_version']).where('id', '=', terminal.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'self_test', key_version: 1 });
    const audits = await ctx.db.selectFrom('audit_log').select('id').where('action', '=', 'terminal.activated').where('subject_id', '=', terminal.sn).execute();
    expect(audits).toHaveLength(1);
    const code = await ctx.db.selectFrom('activation_codes').select('status').where('id', '=', issued.codeId).executeTakeFirstOrThrow();
    expect(code.status).toBe('used');
  }, 120_000);
});
