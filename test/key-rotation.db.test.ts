// Proves field-key rotation: every sealed value moves to the new active key in batches, values
// still decrypt to the same plaintext, and a second run (a resumed one) has nothing left to do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FieldCipher } from '../src/platform/crypto/seal.js';
import { createContext } from '../src/platform/context.js';
import { keyUsage, rotateFieldKeys, rotationBatchRows } from '../src/platform/key-rotation.js';
import type { SealedColumn } from '../src/platform/module.js';
import { insertDeviceModel, insertTerminal } from './fixtures.js';
import { createTestContext, type TestContext } from './harness.js';

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
