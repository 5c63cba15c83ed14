// One clock for every time rule. `now()` is business time (movable by the test clock);
// `wallNow()` is the real time, used only for request freshness and nonce memory.

export interface Clock {
  now(): Date;
  wallNow(): Date;
  /** Jumps business time to `to`; it then runs on in real time (Appendix B). */
  set(to: Date): void;
  offsetMs(): number;
  setOffsetMs(offset: number): void;
}

export class SystemClock implements Clock {
  #offsetMs = 0;
  now(): Date { return new Date(Date.now() + this.#offsetMs); }
  wallNow(): Date { return new Date(); }
  set(to: Date): void { this.#offsetMs = to.getTime() - Date.now(); }
  offsetMs(): number { return this.#offsetMs; }
  setOffsetMs(offset: number): void { this.#offsetMs = offset; }
}

export const shanghaiOffsetMinutes = 8 * 60;

/** The calendar date (YYYY-MM-DD) of an instant in Asia/Shanghai (UTC+8, no DST). */
export function shanghaiDate(at: Date): string {
  return new Date(at.getTime() + shanghaiOffsetMinutes * 60_000).toISOString().slice(0, 10);
}

/** The instant a Shanghai calendar day starts. */
export function shanghaiDayStart(date: string): Date {
  return new Date(Date.parse(`${date}T00:00:00+08:00`));
}

/** Minutes since Shanghai midnight of an instant (0..1439). */
export function shanghaiMinuteOfDay(at: Date): number {
  const shifted = new Date(at.getTime() + shanghaiOffsetMinutes * 60_000);
  return shifted.getUTCHours() * 60 + shifted.getUTCMinutes();
}

export function addHours(at: Date, hours: number): Date { return new Date(at.getTime() + hours * 3_600_000); }
export function addDays(at: Date, days: number): Date { return new Date(at.getTime() + days * 86_400_000); }
export function addMinutes(at: Date, minutes: number): Date { return new Date(at.getTime() + minutes * 60_000); }
