// `jihuo settle --date YYYY-MM-DD`: settles one day with a progress bar. With PGlite it refuses
// while the server runs (withDatabase names the server's PID); use POST /v1/settlements/run then.
import type { Command } from 'commander';
import { addDays, shanghaiDate } from '../../platform/clock.js';
import { loadConfig } from '../../platform/config.js';
import { AppError } from '../../platform/http/errors.js';
import { syncTestClock } from '../../platform/server.js';
import { CliError, withDatabase } from '../../cli/database.js';
import { progressBar } from '../../cli/progress.js';
import { runSettlement, settlementSteps } from './settlement.service.js';

export function registerSettlementCommands(program: Command): void {
  program.command('settle').description('Run the daily T+1 settlement for a day (default: yesterday, Asia/Shanghai)')
    .option('--date <YYYY-MM-DD>', 'the day to settle')
    .action(async (options: { date?: string }) => {
      await withDatabase(loadConfig(), async (ctx) => {
        await syncTestClock(ctx);
        const date = options.date ?? shanghaiDate(addDays(ctx.clock.now(), -1));
        const bar = progressBar(`settling ${date}`, settlementSteps.length);
        try {
          const result = await runSettlement(ctx, date, { onProgress: (done) => bar.update(done) });
          bar.stop();
          process.stdout.write(result.alreadySettled
            ? `${date} was already settled (run ${result.runId}): nothing changed\n`
            : `settled ${date}: ${result.merchants} merchants, ${result.transactions} transactions, ` +
              `gross ${result.gross} fen, net ${result.net} fen (run ${result.runId})\n`);
        } catch (err) {
          bar.stop();
          if (err instanceof AppError) throw new CliError(`${err.code}: ${err.message}`);
          throw err;
        }
      });
    });
}
