// Proves backup and restore on the backend under test: seed data, back up, wipe, restore, and find
// the same content hash in every table, with the integrity report (audit chain, ledger) printed; on
// PostgreSQL a backup taken while another connection writes restores with a clean report; a
// corrupt backup file leaves the database as it was.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../src/platform/actor.js';
import { backup, digestTables, manifestPath, type BackupManifest } from '../src/platform/backup.js';
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

async function waitUntil(done: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
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

  it.skipIf(testDbKind() !== 'postgres')('backs up one snapshot while another connection keeps writing', async () => {
    const writer = await openContext(loadConfig(env));
    let stop = false;
    let written = 0;
    const writing = (async () => {
      while (!stop) {
        const merchant = await insertMerchant(writer.ctx);
        await writer.ctx.db.transaction().execute((trx) =>
          writer.ctx.audit(trx, systemActor, { action: 'test.written', subjectType: 'merchant', subjectId: merchant.id }));
        written++;
      }
    })();
    const file = join(dir, 'busy.dump');
    let manifest: BackupManifest;
    try {
      await waitUntil(() => written >= 5);
      const { ctx, handle } = await openContext(loadConfig(env));
      try {
        const writtenBefore = written;
        manifest = await backup(ctx, handle, file);
        expect(written, 'rows were written while the backup ran').toBeGreaterThan(writtenBefore);
      } finally { await handle.close(); }
      await waitUntil(() => written >= 5 + manifest.tables.find((t) => t.table === 'merchants')!.rows);
    } finally {
      stop = true;
      await writing;
      await writer.handle.close();
    }
    const merchantsNow = await withCtx(async (ctx) => (await digestTables(ctx.db)).find((t) => t.table === 'merchants')!.rows);
    const merchantsInBackup = manifest.tables.find((t) => t.table === 'merchants')!.rows;
    expect(merchantsNow).toBeGreaterThan(merchantsInBackup);

    const restored = jihuo(['restore', file]);
    expect(restored.status, restored.stdout + restored.stderr).toBe(0);
    expect(restored.stdout).not.toContain('MISMATCH');
    expect(restored.stdout).toContain(`merchants: ${merchantsInBackup} rows ok`);
    expect(restored.stdout).toContain('integrity: ok');
    const after = await withCtx((ctx) => digestTables(ctx.db));
    expect(after).toEqual(manifest.tables);
  }, cliTestTimeoutMs);

  it('leaves the database as it was when the backup file is corrupt', async () => {
    const file = join(dir, 'good.dump');
    expect(jihuo(['backup', file]).status).toBe(0);
    const size = statSync(file).size;
    const corrupt = join(dir, 'corrupt.dump');
    // Cut the tail: the start (the table of contents) reads fine, the data does not.
    writeFileSync(corrupt, readFileSync(file).subarray(0, size - Math.min(200, Math.floor(size / 4))));
    copyFileSync(manifestPath(file), manifestPath(corrupt));
    const before = await withCtx((ctx) => digestTables(ctx.db));
    expect(before.find((t) => t.table === 'merchants')!.rows).toBeGreaterThan(0);

    const result = jihuo(['restore', corrupt]);
    expect(result.status).toBe(1);
    const after = await withCtx((ctx) => digestTables(ctx.db));
    expect(after).toEqual(before);
    expect(result.stderr).toMatch(testDbKind() === 'postgres' ? /pg_restore failed, nothing was changed/ : /could not be loaded/);
  }, cliTestTimeoutMs);

  it('refuses to restore without the manifest', () => {
    const result = jihuo(['restore', join(dir, 'missing.dump')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('manifest');
  }, cliTestTimeoutMs);
});
