// Real-name verification (SPEC §3): a pluggable provider checks name + ID number and the bank
// account holder. The default is a deterministic sandbox whose triggers are documented in the
// README ("Sandbox verification provider"), so demos and tests can produce pass and fail.

export type CheckOutcome = 'pass' | 'fail' | 'unavailable';

export interface CheckResult { outcome: CheckOutcome; code: string; message: string }

export interface VerificationProvider {
  readonly name: string;
  /** Does the name belong to this resident ID number (public security real-name check)? */
  checkIdentity(input: { name: string; idNumber: string }): Promise<CheckResult>;
  /** Does the bank confirm the account and its holder (with the holder's ID number if known)? */
  checkBankAccount(input: { bank: string; number: string; holder: string; idNumber: string | null }): Promise<CheckResult>;
}

/**
 * Sandbox triggers (everything else passes):
 * - identity `fail`: the ID number's sequence digits (positions 15–17) are `000`;
 * - identity `unavailable`: the sequence digits are `999`;
 * - bank `fail`: the account number without its last (check) digit ends in `0000`;
 * - bank `unavailable`: the account number without its last digit ends in `9999`.
 */
export const sandboxVerificationProvider: VerificationProvider = {
  name: 'sandbox',
  async checkIdentity({ idNumber }) {
    const sequence = idNumber.slice(14, 17);
    if (sequence === '000') return { outcome: 'fail', code: 'identity_mismatch', message: 'Name and ID number do not match' };
    if (sequence === '999') return { outcome: 'unavailable', code: 'provider_unavailable', message: 'The real-name service did not answer' };
    return { outcome: 'pass', code: 'identity_match', message: 'Name and ID number match' };
  },
  async checkBankAccount({ number }) {
    const body = number.slice(0, -1);
    if (body.endsWith('0000')) return { outcome: 'fail', code: 'holder_mismatch', message: 'The bank did not confirm the holder' };
    if (body.endsWith('9999')) return { outcome: 'unavailable', code: 'provider_unavailable', message: 'The bank did not answer' };
    return { outcome: 'pass', code: 'account_match', message: 'The bank confirmed account and holder' };
  },
};

let activeProvider: VerificationProvider = sandboxVerificationProvider;

/** The provider submit uses; a deployment with a real provider installs it at start. */
export function verificationProvider(): VerificationProvider {
  return activeProvider;
}

export function setVerificationProvider(provider: VerificationProvider): void {
  activeProvider = provider;
}
