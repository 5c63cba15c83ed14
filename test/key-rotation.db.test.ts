// Proves field-key rotation: every sealed value moves to the new active key in batches, values
// still decrypt to the same plaintext, a second run has nothing left to do, and a run that crashes
// mid-way (merchant ID and account numbers, terminal factory keys) resumes and finishes.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FieldCipher } from '../src/platform/crypto/seal.js';
import { createContext } from '../src/platform/context.js';
import { keyUsage, rotateFieldKeys, rotationBatchRows } from '../src/platform/key-rotation.js';
import type { SealedColumn } from '../src/platform/module.js';
import { modules } from '../src/modules/index.js';
import { insertDeviceModel, insertTerminal } from './fixtures.js';
import { createTestApp, createTestContext, type TestContext } from './harness.js';
import { luhn, residentId } from './server-process.js';
import { terminalRequest } from './terminal-client.js';

const columns: SealedColumn[] = [
  { table: 'terminals', key: 'id', column: 'factory_key_enc', field: 'terminals.factory_key' },
  { table: 'terminals', key: 'id', column: 'terminal_key_enc', field: 'terminals.terminal_key' },
];

let t: TestContext;
beforeAll(async () => { t = await createTestContext(); });
afterAll(async () => { await t.close(); });

describe('key rotation', () => {
  it('re-seals every value under the new key in batches and keeps plaintexts', async () => {
    const model = await insertDeviceModel(t.ctx);
    const count = rotationBatchRows + 20;
    const factoryKeys = new Map<string, string>();
    for (let i = 0; i < count; i++) {
      const terminal = await insertTerminal(t.ctx, { modelCode: model, status: i % 2 ? 'active' : 'in_stock' });
      factoryKeys.set(terminal.id, terminal.factoryKey.toString('hex'));
    }
    expect(await keyUsage(t.ctx, columns)).toEqual({ k1: count + Math.floor(count / 2) });

    const secrets = { ...t.ctx.config.secrets, fieldKeys: new Map([...t.ctx.config.secrets.fieldKeys, ['k2', Buffer.alloc(32, 5)]]), activeFieldKeyId: 'k2' };
    const rotated = createContext({ config: { ...t.ctx.config, secrets }, db: t.ctx.db, dbKind: t.ctx.dbKind, clock: t.ctx.clock, log: t.ctx.log });
    const progress: number[] = [];
    const results = await rotateFieldKeys(rotated, columns, (p) => progress.push(p.done));
    expect(results.map((r) => r.remaining)).toEqual([0, 0]);
    expect(results[0]!.done).toBe(count);
    expect(progress.length).toBeGreaterThan(2);
    expect(await keyUsage(rotated, columns)).toEqual({ k2: count + Math.floor(count / 2) });

    const rows = await t.ctx.db.selectFrom('terminals').select(['id', 'factory_key_enc']).execute();
    for (const row of rows) {
      expect(FieldCipher.keyIdOf(row.factory_key_enc)).toBe('k2');
      expect(rotated.cipher.open('terminals.factory_key', row.factory_key_enc)).toBe(factoryKeys.get(row.id));
    }
    const again = await rotateFieldKeys(rotated, columns);
    expect(again.map((r) => r.done)).toEqual([0, 0]);
  });
});

