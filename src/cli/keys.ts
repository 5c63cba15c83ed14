// `jihuo keys rotate` / `jihuo keys status`: field-encryption key rotation.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../platform/config.js';
import { keyUsage, rotateFieldKeys } from '../platform/key-rotation.js';
import { modules } from '../modules/index.js';
import { CliError, withDatabase } from './database.js';
import { progressBar } from './progress.js';

const sealedColumns = () => modules.flatMap((m) => m.sealedColumns ?? []);

/** Embedded installs keep keys in data/secrets.json: add a new key and make it the active one. */
function addGeneratedKey(dataDir: string): string {
  const file = join(dataDir, 'secrets.json');
  if (!existsSync(file)) throw new CliError(`${file} does not exist; with JIHUO_FIELD_KEYS set, add the new key there instead`);
  const stored = JSON.parse(readFileSync(file, 'utf8')) as { fieldKeys: Record<string, string>; activeFieldKeyId: string };
  const next = `k${Object.keys(stored.fieldKeys).length + 1}`;
  stored.fieldKeys[next] = randomBytes(32).toString('hex');
  stored.activeFieldKeyId = next;
  writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  return next;
}

export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('Field encryption keys');
  keys.command('status').description('How many sealed values each key id protects').action(async () => {
    await withDatabase(loadConfig(), async (ctx) => {
      process.stdout.write(`active key: ${ctx.cipher.activeKeyId}\n`);
      for (const [id, n] of Object.entries(await keyUsage(ctx, sealedColumns()))) process.stdout.write(`  ${id}: ${n} values\n`);
    });
  });
  keys.command('rotate').description('Re-encrypt every sealed field under the active key (batched, resumable)')
    .option('--generate', 'embedded install: first add a new key to data/secrets.json and make it active', false)
    .action(async (options: { generate: boolean }) => {
      let config = loadConfig();
      if (options.generate) {
        if (process.env.JIHUO_FIELD_KEYS) throw new CliError('--generate is for keys kept in data/secrets.json; set JIHUO_FIELD_KEYS/JIHUO_FIELD_KEY_ID instead');
        const id = addGeneratedKey(config.dataDir);
        process.stderr.write(`new active key ${id} added to ${join(config.dataDir, 'secrets.json')}\n`);
        config = loadConfig();
      }
      await withDatabase(config, async (ctx) => {
        const bars = new Map<string, ReturnType<typeof progressBar>>();
        const results = await rotateFieldKeys(ctx, sealedColumns(), (p) => {
          let bar = bars.get(p.column);
          if (!bar) { bar = progressBar(p.column, p.done + p.remaining); bars.set(p.column, bar); }
          bar.update(p.done, p.done + p.remaining);
        });
        for (const bar of bars.values()) bar.stop();
        for (const r of results) process.stdout.write(`${r.column}: ${r.done} re-encrypted, ${r.remaining} left\n`);
        process.stdout.write(`all sealed fields are under key ${ctx.cipher.activeKeyId}\n`);
      });
    });
}
