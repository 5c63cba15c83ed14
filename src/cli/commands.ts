// Module commands of the CLI (terminals import, settle, backup, keys, bench…). Each module's
// command file registers itself here, so main.ts stays the same as modules grow.
import type { Command } from 'commander';
import { registerBackupCommands } from './backup.js';
import { registerKeyCommands } from './keys.js';
import { registerTerminalCommands } from '../modules/terminals/terminals.cli.js';
import { registerSettlementCommands } from '../modules/settlement/settlement.command.js';

export function registerCommands(program: Command): void {
  registerBackupCommands(program);
  registerKeyCommands(program);
  registerTerminalCommands(program);
  registerSettlementCommands(program);
}
