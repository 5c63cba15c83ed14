// The `jihuo` CLI: thin commands that parse arguments, call services and show progress.
import { Command, Option } from 'commander';
import { integrationScopes, roles, type Role } from '../platform/actor.js';
import { createApiKey, scopesProblem } from '../platform/api-keys.js';
import { verifyAudit } from '../platform/audit.js';
import { ConfigError, loadConfig } from '../platform/config.js';
import { migrate } from '../platform/db/migrate.js';
import { startServer } from '../platform/server.js';
import { modules } from '../modules/index.js';
import { verifyLedger } from '../modules/ledger/ledger.service.js';
import { CliError, withDatabase } from './database.js';
import { registerCommands } from './commands.js';

const program = new Command();
program.name('jihuo').description('Jihuo (激活): POS terminal activation platform').showHelpAfterError();

async function serve(options: { seed: boolean }): Promise<void> {
  const config = loadConfig();
  const server = await startServer(config, modules, { seed: options.seed });
  server.ctx.log.info({ url: server.url, database: server.ctx.dbKind }, 'jihuo is listening');
  process.stdout.write(`Jihuo listening on ${server.url} (database: ${server.ctx.dbKind}; docs at ${server.url}/docs)\n`);
  const shutdown = async () => { await server.close(); process.exit(0); };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

// `jihuo serve` is what `npm start` runs (Appendix A): migrate, load the demo data (idempotent),
// serve. Production installs turn the demo data off with --no-seed or JIHUO_SEED=0.
program.command('serve').description('Migrate, load the demo data (idempotent) and run the HTTP server')
  .option('--no-seed', 'do not load the demo data (also JIHUO_SEED=0)')
  .action((options: { seed: boolean }) => serve({ seed: options.seed && process.env.JIHUO_SEED !== '0' }));

program.command('start').description('Same as serve (what `npm start` runs)')
  .action(() => serve({ seed: process.env.JIHUO_SEED !== '0' }));

program.command('migrate').description('Apply pending database migrations').action(async () => {
  const config = loadConfig();
  await withDatabase(config, async (ctx) => {
    const applied = await migrate(ctx.db, (name) => process.stdout.write(`applied ${name}\n`));
    process.stdout.write(applied.length ? `${applied.length} migration(s) applied\n` : 'database is up to date\n');
  }, { migrate: false });
});

program.command('seed').description('Load the demo data (idempotent)').action(async () => {
  await withDatabase(loadConfig(), async (ctx) => {
    for (const m of modules) if (m.seed) { await m.seed(ctx); process.stdout.write(`seeded ${m.name}\n`); }
  });
});

const apikey = program.command('apikey').description('API keys');
apikey.command('create').description('Create an API key and print it once')
  .addOption(new Option('--role <role>', 'role of the key').choices(roles as string[]).makeOptionMandatory())
  .option('--name <name>', 'a name to recognise the key by', 'cli')
  .option('--merchant <merchantId>', 'merchant of a merchant-side key')
  .option('--scopes <list>', `integration keys: comma-separated scopes (${integrationScopes.join(', ')} or *)`)
  .action(async (options: { role: Role; name: string; merchant?: string; scopes?: string }) => {
    if (options.role.startsWith('merchant_') && !options.merchant) throw new CliError('Merchant roles need --merchant <merchantId>');
    const scopes = options.scopes ? options.scopes.split(',').map((s) => s.trim()).filter(Boolean) : [];
    const problem = scopesProblem(options.role, scopes);
    if (problem) throw new CliError(`--scopes: ${problem}`);
    await withDatabase(loadConfig(), async (ctx) => {
      const key = await createApiKey(ctx, { name: options.name, role: options.role, merchantId: options.merchant ?? null, scopes, via: 'cli' });
      process.stdout.write(`${key.key}\n`);
      process.stderr.write(`API key ${key.id} (${key.role}) created; it is shown only this once.\n`);
    });
  });

const verify = program.command('verify').description('Integrity checks: audit chain and ledger (both by default)');
async function verifyAll(which: { audit: boolean; ledger: boolean }): Promise<void> {
  await withDatabase(loadConfig(), async (ctx) => {
    let ok = true;
    if (which.audit) {
      const result = await verifyAudit(ctx.db, ctx.config.secrets.hmacKey);
      ok &&= result.ok;
      process.stdout.write(result.ok ? `audit: ok (${result.rows} rows)\n` : `audit: BROKEN at row ${result.firstBadSeq}: ${result.problem}\n`);
    }
    if (which.ledger) {
      const result = await verifyLedger(ctx.db);
      ok &&= result.ok;
      process.stdout.write(result.ok ? `ledger: ok (${result.entries} entries)\n`
        : `ledger: BROKEN: ${result.unbalanced.length} unbalanced entries, ${result.emptyEntries.length} empty, total ${result.totalFen}\n`);
      for (const u of result.unbalanced) process.stdout.write(`  entry ${u.entryId} sums to ${u.sumFen}\n`);
    }
    if (!ok) process.exitCode = 1;
  });
}
verify.action(() => verifyAll({ audit: true, ledger: true }));
verify.command('audit').description('Verify the audit hash chain').action(() => verifyAll({ audit: true, ledger: false }));
verify.command('ledger').description('Verify that every journal entry balances').action(() => verifyAll({ audit: false, ledger: true }));

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CliError || err instanceof ConfigError) {
    process.stderr.write(`jihuo: ${err.message}\n`);
    process.exit(1);
  }
  // Anything else (an unreachable database at start, a port in use): one clear line, exit 1.
  const error = err as Error & { code?: string; errors?: Error[] };
  const detail = error.message || error.errors?.map((e) => e.message).join('; ') || String(err);
  const what = ['ECONNREFUSED', 'ENOTFOUND', '28P01', '3D000', 'ETIMEDOUT'].includes(error.code ?? '')
    ? 'cannot reach the database' : 'failed';
  process.stderr.write(`jihuo: ${what}${error.code ? ` (${error.code})` : ''}: ${detail}\n`);
  if (process.env.JIHUO_DEBUG) process.stderr.write(`${error.stack ?? ''}\n`);
  process.exit(1);
}
