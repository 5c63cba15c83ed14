// Proves `jihuo serve` as `npm start` runs it on PGlite: seeds a fresh data directory, serves the demo data to the bootstrap key, and restarts on the same directory with the same key and no duplicate key row.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/platform/db/database.js';
import { testDbKind } from './harness.js';
import { apiCall, killAllServeProcesses, startServeProcess } from './server-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'jihuo-npm-start-'));
const bootstrapKey = 'serve-pglite-bootstrap-key-0123456789';

afterAll(async () => {
  await killAllServeProcesses();
  rmSync(dataDir, { recursive: true, force: true });
});

async function bootstrapKeyRows(): Promise<number> {
  const handle = await openDatabase({ dataDir });
  try {
    const rows = await handle.db.selectFrom('api_keys').select('id').where('name', '=', 'bootstrap').execute();
    return rows.length;
  } finally {
    await handle.close();
  }
}

describe.skipIf(testDbKind() !== 'pglite')('jihuo serve on PGlite (npm start)', () => {
  it('seeds, serves with the bootstrap key, and restarts on the same data directory', async () => {
    const first = await startServeProcess({ dataDir, seed: true, bootstrapKey, workers: false });
    try {
      expect((await apiCall(first.url, null, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
      expect((await apiCall(first.url, null, 'GET', '/v1/merchants/mch_demo0000000000000001')).status).toBe(401);
      const merchant = await apiCall(first.url, bootstrapKey, 'GET', '/v1/merchants/mch_demo0000000000000001');
      expect(merchant.status, merchant.text).toBe(200);
      expect(merchant.body).toMatchObject({ id: 'mch_demo0000000000000001', legalName: '张三便利店', status: 'approved' });
      const models = await apiCall(first.url, bootstrapKey, 'GET', '/v1/device-models');
      expect(models.status).toBe(200);
      const kinds = (models.body.data as { kind: string }[]).map((m) => m.kind).sort();
      expect(kinds).toEqual(['esign', 'mobile', 'qr_box', 'smart', 'traditional']);
    } finally {
      await first.stop();
    }
    expect(first.child.exitCode).toBe(0);
    expect(await bootstrapKeyRows()).toBe(1);

    const second = await startServeProcess({ dataDir, seed: true, bootstrapKey, workers: false });
    try {
      const merchant = await apiCall(second.url, bootstrapKey, 'GET', '/v1/merchants/mch_demo0000000000000001');
      expect(merchant.status, merchant.text).toBe(200);
      expect((await apiCall(second.url, 'wrong-key-0123456789', 'GET', '/v1/device-models')).status).toBe(401);
      const models = await apiCall(second.url, bootstrapKey, 'GET', '/v1/device-models');
      expect(models.body.data).toHaveLength(5);
    } finally {
      await second.stop();
    }
    expect(await bootstrapKeyRows()).toBe(1);
  }, 300_000);
});
