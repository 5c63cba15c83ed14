// Accounts of merchant staff and operators (SPEC §2, §13): argon2id passwords, TOTP (required for
// operator roles), lockout after 10 failed log-ins for 30 minutes, sessions with idle expiry
// (15 minutes for operators), password reset by SMS code (10 minutes, single use).
import { randomBytes, randomInt } from 'node:crypto';
import argon2 from 'argon2';
import QRCode from 'qrcode';
import { generateSecret, generateURI, verify as verifyTotp } from 'otplib';
import type { FastifyRequest } from 'fastify';
import { operatorRoles, type Actor, type Role } from '../../platform/actor.js';
import { addMinutes } from '../../platform/clock.js';
import type { AppContext } from '../../platform/context.js';
import { constantTimeEqual } from '../../platform/crypto/hash.js';
import { maskPhone } from '../../platform/crypto/mask.js';
import type { Executor } from '../../platform/db/schema.js';
import type { Authenticator } from '../../platform/http/auth.js';
import { AppError, validationError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import { sendNotificationTo } from '../notifications/notification.service.js';
import { passwordProblems } from './password-policy.js';
import type { UserTable } from './user.table.js';
import type { Selectable } from 'kysely';

export const loginFailuresMax = 10;
export const loginLockMinutes = 30;
export const operatorIdleMinutes = 15;
export const merchantIdleMinutes = 12 * 60;
export const sessionAbsoluteHours = 12;
export const resetCodeTtlMinutes = 10;
export const resetFailuresMax = 5;
export const totpToleranceSeconds = 30;
export const sessionCookie = 'jihuo_session';

export type UserRow = Selectable<UserTable>;
export type UserRole = UserTable['role'];

export interface PublicUser {
  id: string; login: string; displayName: string; phone: string | null; role: UserRole;
  merchantId: string | null; totpEnabled: boolean; locked: boolean; createdAt: string;
}

export function toPublicUser(row: UserRow, now: Date): PublicUser {
  return {
    id: row.id, login: row.login, displayName: row.display_name, phone: row.phone ? maskPhone(row.phone) : null,
    role: row.role, merchantId: row.merchant_id, totpEnabled: row.totp_enabled,
    locked: row.locked_until !== null && row.locked_until > now, createdAt: row.created_at.toISOString(),
  };
}

export function isOperatorRole(role: Role): boolean {
  return operatorRoles.includes(role);
}

// A fixed hash to verify against when the login is unknown, so timing does not reveal accounts.
const dummyHash = argon2.hash('not-a-real-password-0000', { type: argon2.argon2id });

export function normalizeLogin(login: string): string {
  return login.trim().toLowerCase();
}

export function assertPasswordAllowed(password: string, login: string): void {
  const problems = passwordProblems(password, login);
  if (problems.length > 0) {
    throw validationError(problems.map((rule) => ({ field: 'password', rule, message: passwordMessages[rule] })),
      'The password does not meet the password rules');
  }
}

export const passwordMessages: Record<ReturnType<typeof passwordProblems>[number], string> = {
  too_short: 'must have at least 12 characters',
  too_long: 'must have at most 128 characters',
  common: 'is a common password',
  repetitive: 'is a repeated character or a simple sequence',
  contains_login: 'must not contain the login name',
};

export interface CreateUserInput {
  login: string; displayName: string; phone?: string | null; role: UserRole; merchantId: string | null; password: string;
  /** A chosen id, when the caller must name the user before it exists (sign-up audits as the new user). */
  id?: string;
}

/** A login name already in use (409 `login_taken`, on the `login` field): sign-up and operator-made users alike. */
export function loginTaken(): AppError {
  return new AppError('login_taken', 'This login name is already taken', {
    fields: [{ field: 'login', rule: 'unique', message: 'is already taken; log in or choose another' }],
  });
}

export async function createUser(ctx: AppContext, trx: Executor, actor: Actor, input: CreateUserInput): Promise<UserRow> {
  const login = normalizeLogin(input.login);
  const isMerchantRole = input.role.startsWith('merchant_');
  if (isMerchantRole !== (input.merchantId !== null)) {
    throw validationError([{ field: 'merchantId', rule: 'role', message: 'merchant roles need a merchant; operator roles must not have one' }]);
  }
  assertPasswordAllowed(input.password, login);
  const exists = await trx.selectFrom('users').select('id').where('login', '=', login).executeTakeFirst();
  if (exists) throw loginTaken();
  const now = ctx.clock.now();
  const row = await trx.insertInto('users').values({
    id: input.id ?? newId('usr'), login, display_name: input.displayName, phone: input.phone ?? null, role: input.role,
    merchant_id: input.merchantId, password_hash: await argon2.hash(input.password, { type: argon2.argon2id }),
    totp_secret_enc: null, totp_last_step: null, locked_until: null, reset_locked_until: null, disabled_at: null,
    created_at: now, updated_at: now,
  }).returningAll().executeTakeFirstOrThrow();
  await ctx.audit(trx, actor, { action: 'user.created', subjectType: 'user', subjectId: row.id, merchantId: row.merchant_id, details: { role: row.role } });
  return row;
}

/** A user by id, for other modules (e.g. support checks that a ticket's assignee is an operator). */
export async function findUser(db: Executor, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface LoginResult { token: string; user: UserRow; csrfToken: string; mfaPassed: boolean }

export function csrfTokenFor(ctx: AppContext, sessionToken: string): string {
  return ctx.hash('session', `csrf:${sessionToken}`).slice(0, 32);
}

async function checkTotp(ctx: AppContext, trx: Executor, user: UserRow, code: string | undefined): Promise<boolean> {
  if (!user.totp_enabled || !user.totp_secret_enc || !code) return false;
  const secret = ctx.cipher.open('users.totp_secret', user.totp_secret_enc);
  const epoch = Math.floor(ctx.clock.wallNow().getTime() / 1000);
  const result = await verifyTotp({
    secret, token: code, epoch, epochTolerance: totpToleranceSeconds,
    ...(user.totp_last_step !== null ? { afterTimeStep: user.totp_last_step } : {}),
  });
  if (!result.valid) return false;
  // A code is good once: remember its time step so it cannot be replayed.
  const step = (result as { timeStep?: number }).timeStep ?? Math.floor(epoch / 30);
  await trx.updateTable('users').set({ totp_last_step: step }).where('id', '=', user.id).execute();
  return true;
}

/** A new cookie session for a user who has just proved who they are (log-in or sign-up). */
export async function openSession(ctx: AppContext, trx: Executor, user: UserRow, mfaPassed: boolean): Promise<LoginResult> {
  const now = ctx.clock.now();
  const token = randomBytes(32).toString('base64url');
  await trx.insertInto('sessions').values({
    id: newId('ses'), user_id: user.id, token_hash: ctx.hash('session', token), mfa_passed: mfaPassed,
    created_at: now, last_seen_at: now, expires_at: addMinutes(now, sessionAbsoluteHours * 60), revoked_at: null,
  }).execute();
  await ctx.audit(trx, { kind: 'user', id: user.id, role: user.role, merchantId: user.merchant_id },
    { action: 'user.login', subjectType: 'user', subjectId: user.id, merchantId: user.merchant_id });
  return { token, user, csrfToken: csrfTokenFor(ctx, token), mfaPassed };
}

export async function login(ctx: AppContext, input: { login: string; password: string; totp?: string | undefined }): Promise<LoginResult> {
  const loginName = normalizeLogin(input.login);
  const now = ctx.clock.now();
  type Outcome = { failed: true; locked: boolean } | { failed: false; result: LoginResult };
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<Outcome> => {
    const user = await trx.selectFrom('users').selectAll().where('login', '=', loginName).forUpdate().executeTakeFirst();
    if (!user || user.disabled_at) {
      await argon2.verify(await dummyHash, input.password);
      throw new AppError('login_failed', 'The login or password is wrong');
    }
    if (user.locked_until && user.locked_until > now) {
      const retryAfterSeconds = Math.ceil((user.locked_until.getTime() - now.getTime()) / 1000);
      throw new AppError('account_locked', 'Too many failed log-ins; the account is locked for a while',
        { retryAfterSeconds }, { 'retry-after': String(retryAfterSeconds) });
    }
    const passwordOk = await argon2.verify(user.password_hash, input.password);
    const totpNeeded = user.totp_enabled;
    const totpOk = totpNeeded ? await checkTotp(ctx, trx, user, input.totp) : true;
    if (!passwordOk || (totpNeeded && input.totp !== undefined && !totpOk)) {
      const failures = user.failed_logins + 1;
      const locked = failures >= loginFailuresMax;
      await trx.updateTable('users').set({
        failed_logins: locked ? 0 : failures, locked_until: locked ? addMinutes(now, loginLockMinutes) : null, updated_at: now,
      }).where('id', '=', user.id).execute();
      await ctx.audit(trx, { kind: 'user', id: user.id, role: user.role, merchantId: user.merchant_id },
        { action: locked ? 'user.locked' : 'user.login_failed', subjectType: 'user', subjectId: user.id, merchantId: user.merchant_id });
      return { failed: true, locked };
    }
    if (totpNeeded && !totpOk) throw new AppError('mfa_required', 'Enter the code from your authenticator app', { totpRequired: true });
    await trx.updateTable('users').set({ failed_logins: 0, locked_until: null, updated_at: now }).where('id', '=', user.id).execute();
    return { failed: false, result: await openSession(ctx, trx, user, totpNeeded) };
  });
  if (!outcome.failed) return outcome.result;
  {
    if (outcome.locked) throw new AppError('account_locked', 'Too many failed log-ins; the account is locked for 30 minutes',
      { retryAfterSeconds: loginLockMinutes * 60 }, { 'retry-after': String(loginLockMinutes * 60) });
    throw new AppError('login_failed', 'The login or password is wrong');
  }
}

function cookieToken(request: FastifyRequest): string | undefined {
  const cookies = (request as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies;
  return cookies?.[sessionCookie];
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Session cookies: idle expiry, CSRF header on unsafe methods, TOTP before operator work. */
export function sessionAuthenticator(ctx: AppContext): Authenticator {
  return async (request) => {
    const token = cookieToken(request);
    if (!token) return null;
    const now = ctx.clock.now();
    const session = await ctx.db.selectFrom('sessions').innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['sessions.id as sessionId', 'sessions.last_seen_at', 'sessions.expires_at', 'sessions.revoked_at',
        'sessions.mfa_passed', 'users.id as userId', 'users.role', 'users.merchant_id', 'users.disabled_at'])
      .where('sessions.token_hash', '=', ctx.hash('session', token)).executeTakeFirst();
    if (!session || session.revoked_at || session.disabled_at || session.expires_at <= now) {
      throw new AppError('unauthenticated', 'Your session has ended; log in again');
    }
    const idleMinutes = isOperatorRole(session.role) ? operatorIdleMinutes : merchantIdleMinutes;
    if (addMinutes(session.last_seen_at, idleMinutes) <= now) {
      await ctx.db.updateTable('sessions').set({ revoked_at: now }).where('id', '=', session.sessionId).execute();
      throw new AppError('unauthenticated', 'Your session expired after inactivity; log in again', { reason: 'idle' });
    }
    if (!safeMethods.has(request.method)) {
      const header = request.headers['x-csrf-token'];
      if (typeof header !== 'string' || !constantTimeEqual(header, csrfTokenFor(ctx, token))) {
        throw new AppError('csrf_failed', 'Send the X-CSRF-Token header you received at log-in');
      }
    }
    const url = request.routeOptions.url ?? '';
    if (isOperatorRole(session.role) && !session.mfa_passed && !url.startsWith('/v1/auth/')) {
      throw new AppError('mfa_required', 'Operators must set up and use two-factor authentication', { enrollAt: '/v1/auth/totp/enroll' });
    }
    await ctx.db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', session.sessionId).execute();
    return { kind: 'user', id: session.userId, role: session.role, merchantId: session.merchant_id };
  };
}

export async function logout(ctx: AppContext, token: string | undefined): Promise<void> {
  if (!token) return;
  await ctx.db.updateTable('sessions').set({ revoked_at: ctx.clock.now() })
    .where('token_hash', '=', ctx.hash('session', token)).execute();
}

export function sessionTokenOf(request: FastifyRequest): string | undefined {
  return cookieToken(request);
}

export async function enrollTotp(ctx: AppContext, userId: string): Promise<{ secret: string; otpauthUrl: string; qrCodeDataUrl: string }> {
  const user = await ctx.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
  if (user.totp_enabled) throw new AppError('conflict', 'Two-factor authentication is already set up');
  const secret = generateSecret();
  await ctx.db.updateTable('users').set({ totp_secret_enc: ctx.cipher.seal('users.totp_secret', secret), updated_at: ctx.clock.now() })
    .where('id', '=', userId).execute();
  const otpauthUrl = generateURI({ issuer: 'Jihuo', label: user.login, secret });
  // Drawn on the server, so the secret never goes to a third-party QR service.
  return { secret, otpauthUrl, qrCodeDataUrl: await QRCode.toDataURL(otpauthUrl, { errorCorrectionLevel: 'M', margin: 1, width: 240 }) };
}

export async function confirmTotp(ctx: AppContext, userId: string, sessionToken: string | undefined, code: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom('users').selectAll().where('id', '=', userId).forUpdate().executeTakeFirstOrThrow();
    if (!user.totp_secret_enc) throw new AppError('invalid_state', 'Start enrolment first');
    const ok = await checkTotp(ctx, trx, { ...user, totp_enabled: true }, code);
    if (!ok) throw validationError([{ field: 'code', rule: 'totp', message: 'the code does not match' }]);
    await trx.updateTable('users').set({ totp_enabled: true, updated_at: ctx.clock.now() }).where('id', '=', userId).execute();
    if (sessionToken) {
      await trx.updateTable('sessions').set({ mfa_passed: true }).where('token_hash', '=', ctx.hash('session', sessionToken)).execute();
    }
    await ctx.audit(trx, { kind: 'user', id: user.id, role: user.role, merchantId: user.merchant_id },
      { action: 'user.totp_enabled', subjectType: 'user', subjectId: user.id, merchantId: user.merchant_id });
  });
}

