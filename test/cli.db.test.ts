// Proves the `jihuo` CLI against a real database: migrate, API key creation, verify (audit and
// ledger, catching tampering), and a clear one-line error with exit code 1 for an unreachable database.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../src/platform/actor.js';
import { appendAudit } from '../src/platform/audit.js';
import { openDatabase } from '../src/platform/db/database.js';
import { createTestDatabase, testDbKind, type TestDatabase } from './harness.js';

const secrets = {
  JIHUO_SECRET_KEY: '11'.repeat(32),
  JIHUO_FIELD_KEYS: `k1:${'22'.repeat(32)}`,
  JIHUO_FIELD_KEY_ID: 'k1',
};

// Each test spawns CLI processes: generous on a busy 2-core machine.
const cliTestTimeoutMs = 240_000;

let database: TestDatabase;
let dataDir: string;
let env: Record<string, string>;

function jihuo(args: string[], extraEnv: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8', env: { ...process.env, ...env, ...extraEnv, LOG_LEVEL: 'silent' }, timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'jihuo-cli-'));
  env = { ...secrets, JIHUO_DATA_DIR: dataDir, ...(testDbKind() === 'postgres' ? { DATABASE_URL: database.url! } : {}) };
});
afterAll(async () => {
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('jihuo CLI', () => {
  it('migrates, creates a key and verifies an intact database', () => {
    const migrate = jihuo(['migrate']);
    expect(migrate.status, migrate.stderr).toBe(0);
    const again = jihuo(['migrate']);
    expect(again.stdout).toContain('database is up to date');
    const key = jihuo(['apikey', 'create', '--role', 'ops_admin', '--name', 'test']);
    expect(key.status, key.stderr).toBe(0);
    expect(key.stdout.trim()).toMatch(/^jk_[A-Za-z0-9_-]{32}$/);
    const verify = jihuo(['verify']);
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toContain('audit: ok');
    expect(verify.stdout).toContain('ledger: ok');
  }, cliTestTimeoutMs);

  it('finds a tampered audit row: `jihuo verify audit` prints BROKEN and exits 1', async () => {
    // The CLI process must not share the PGlite directory: open, write, tamper, close, then spawn.
    const handle = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir });
    const key = Buffer.from(secrets.JIHUO_SECRET_KEY, 'hex');
    let tamperedSeq = 0;
    try {
      for (let i = 0; i < 4; i++) {
        await handle.db.transaction().execute((trx) => appendAudit(trx, key, new Date(), systemActor,
          { action: 'cli_test.event', subjectType: 'test', subjectId: `cli-${i}`, details: { i } }));
      }
      const keyAudits = await handle.db.selectFrom('audit_log').select(['actor_kind', 'details']).where('action', '=', 'api_key.created').execute();
      expect(keyAudits).toContainEqual({ actor_kind: 'system', details: { name: 'test', role: 'ops_admin', via: 'cli' } });
      const row = await handle.db.selectFrom('audit_log').select('seq').where('subject_id', '=', 'cli-2').executeTakeFirstOrThrow();
      tamperedSeq = row.seq;
    } finally {
      await handle.close();
    }
    const before = jihuo(['verify', 'audit']);
    expect(before.status, before.stdout + before.stderr).toBe(0);
    expect(before.stdout).toMatch(/^audit: ok \(\d+ rows\)/);

    const again = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir });
    try {
      await sql`alter table audit_log disable trigger audit_log_append_only`.execute(again.db);
      await sql`update audit_log set details = '{"i": 99}' where subject_id = 'cli-2'`.execute(again.db);
      await sql`alter table audit_log enable trigger audit_log_append_only`.execute(again.db);
    } finally {
      await again.close();
    }
    const result = jihuo(['verify', 'audit']);
    expect(result.status, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toContain(`audit: BROKEN at row ${tamperedSeq}: row content does not match its hash`);
    const all = jihuo(['verify']);
    expect(all.status).toBe(1);
    expect(all.stdout).toContain('audit: BROKEN');
  }, cliTestTimeoutMs);

  it('refuses to start with risk thresholds out of order (one clear line, exit code 1)', () => {
    const result = jihuo(['migrate'], { JIHUO_RISK_REVIEW_SCORE: '80', JIHUO_RISK_REJECT_SCORE: '70' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('jihuo: JIHUO_RISK_REVIEW_SCORE (80) and JIHUO_RISK_REJECT_SCORE (70) '
      + 'must satisfy 0 < review < reject <= 100');
  }, cliTestTimeoutMs);

  it('refuses a merchant role without a merchant', () => {
    const result = jihuo(['apikey', 'create', '--role', 'merchant_owner']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('--merchant');
  }, cliTestTimeoutMs);

  it('fails with one clear line and exit code 1 when the database cannot be reached', () => {
    const result = jihuo(['migrate'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^jihuo: cannot reach the database/);
  }, cliTestTimeoutMs);
});
