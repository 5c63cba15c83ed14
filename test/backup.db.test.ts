// Proves backup and restore on the backend under test: seed data, back up, wipe, restore, and find
// the same content hash in every table, with the integrity report (audit chain, ledger) printed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../src/platform/actor.js';
import { digestTables } from '../src/platform/backup.js';
import { loadConfig } from '../src/platform/config.js';
import { migrate } from '../src/platform/db/migrate.js';
import { openContext } from '../src/platform/server.js';
import { accounts, postJournalEntry } from '../src/modules/ledger/ledger.service.js';
import { insertMerchant } from './fixtures.js';
import { createTestDatabase, testDbKind, type TestDatabase } from './harness.js';

// Each test spawns CLI processes: generous on a busy 2-core machine.
const cliTestTimeoutMs = 240_000;

let database: TestDatabase;
let dir: string;
let env: Record<string, string>;

function jihuo(args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8', env: { ...process.env, ...env, LOG_LEVEL: 'silent' }, timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function withCtx<T>(fn: (ctx: Awaited<ReturnType<typeof openContext>>['ctx']) => Promise<T>): Promise<T> {
  const { ctx, handle } = await openContext(loadConfig(env));
  try { return await fn(ctx); } finally { await handle.close(); }
}

beforeAll(async () => {
  database = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'jihuo-backup-'));
  env = {
    JIHUO_DATA_DIR: join(dir, 'data'), JIHUO_SECRET_KEY: '33'.repeat(32), JIHUO_FIELD_KEYS: `k1:${'44'.repeat(32)}`,
    ...(testDbKind() === 'postgres' ? { DATABASE_URL: database.url! } : {}),
  };
});
afterAll(async () => {
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('backup and restore', () => {
  it('restores every table to the same content and reports integrity', async () => {
    const before = await withCtx(async (ctx) => {
      await migrate(ctx.db);
      const merchant = await insertMerchant(ctx);
      await ctx.db.transaction().execute(async (trx) => {
        await ctx.audit(trx, systemActor, { action: 'test.seeded', subjectType: 'merchant', subjectId: merchant.id });
        await postJournalEntry(trx, {
          kind: 'test', merchantId: merchant.id, refType: null, refId: null, businessDate: '2030-01-01', occurredAt: new Date(),
          lines: [{ account: accounts.channelClearing('credit_card'), amountFen: 1000 }, { account: accounts.merchantPayable(merchant.id), amountFen: -1000 }],
        });
      });
      return digestTables(ctx.db);
    });
    expect(before.find((t) => t.table === 'merchants')?.rows).toBe(1);

    const file = join(dir, 'backup.dump');
    const made = jihuo(['backup', file]);
    expect(made.status, made.stderr).toBe(0);
    expect(made.stdout).toContain('backup written');

    // Wipe.
    if (testDbKind() === 'postgres') {
      await withCtx(async (ctx) => { await sql`drop schema public cascade; create schema public`.execute(ctx.db); });
    } else {
      rmSync(join(dir, 'data', 'pgdata'), { recursive: true, force: true });
    }

    const restored = jihuo(['restore', file]);
    expect(restored.status, restored.stdout + restored.stderr).toBe(0);
    expect(restored.stdout).toContain('audit chain: ok (1 rows)');
    expect(restored.stdout).toContain('ledger: balanced (1 entries, total 0)');
    expect(restored.stdout).toContain('integrity: ok');

    const after = await withCtx((ctx) => digestTables(ctx.db));
    expect(after).toEqual(before);
  }, cliTestTimeoutMs);

  it('refuses to restore without the manifest', () => {
    const result = jihuo(['restore', join(dir, 'missing.dump')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('manifest');
  }, cliTestTimeoutMs);
});
