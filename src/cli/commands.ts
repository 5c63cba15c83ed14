// Module commands of the CLI (terminals import, settle, backup, keys, bench…). Each module's
// command file registers itself here, so main.ts stays the same as modules grow.
import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import { projectRoot } from '../platform/paths.js';
import { registerBackupCommands } from './backup.js';
import { registerKeyCommands } from './keys.js';
import { registerTerminalCommands } from '../modules/terminals/terminals.cli.js';
import { registerSettlementCommands } from '../modules/settlement/settlement.command.js';

export function registerCommands(program: Command): void {
  registerBackupCommands(program);
  registerKeyCommands(program);
  registerTerminalCommands(program);
  registerSettlementCommands(program);
  program.command('bench').description('Run the benchmarks (same as npm run bench): --quick, --only=a,b, --backend=postgres|pglite, --no-fsync')
    .argument('[args...]').allowUnknownOption(true).action((args: string[] = []) => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: projectRoot(), stdio: 'inherit' });
    process.exitCode = child.status ?? 1;
  });
}