describe('key rotation interrupted and resumed', () => {
  it('keeps every value readable after a crash mid-rotation and finishes on the next run', async () => {
    const k1 = Buffer.alloc(32, 9);
    const k2 = Buffer.alloc(32, 5);
    const both = new Map([['k1', k1], ['k2', k2]]);
    const app = await createTestApp({ config: { secrets: { hmacKey: Buffer.alloc(32, 7), fieldKeys: both, activeFieldKeyId: 'k1' } } });
    try {
      const merchants: { id: string; idNumber: string; account: string }[] = [];
      for (let i = 0; i < 7; i++) {
        const idNumber = residentId(`11010519900307${String(101 + i)}`);
        const account = luhn(`62220212345${String(1000 + i)}`);
        const created = await app.request('POST', '/v1/merchants', { body: {
          type: 'individual', legalName: `轮换小店${i}`, phone: '13800138000', email: 'rotate@example.com',
          idNumber, idName: '王小明', idExpiry: '2040-01-01', mcc: '5812',
          address: { province: '北京市', city: '北京市', cityCode: '110100', district: '朝阳区', line: '建国路 88 号' },
          settlementAccount: { bank: '中国银行', number: account, holder: '王小明' } } });
        expect(created.status).toBe(201);
        merchants.push({ id: created.body.id, idNumber, account });
      }
      const model = await insertDeviceModel(app.ctx);
      const devices = Array.from({ length: 7 }, (_, i) => ({ sn: `ROT${String(i).padStart(5, '0')}`, key: randomBytes(32) }));
      const imported = await app.request('POST', '/v1/terminals/import', { body: {
        terminals: devices.map((d) => ({ sn: d.sn, modelCode: model, factoryKey: d.key.toString('hex') })) } });
      expect(imported.body.imported).toBe(7);

      const everyColumn = modules.flatMap((m) => m.sealedColumns ?? []);
      const rotated = createContext({
        config: { ...app.ctx.config, secrets: { ...app.ctx.config.secrets, activeFieldKeyId: 'k2' } },
        db: app.ctx.db, dbKind: app.ctx.dbKind, clock: app.ctx.clock, log: app.ctx.log,
      });
      const crashAt = (column: string) => (p: { column: string; done: number }) => {
        if (p.column === column && p.done > 0) throw new Error(`simulated crash in ${column}`);
      };
      const options = { batchRows: 3 };

      // Run 1 dies after one batch of merchant ID numbers; run 2 after one batch of factory keys.
      await expect(rotateFieldKeys(rotated, everyColumn, crashAt('merchants.id_number_enc'), options))
        .rejects.toThrow('simulated crash in merchants.id_number_enc');
      const idKeys = await keyUsage(rotated, everyColumn.filter((c) => c.column === 'id_number_enc'));
      expect(idKeys).toEqual({ k1: 4, k2: 3 });
      await readBack();
      await expect(rotateFieldKeys(rotated, everyColumn, crashAt('terminals.factory_key_enc'), options))
        .rejects.toThrow('simulated crash in terminals.factory_key_enc');
      expect(await keyUsage(rotated, everyColumn.filter((c) => c.column === 'id_number_enc'))).toEqual({ k2: 7 });
      expect(await keyUsage(rotated, everyColumn.filter((c) => c.column === 'factory_key_enc'))).toEqual({ k1: 4, k2: 3 });
      await readBack();

      // Run 3 finishes; a fourth finds nothing to do.
      const finished = await rotateFieldKeys(rotated, everyColumn, () => {}, options);
      expect(finished.every((r) => r.remaining === 0)).toBe(true);
      expect(finished.find((r) => r.column === 'merchants.id_number_enc')!.done).toBe(0);
      expect(finished.find((r) => r.column === 'merchants.account_number_enc')!.done).toBe(0);
      expect(finished.find((r) => r.column === 'terminals.factory_key_enc')!.done).toBe(4);
      const usage = await keyUsage(rotated, everyColumn);
      expect(Object.keys(usage)).toEqual(['k2']);
      expect((await rotateFieldKeys(rotated, everyColumn, () => {}, options)).every((r) => r.done === 0)).toBe(true);
      await readBack();

      async function readBack(): Promise<void> {
        for (const m of merchants) {
          const id = await app.request('POST', `/v1/merchants/${m.id}/reveal`, { body: { field: 'idNumber' } });
          expect(id.body).toEqual({ field: 'idNumber', value: m.idNumber });
          const account = await app.request('POST', `/v1/merchants/${m.id}/reveal`, { body: { field: 'settlementAccount.number' } });
          expect(account.body).toEqual({ field: 'settlementAccount.number', value: m.account });
        }
        for (const device of devices) {
          const hello = await terminalRequest(app, device, 'POST', '/terminal/v1/hello', { firmwareVersion: '1.0.0', location: {} });
          expect(hello.status, hello.text).toBe(200);
        }
      }
    } finally {
      await app.close();
    }
  });
});
