// Every limit of the re-activation module, named with its unit last (one place).

// Periodic security verification: `config.securityVerificationMonths` (JIHUO_SECURITY_VERIFICATION_MONTHS).
/** A terminal without a transaction for this long is dormant (SPEC §7). */
export const dormantAfterDays = 180;
/**
 * A case that restores without a code expires after keeping its terminal blocked this long
 * unfinished; its successor needs a new activation code (case.state.ts).
 */
export const caseExpiresAfterBlockedDays = 30;
/** A merchant's quiet window (business hours' complement) is at least this long (SPEC §7). */
export const quietWindowMinutesMin = 60;
/** Advance warnings of grace cases, before the deadline (SPEC §7). */
export const warningLeadDays = [3, 1] as const;
/** Grace for operator-opened `kyc_expired` cases when no expired document is on file. */
export const kycGraceWithoutExpiryDays = 30;
/** SMS one-time code of `confirm_identity_sms`. */
export const smsCodeTtlMinutes = 10;
export const smsCodeAttemptsMax = 5;
export const smsCodeDigits = 6;
/** Rows a sweep handles per pass (every loop over external data is bounded). */
export const sweepBatchMax = 200;
/** Cases a campaign opens per worker pass at most, whatever its hourly rate. */
export const campaignBatchMax = 500;
/** Terminals a campaign examines per pass (skipped ones included). */
export const campaignScanMax = 2_000;
export const campaignRatePerHourMax = 100_000;
export const dryRunSampleSize = 20;
export const noteLengthMax = 1_000;
