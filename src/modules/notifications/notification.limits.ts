// Limits of the notifications module, named with their unit last (STYLE: every limit a constant).

/** Delivery attempts of one SMS or email before it is marked failed with the provider's error. */
export const messageAttemptsMax = 5;
/** Backoff after the n-th failed attempt: base × 2^(n−1), capped. */
export const messageBackoffBaseSeconds = 30;
export const messageBackoffMaxSeconds = 3600;
/** A claim expires after this long, so a crashed worker's messages are picked up again. */
export const claimLeaseSeconds = 300;
/** Messages or webhook deliveries one worker pass claims at most. */
export const deliveryBatchMax = 20;
export const providerTimeoutMs = 10_000;

export const webhookAttemptsMax = 8;
export const webhookBackoffBaseSeconds = 60;
export const webhookBackoffMaxSeconds = 6 * 3600;
export const webhookTimeoutMs = 10_000;

/** Public notice-code look-ups per client IP per minute (in-process counter, see README). */
export const noticeLookupsPerMinuteMax = 30;

/** Rows of one INSERT when many messages are queued at once (`sendNotificationsBulk`). */
export const bulkInsertRowsMax = 1000;
/** Rounds of fresh notice codes for rows whose code collided with one already issued. */
export const noticeCodeCollisionRoundsMax = 5;

/** Notice codes: 8 characters from an alphabet without 0/O, 1/I/L. */
export const noticeCodeAlphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const noticeCodeLength = 8;

/** Seconds to wait before attempt `attempt + 1` after `attempt` failures. */
export function backoffSeconds(attempt: number, baseSeconds: number, maxSeconds: number): number {
  return Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1));
}
