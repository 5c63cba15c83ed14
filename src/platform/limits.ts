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

export const signatureWindowMs = 5 * 60 * 1000;
export const nonceRetentionMs = 10 * 60 * 1000;

export const idempotencyRetentionHours = 48;
export const transactionAmountFenMaxDefault = 100_000_000; // ¥1,000,000
/** 单日限额: approved sales per terminal per Asia/Shanghai day (JIHUO_TERMINAL_DAILY_AMOUNT_MAX_FEN). */
export const terminalDailyAmountFenMaxDefault = 200_000_000; // ¥2,000,000

export const auditVerifyBatchRows = 1000;
