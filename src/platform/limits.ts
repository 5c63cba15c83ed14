// Every limit of the platform, named with its unit last, in one place (SPEC §5, §6, §8, §14).

export const requestBodyBytesMax = 1024 * 1024;
export const documentBytesMax = 10 * 1024 * 1024;
export const pageLimitDefault = 20;
export const pageLimitMax = 100;

export const activationCodeTtlHoursDefault = 72;
export const codeAttemptsMax = 5;
export const terminalAttemptsMax = 10;
export const terminalAttemptsWindowHours = 24;
export const terminalLockMinutes = 60;
export const pairingCodeTtlMinutes = 10;

// Per-client-IP request limits. Terminals share addresses behind NAT, so a terminal route stays
// above Appendix A's 600 a minute; activation codes are guarded by the §5 attempt limits.
export const terminalActivateRequestsPerMinuteMax = 1200;
export const terminalRouteRequestsPerMinuteMin = 600;
export const helpRequestsPerMinuteMax = 300;

export const signatureWindowMs = 5 * 60 * 1000;
export const nonceRetentionMs = 10 * 60 * 1000;

export const idempotencyRetentionHours = 48;
export const transactionAmountFenMaxDefault = 100_000_000; // ¥1,000,000

// Merchant risk score thresholds (SPEC §3): below review auto-approves, from reject on rejects.
export const riskReviewScoreDefault = 30;
export const riskRejectScoreDefault = 70;
/** Missing documents alone (15 points) must never reject (Appendix B): reject starts above. */
export const riskRejectScoreMin = 16;

export const auditVerifyBatchRows = 1000;
