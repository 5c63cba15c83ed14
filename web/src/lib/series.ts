// Daily series for the volume chart: one point per calendar day (Asia/Shanghai) in a window,
// zero where nothing happened. Pure and integer-only.

export interface DailyAmounts { date: string; gross: number; fees: number }

const shanghaiOffsetMs = 8 * 3600 * 1000;

/** The calendar date in Asia/Shanghai of an instant, as YYYY-MM-DD. */
export function shanghaiDate(instant: Date): string {
  return new Date(instant.getTime() + shanghaiOffsetMs).toISOString().slice(0, 10);
}

/** The `days` dates ending at `today` (inclusive), oldest first. */
export function lastDays(today: string, days: number): string[] {
  const end = Date.parse(`${today}T00:00:00Z`);
  const dates: string[] = [];
  for (let i = days - 1; i >= 0; i -= 1) dates.push(new Date(end - i * 86_400_000).toISOString().slice(0, 10));
  return dates;
}

/** Sums rows per date over the window; dates outside it are ignored. */
export function dailySeries(rows: DailyAmounts[], dates: string[]): { gross: number[]; fees: number[] } {
  const index = new Map(dates.map((d, i) => [d, i]));
  const gross = dates.map(() => 0);
  const fees = dates.map(() => 0);
  for (const row of rows) {
    const i = index.get(row.date);
    if (i === undefined) continue;
    gross[i]! += row.gross;
    fees[i]! += row.fees;
  }
  return { gross, fees };
}
