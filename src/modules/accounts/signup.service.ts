// Merchant self-service sign-up (SPEC §3, §14 "Sign up and log in"): one transaction creates a
// draft merchant and its `merchant_owner` user and opens a cookie session, so the new owner goes
// straight on into the registration/KYC wizard. Every problem is reported per field at once.
import type { Actor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import { AppError, validationError, type FieldError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import { createMerchantIn } from '../merchants/merchant.service.js';
import { normalizeMobile } from '../merchants/validators.js';
import { createUser, loginTaken, normalizeLogin, openSession, passwordMessages, type LoginResult } from './accounts.service.js';
import { passwordProblems } from './password-policy.js';

/** Sign-ups per client address per minute: enough for a shop's staff, too few to farm accounts. */
export const signupsPerMinuteMax = 10;

export interface SignupInput {
  login: string; password: string; phone: string; type: 'individual' | 'enterprise'; legalName: string; displayName?: string | undefined;
}

export interface SignupResult extends LoginResult { merchantId: string; merchantStatus: string }

const loginNamePattern = /^[a-z0-9][a-z0-9._@-]{2,63}$/;

/** Problems with the parts of a sign-up that are not merchant fields (those the merchant rules check). */
export function signupProblems(input: SignupInput): FieldError[] {
  const login = normalizeLogin(input.login);
  const problems: FieldError[] = [];
  if (!loginNamePattern.test(login)) {
    problems.push({ field: 'login', rule: 'login_name', message: 'use 3–64 letters, digits or . _ @ - (an email or mobile number works)' });
  }
  for (const rule of passwordProblems(input.password, login)) problems.push({ field: 'password', rule, message: passwordMessages[rule] });
  if (normalizeMobile(input.phone) === null) {
    problems.push({ field: 'phone', rule: 'mobile', message: 'must be a mainland mobile number (11 digits, 13–19…)' });
  }
  if (input.legalName.trim() === '') problems.push({ field: 'legalName', rule: 'required', message: 'is required' });
  return problems;
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === '23505';
}

export async function signUp(ctx: AppContext, input: SignupInput, requestId: string): Promise<SignupResult> {
  const problems = signupProblems(input);
  if (problems.length > 0) throw validationError(problems);
  const login = normalizeLogin(input.login);
  const phone = normalizeMobile(input.phone)!;
  const merchantId = newId('mch');
  const userId = newId('usr');
  // The new owner is the actor of everything the sign-up writes, so the audit trail names them.
  const actor: Actor = { kind: 'user', id: userId, role: 'merchant_owner', merchantId };
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const taken = await trx.selectFrom('users').select('id').where('login', '=', login).executeTakeFirst();
      if (taken) throw loginTaken();
      const merchant = await createMerchantIn(ctx, trx, actor, { type: input.type, legalName: input.legalName.trim(), phone }, { id: merchantId, requestId });
      const user = await createUser(ctx, trx, actor, {
        id: userId, login, displayName: input.displayName?.trim() || merchant.legalName, phone, role: 'merchant_owner',
        merchantId, password: input.password,
      });
      await ctx.audit(trx, actor, { action: 'merchant.signed_up', subjectType: 'merchant', subjectId: merchantId, merchantId, requestId, details: { type: input.type } });
      const session = await openSession(ctx, trx, user, false);
      return { ...session, merchantId, merchantStatus: merchant.status };
    });
  } catch (error) {
    // Two sign-ups racing for one login: the unique index decides, the loser hears the same 409.
    if (isUniqueViolation(error)) throw loginTaken();
    throw error;
  }
}
