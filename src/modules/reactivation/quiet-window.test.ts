// Proves the quiet-window rule: grace deadlines start blocking only inside the merchant's quiet hours.
import { describe, expect, it } from 'vitest';
import { blockingStartsAt, defaultQuietWindow, isQuiet, nextQuietStart, periodsElapsed } from './quiet-window.js';

const at = (iso: string) => new Date(iso);

describe('blockingStartsAt', () => {
  it.each([
    ['14:00 deadline blocks at 22:00 the same day', '2025-03-10T14:00:00+08:00', defaultQuietWindow, '2025-03-10T14:00:00.000Z'],
    ['06:59 deadline is already quiet', '2025-03-10T06:59:00+08:00', defaultQuietWindow, '2025-03-09T22:59:00.000Z'],
    ['07:00 deadline waits for 22:00', '2025-03-10T07:00:00+08:00', defaultQuietWindow, '2025-03-10T14:00:00.000Z'],
    ['23:30 deadline blocks at once', '2025-03-10T23:30:00+08:00', defaultQuietWindow, '2025-03-10T15:30:00.000Z'],
    ['22:00 deadline blocks at once', '2025-03-10T22:00:00+08:00', defaultQuietWindow, '2025-03-10T14:00:00.000Z'],
    ['non-wrapping window 01:00–05:00, deadline 20:00', '2025-03-10T20:00:00+08:00', { startMinute: 60, endMinute: 300 }, '2025-03-10T17:00:00.000Z'],
    ['non-wrapping window, deadline 03:00 inside', '2025-03-10T03:00:00+08:00', { startMinute: 60, endMinute: 300 }, '2025-03-09T19:00:00.000Z'],
    ['always quiet', '2025-03-10T12:00:00+08:00', { startMinute: 0, endMinute: 0 }, '2025-03-10T04:00:00.000Z'],
  ])('%s', (_name, deadline, window, expected) => {
    expect(blockingStartsAt(at(deadline), window).toISOString()).toBe(expected);
  });

  it('never returns an instant in business hours or before the deadline', () => {
    for (let minute = 0; minute < 24 * 60; minute += 17) {
      const deadline = new Date(Date.parse('2025-03-10T00:00:00+08:00') + minute * 60_000);
      const start = blockingStartsAt(deadline, defaultQuietWindow);
      expect(isQuiet(start, defaultQuietWindow)).toBe(true);
      expect(start.getTime()).toBeGreaterThanOrEqual(deadline.getTime());
      expect(start.getTime() - deadline.getTime()).toBeLessThanOrEqual(15 * 3_600_000);
    }
  });
});

describe('nextQuietStart', () => {
  it('moves to the next day after the window started', () => {
    expect(nextQuietStart(at('2025-03-10T22:00:00+08:00'), defaultQuietWindow).toISOString()).toBe('2025-03-11T14:00:00.000Z');
  });
});

describe('periodsElapsed', () => {
  it.each([
    ['2024-03-10T10:00:00+08:00', '2025-03-09T10:00:00+08:00', 0],
    ['2024-03-10T10:00:00+08:00', '2025-03-10T10:00:00+08:00', 1],
    ['2024-03-10T10:00:00+08:00', '2026-04-01T10:00:00+08:00', 2],
    ['2025-03-10T10:00:00+08:00', '2024-03-10T10:00:00+08:00', 0],
  ])('%s → %s = %d', (from, to, expected) => {
    expect(periodsElapsed(at(from), at(to), 12)).toBe(expected);
  });
});
