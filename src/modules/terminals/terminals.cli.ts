// `jihuo terminals import FILE.csv|json [--atomic]`: bulk import with a progress bar. Lines that
// cannot be read and rows the import rejects are reported with their line numbers.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { systemActor } from '../../platform/actor.js';
import { loadConfig } from '../../platform/config.js';
import { CliError, withDatabase } from '../../cli/database.js';
import { progressBar } from '../../cli/progress.js';
import { importTerminals } from './terminal-import.service.js';
import { parseCsv, parseJson, type FileRow, type ImportRow } from './terminal-import.js';

export interface FileImportReport { imported: number; rejected: { line: number; sn: string | null; error: string }[] }

function readRows(file: string): FileRow[] {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch { throw new CliError(`Cannot read ${file}`); }
  const json = extname(file).toLowerCase() === '.json' || /^\s*[[{]/.test(text);
  try {
    return json ? parseJson(text) : parseCsv(text);
  } catch (error) {
    throw new CliError(`${file} is not valid ${json ? 'JSON' : 'CSV'}: ${(error as Error).message}`);
  }
}

export function registerTerminalCommands(program: Command): void {
  const terminals = program.command('terminals').description('Terminal inventory');
  terminals.command('import').description('Import terminals from a CSV (sn,modelCode,factoryKey) or JSON file')
    .argument('<file>', 'CSV with a header line, or JSON array of {sn, modelCode, factoryKey}')
    .option('--atomic', 'import every row or none', false)
    .option('--json', 'print the report as JSON', false)
    .action(async (file: string, options: { atomic: boolean; json: boolean }) => {
      const fileRows = readRows(file);
      const unreadable = fileRows.flatMap((r) => ('error' in r ? [{ line: r.line, sn: r.sn, error: `malformed_row: ${r.error}` }] : []));
      const readable = fileRows.filter((r): r is { line: number; row: ImportRow } => 'row' in r);
      const report: FileImportReport = { imported: 0, rejected: unreadable };
      if (!(options.atomic && unreadable.length > 0)) {
        await withDatabase(loadConfig(), async (ctx) => {
          const bar = progressBar('importing', readable.length);
          const result = await importTerminals(ctx, systemActor, readable.map((r) => r.row), {
            atomic: options.atomic, onProgress: (done, total) => bar.update(done, total),
          });
          bar.stop();
          report.imported = result.imported;
          for (const r of result.rejected) report.rejected.push({ line: readable[r.index]!.line, sn: r.sn, error: r.error });
        });
      }
      report.rejected.sort((a, b) => a.line - b.line);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
      } else {
        process.stdout.write(`imported ${report.imported}, rejected ${report.rejected.length}${options.atomic && report.rejected.length ? ' (atomic: nothing imported)' : ''}\n`);
        for (const r of report.rejected) process.stdout.write(`  line ${r.line}${r.sn ? ` (${r.sn})` : ''}: ${r.error}\n`);
      }
      if (report.rejected.length > 0) process.exitCode = options.atomic || report.imported === 0 ? 1 : 2;
    });
}
