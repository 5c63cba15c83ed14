// Proves `jihuo terminals import`: CSV and JSON files, per-row errors with line numbers (including
// a broken CSV line), atomic all-or-none, the progress report, and (on PostgreSQL) 100,000 rows in one command.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../src/cli/database.js';
import { loadConfig } from '../src/platform/config.js';
import type { AppContext } from '../src/platform/context.js';
import { insertDeviceModel } from './fixtures.js';
import { createTestDatabase, testDbKind, type TestDatabase } from './harness.js';

const secrets = { JIHUO_SECRET_KEY: '11'.repeat(32), JIHUO_FIELD_KEYS: `k1:${'22'.repeat(32)}`, JIHUO_FIELD_KEY_ID: 'k1' };
const model = 'CLIMODEL';

let database: TestDatabase;
let dir: string;
let env: Record<string, string>;

function jihuo(args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8', env: { ...process.env, ...env, LOG_LEVEL: 'silent' }, timeout: 300_000, maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
function db<T>(fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  return withDatabase(loadConfig({ ...process.env, ...env }), fn);
}
const key = () => randomBytes(32).toString('hex');
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

beforeAll(async () => {
  database = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'jihuo-terminals-cli-'));
  env = { ...secrets, JIHUO_DATA_DIR: dir, ...(testDbKind() === 'postgres' ? { DATABASE_URL: database.url! } : {}) };
  await db((ctx) => insertDeviceModel(ctx, { code: model }));
});
afterAll(async () => {
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('jihuo terminals import', () => {
  it('imports good CSV rows and reports bad ones, a broken line included, by line number', async () => {
    const csv = [
      'sn,modelCode,factoryKey',
      `CSV0001,${model},${key()}`,
      `CSV0002,${model},${key()},extra`,
      `CSV0001,${model},${key()}`,
      `CSV0003,NOPE,${key()}`,
      `CSV0004,${model},"unterminated`,
    ].join('\n');
    const result = jihuo(['terminals', 'import', file('mixed.csv', csv), '--json']);
    expect(result.status, result.stderr).toBe(2);
    const report = JSON.parse(result.stdout) as { imported: number; rejected: { line: number; sn: string | null; error: string }[] };
    expect(report.imported).toBe(1);
    expect(report.rejected.map((r) => [r.line, r.error.split(':')[0]])).toEqual([
      [3, 'malformed_row'], [4, 'duplicate_sn_in_file'], [5, 'unknown_model'], [6, 'malformed_row'],
    ]);
    expect(result.stderr).toContain('importing');
    const human = jihuo(['terminals', 'import', file('again.csv', `sn,modelCode,factoryKey\nCSV0001,${model},${key()}\n`)]);
    expect(human.stdout).toContain('imported 0, rejected 1');
    expect(human.stdout).toContain('line 2 (CSV0001): duplicate_sn_in_stock');
    const rows = await db((ctx) => ctx.db.selectFrom('terminals').select(['sn', 'status']).where('sn', 'like', 'CSV%').execute());
    expect(rows).toEqual([{ sn: 'CSV0001', status: 'in_stock' }]);
  });

  it('imports JSON, and with --atomic all rows or none', async () => {
    const bad = JSON.stringify([{ sn: 'JSN0001', modelCode: model, factoryKey: key() }, { sn: 'JSN0002', modelCode: model, factoryKey: 'short' }]);
    const refused = jihuo(['terminals', 'import', file('bad.json', bad), '--atomic', '--json']);
    expect(refused.status).toBe(1);
    expect(JSON.parse(refused.stdout)).toEqual({ imported: 0, rejected: [{ line: 2, sn: 'JSN0002', error: 'malformed_factory_key' }] });
    const good = JSON.stringify({ terminals: [{ sn: 'JSN0001', modelCode: model, factoryKey: key() }, { sn: 'JSN0002', modelCode: model, factoryKey: key() }] });
    const ok = jihuo(['terminals', 'import', file('good.json', good), '--atomic']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('imported 2, rejected 0');
  });

  it('refuses a file that cannot be read with one clear line', () => {
    const result = jihuo(['terminals', 'import', join(dir, 'missing.csv')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Cannot read');
  });

  it.runIf(testDbKind() === 'postgres')('imports 100,000 rows in one command', async () => {
    const lines = ['sn,modelCode,factoryKey'];
    for (let i = 0; i < 100_000; i++) lines.push(`BIG${String(i).padStart(7, '0')},${model},${randomBytes(32).toString('hex')}`);
    const result = jihuo(['terminals', 'import', file('big.csv', lines.join('\n')), '--json']);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ imported: 100_000, rejected: [] });
    const count = await db((ctx) => ctx.db.selectFrom('terminals').select((eb) => eb.fn.countAll<string>().as('n')).where('sn', 'like', 'BIG%').executeTakeFirstOrThrow());
    expect(Number(count.n)).toBe(100_000);
  }, 300_000);
});
