// Proves the `jihuo` CLI against a real database: migrate, API key creation, verify (audit and
// ledger, catching tampering), and a clear one-line error with exit code 1 for an unreachable database.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