/** Sends a reset code to the user's registered phone. Unknown logins answer the same, silently. */
export async function requestPasswordReset(ctx: AppContext, loginInput: string): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom('users').selectAll().where('login', '=', normalizeLogin(loginInput)).forUpdate().executeTakeFirst();
    if (!user || !user.phone || user.disabled_at) return;
    await trx.updateTable('password_reset_codes').set({ revoked_at: now })
      .where('user_id', '=', user.id).where('used_at', 'is', null).where('revoked_at', 'is', null).execute();
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await trx.insertInto('password_reset_codes').values({
      id: newId('otp'), user_id: user.id, code_hash: ctx.hash('reset_code', `${user.id}:${code}`),
      expires_at: addMinutes(now, resetCodeTtlMinutes), used_at: null, revoked_at: null, created_at: now,
    }).execute();
    // To the user's own phone, not the merchant's contact phone: the code proves who asked.
    await sendNotificationTo(ctx, trx, {
      recipient: { userId: user.id, phone: user.phone }, merchantId: user.merchant_id,
      template: 'password_reset_code', channels: ['sms'], params: { code, minutes: resetCodeTtlMinutes },
    });
  });
}

export async function confirmPasswordReset(ctx: AppContext, input: { login: string; code: string; newPassword: string }): Promise<void> {
  const now = ctx.clock.now();
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom('users').selectAll().where('login', '=', normalizeLogin(input.login)).forUpdate().executeTakeFirst();
    if (!user) return 'bad' as const;
    if (user.reset_locked_until && user.reset_locked_until > now) return 'locked' as const;
    const code = await trx.selectFrom('password_reset_codes').selectAll().where('user_id', '=', user.id)
      .where('used_at', 'is', null).where('revoked_at', 'is', null).where('expires_at', '>', now)
      .orderBy('created_at', 'desc').limit(1).executeTakeFirst();
    const expected = ctx.hash('reset_code', `${user.id}:${input.code}`);
    if (!code || !constantTimeEqual(code.code_hash, expected)) {
      // Failures count per user, across codes: asking for a new code does not reset them.
      const failures = user.reset_failures + 1;
      const locked = failures >= resetFailuresMax;
      await trx.updateTable('users').set({
        reset_failures: locked ? 0 : failures, reset_locked_until: locked ? addMinutes(now, loginLockMinutes) : null,
      }).where('id', '=', user.id).execute();
      return locked ? 'locked' as const : 'bad' as const;
    }
    assertPasswordAllowed(input.newPassword, user.login);
    await trx.updateTable('password_reset_codes').set({ used_at: now }).where('id', '=', code.id).execute();
    await trx.updateTable('users').set({
      password_hash: await argon2.hash(input.newPassword, { type: argon2.argon2id }), reset_failures: 0,
      failed_logins: 0, locked_until: null, updated_at: now,
    }).where('id', '=', user.id).execute();
    await trx.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', user.id).where('revoked_at', 'is', null).execute();
    await ctx.audit(trx, { kind: 'user', id: user.id, role: user.role, merchantId: user.merchant_id },
      { action: 'user.password_reset', subjectType: 'user', subjectId: user.id, merchantId: user.merchant_id });
    return 'ok' as const;
  });
  if (outcome === 'locked') throw new AppError('account_locked', 'Too many wrong codes; try again in 30 minutes');
  if (outcome === 'bad') throw new AppError('verification_code_invalid', 'The code is wrong or has expired');
}
