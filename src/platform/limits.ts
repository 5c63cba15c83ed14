// Every limit of the platform, named with its unit last, in one place (SPEC §5, §6, §8, §14).

export const requestBodyBytesMax = 1024 * 1024;
export const documentBytesMax = 10 * 1024 * 1024;
export const pageLimitDefault = 20;
export const pageLimitMax = 100;

export const activationCodeTtlHoursDefault = 72;
/** Periodic security verification of activated terminals (SPEC §7: every 12 months, config). */
export const securityVerificationMonthsDefault = 12;
export const codeAttemptsMax = 5;
export const terminalAttemptsMax = 10;
export const terminalAttemptsWindowHours = 24;
export const terminalLockMinutes = 60;
export const pairingCodeTtlMinutes = 10;
/** Failed self-test reports in a row (since activation began) that open a support ticket. */
export const selfTestFailuresBeforeTicket = 3;

// Per-client-IP request limits. Terminals share addresses behind NAT, so a terminal route stays
// above Appendix A's 600 a minute; activation codes are guarded by the §5 attempt limits.
export const terminalActivateRequestsPerMinuteMax = 1200;
export const terminalRouteRequestsPerMinuteMin = 600;
export const helpRequestsPerMinuteMax = 300;

export const signatureWindowMs = 5 * 60 * 1000;
export const nonceRetentionMs = 10 * 60 * 1000;

export const idempotencyRetentionHours = 48;
export const transactionAmountFenMaxDefault = 100_000_000; // ¥1,000,000
/** 单日限额: approved sales per terminal per Asia/Shanghai day (JIHUO_TERMINAL_DAILY_AMOUNT_MAX_FEN). */
export const terminalDailyAmountFenMaxDefault = 200_000_000; // ¥2,000,000

// Merchant risk score thresholds (SPEC §3): below review auto-approves, from reject on rejects.
export const riskReviewScoreDefault = 30;
export const riskRejectScoreDefault = 70;
/** Missing documents alone (15 points) must never reject (Appendix B): reject starts above. */
export const riskRejectScoreMin = 16;

export const auditVerifyBatchRows = 1000;
