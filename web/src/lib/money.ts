// Money on screen: amounts arrive as integer fen and are shown as ¥1,234.56. Only integer
// arithmetic (division and remainder on bigint) touches money; never floating point.

function toFenBigInt(fen: number | bigint): bigint {
  if (typeof fen === 'bigint') return fen;
  if (!Number.isSafeInteger(fen)) throw new RangeError(`Amount in fen must be a safe integer, got ${String(fen)}`);
  return BigInt(fen);
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 123456 → "¥1,234.56"; -5 → "-¥0.05". */
export function formatFen(fen: number | bigint): string {
  const value = toFenBigInt(fen);
  const negative = value < 0n;
  const absolute = negative ? -value : value;
  const yuan = absolute / 100n;
  const cents = absolute % 100n;
  return `${negative ? '-' : ''}¥${groupThousands(yuan.toString())}.${cents.toString().padStart(2, '0')}`;
}

/** "1,234.5" or "¥12" → fen (123450, 1200); null when the text is not an amount with ≤ 2 decimals. */
export function parseYuanToFen(text: string): number | null {
  const cleaned = text.trim().replace(/^¥/, '').replace(/,/g, '');
  const match = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(cleaned);
  if (!match) return null;
  const fen = BigInt(match[1]!) * 100n + BigInt((match[2] ?? '').padEnd(2, '0'));
  return Number(fen);
}

/** Rates are integer parts per million: 3800 → "0.38%", 6000 → "0.6%". */
export function formatPpm(ratePpm: number): string {
  if (!Number.isSafeInteger(ratePpm) || ratePpm < 0) throw new RangeError(`Rate must be a non-negative integer ppm, got ${ratePpm}`);
  const whole = Math.trunc(ratePpm / 10_000);
  const fraction = String(ratePpm % 10_000).padStart(4, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}%` : `${whole}%`;
}

/** Milliseconds left → "2d 03:04:05" style parts, for expiry countdowns; never negative. */
export function formatCountdown(remainingMs: number): string {
  const total = Math.max(0, Math.floor(remainingMs / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const clock = [hours, minutes, seconds].map((n) => String(n).padStart(2, '0')).join(':');
  return days > 0 ? `${days}d ${clock}` : clock;
}

/** Percent of progress toward a threshold, as an integer 0–100 (for progress bars). */
export function progressPercent(doneFen: number, thresholdFen: number): number {
  if (thresholdFen <= 0) return 100;
  const percent = Number((BigInt(Math.max(0, doneFen)) * 100n) / BigInt(thresholdFen));
  return Math.min(100, percent);
}

/** Activation codes are shown in groups of four: "1234 5678 9012". */
export function groupCode(code: string): string {
  return code.replace(/\s+/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}

/** "0.38" or "0.38%" (percent, up to 4 decimals) → 3800 ppm; null when not such a number. */
export function parsePercentToPpm(text: string): number | null {
  const match = /^(\d{1,3})(?:\.(\d{1,4}))?$/.exec(text.trim().replace(/%$/, '').trim());
  if (!match) return null;
  const ppm = Number(match[1]) * 10_000 + Number((match[2] ?? '').padEnd(4, '0'));
  return ppm <= 1_000_000 ? ppm : null;
}
