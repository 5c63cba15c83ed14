// Peak-hour protection (SPEC §7): a grace requirement never starts blocking during the merchant's
// business hours. Quiet windows are minutes of the Shanghai day (UTC+8, no DST); a window whose
// start is after its end wraps midnight (the default 22:00–07:00). Pure functions.
import { addDays, addMinutes, shanghaiDate, shanghaiDayStart, shanghaiMinuteOfDay } from '../../platform/clock.js';

export interface QuietWindow { startMinute: number; endMinute: number }

export const defaultQuietWindow: QuietWindow = { startMinute: 22 * 60, endMinute: 7 * 60 };

/** Whether an instant falls inside the quiet window. Equal start and end means always quiet. */
export function isQuiet(at: Date, window: QuietWindow): boolean {
  const { startMinute: start, endMinute: end } = window;
  if (start === end) return true;
  const minute = shanghaiMinuteOfDay(at);
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** The start of the first quiet window beginning strictly after `at`. */
export function nextQuietStart(at: Date, window: QuietWindow): Date {
  const candidate = addMinutes(shanghaiDayStart(shanghaiDate(at)), window.startMinute);
  return candidate.getTime() > at.getTime() ? candidate : addDays(candidate, 1);
}

/**
 * When a grace case past `deadline` starts blocking: at the deadline itself if it falls in a
 * quiet window, else at the start of the next quiet window (a 14:00 deadline blocks at 22:00).
 */
export function blockingStartsAt(deadline: Date, window: QuietWindow): Date {
  return isQuiet(deadline, window) ? deadline : nextQuietStart(deadline, window);
}

/** Whole periods of `intervalMonths` calendar months (Shanghai dates) from `from` to `to`. */
export function periodsElapsed(from: Date, to: Date, intervalMonths: number): number {
  if (to.getTime() <= from.getTime()) return 0;
  const [fy, fm, fd] = shanghaiDate(from).split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = shanghaiDate(to).split('-').map(Number) as [number, number, number];
  let months = (ty - fy) * 12 + (tm - fm);
  if (td < fd) months -= 1;
  return Math.max(0, Math.floor(months / intervalMonths));
}
