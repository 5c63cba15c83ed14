// Log-in, sessions, TOTP, password reset, and user management routes.
import type { FastifyReply } from 'fastify';
import { roles, type Role } from '../../platform/actor.js';
import { createApiKey, scopesProblem } from '../../platform/api-keys.js';
import { actorOf, anyOperator, assertMerchantScope, operatorsAndMerchants } from '../../platform/http/auth.js';
import { AppError, validationError } from '../../platform/http/errors.js';
import { Strict, Type } from '../../platform/http/schema.js';
import type { AppContext } from '../../platform/context.js';
import type { JihuoApp } from '../../platform/module.js';
import { getMerchantSummary } from '../merchants/merchant.service.js';
import {
  confirmPasswordReset, confirmTotp, createUser, enrollTotp, login, logout, requestPasswordReset, sessionCookie,
  sessionTokenOf, toPublicUser, csrfTokenFor, isOperatorRole, sessionAbsoluteHours,
} from './accounts.service.js';
import { signUp, signupsPerMinuteMax } from './signup.service.js';

const tags = ['accounts'];
const loginRateLimit = { max: 30, timeWindow: '1 minute' };
const signupRateLimit = { max: signupsPerMinuteMax, timeWindow: '1 minute' };

const UserBody = Type.Object({
  id: Type.String(), login: Type.String(), displayName: Type.String(), phone: Type.Union([Type.String(), Type.Null()]),
  role: Type.String(), merchantId: Type.Union([Type.String(), Type.Null()]), totpEnabled: Type.Boolean(),
  locked: Type.Boolean(), createdAt: Type.String(),
});

const userRoles = ['merchant_owner', 'merchant_manager', 'merchant_cashier', 'ops_agent', 'ops_risk', 'ops_admin'] as const;

function setSessionCookie(reply: FastifyReply, token: string): void {
  reply.setCookie(sessionCookie, token, {
    httpOnly: true, secure: true, sameSite: 'strict', path: '/', maxAge: sessionAbsoluteHours * 3600,
  });
}

export function accountsRoutes(app: JihuoApp, ctx: AppContext): void {
  app.post('/v1/auth/login', {
    schema: {
      tags, summary: 'Log in with login name and password (and TOTP code); sets the session cookie',
      body: Strict({ login: Type.String({ minLength: 1, maxLength: 200 }), password: Type.String({ minLength: 1, maxLength: 200 }),
        totp: Type.Optional(Type.String({ pattern: '^\\d{6}$' })) }),
    },
    config: { access: { public: true }, rateLimit: loginRateLimit },
  }, async (request, reply) => {
    const result = await login(ctx, request.body);
    setSessionCookie(reply, result.token);
    const needsEnrolment = isOperatorRole(result.user.role) && !result.user.totp_enabled;
    return {
      user: toPublicUser(result.user, ctx.clock.now()), csrfToken: result.csrfToken,
      totpEnrollmentRequired: needsEnrolment,
    };
  });

  app.post('/v1/signup', {
    schema: {
      tags, summary: 'Merchant sign-up: a draft merchant and its owner user in one step; logs the owner in (session cookie)',
      body: Strict({
        login: Type.String({ minLength: 1, maxLength: 200 }), password: Type.String({ minLength: 1, maxLength: 200 }),
        phone: Type.String({ minLength: 1, maxLength: 32 }), type: Type.Union([Type.Literal('individual'), Type.Literal('enterprise')]),
        legalName: Type.String({ minLength: 1, maxLength: 128 }), displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
      }),
      response: { 201: Type.Object({ merchantId: Type.String(), merchantStatus: Type.String(), user: UserBody, csrfToken: Type.String() }) },
    },
    config: { access: { public: true }, rateLimit: signupRateLimit },
  }, async (request, reply) => {
    const result = await signUp(ctx, request.body, request.id);
    setSessionCookie(reply, result.token);
    return reply.status(201).send({
      merchantId: result.merchantId, merchantStatus: result.merchantStatus,
      user: toPublicUser(result.user, ctx.clock.now()), csrfToken: result.csrfToken,
    });
  });

  app.post('/v1/auth/logout', {
    schema: { tags, summary: 'End the current session' },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request, reply) => {
    await logout(ctx, sessionTokenOf(request));
    reply.clearCookie(sessionCookie, { path: '/' });
    return { loggedOut: true };
  });

  app.get('/v1/auth/me', {
    schema: { tags, summary: 'The logged-in user (and the CSRF token of a cookie session)' },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const actor = actorOf(request);
    const token = sessionTokenOf(request);
    if (actor.kind !== 'user' || !actor.id) return { apiKey: { id: actor.id, role: actor.role, merchantId: actor.merchantId } };
    const user = await ctx.db.selectFrom('users').selectAll().where('id', '=', actor.id).executeTakeFirstOrThrow();
    return { user: toPublicUser(user, ctx.clock.now()), csrfToken: token ? csrfTokenFor(ctx, token) : null };
  });

  app.post('/v1/auth/totp/enroll', {
    schema: { tags, summary: 'Start TOTP enrolment: returns the secret, the otpauth URL and its QR code (PNG data URL) once' },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const actor = actorOf(request);
    if (actor.kind !== 'user' || !actor.id) throw new AppError('forbidden', 'Only user accounts enrol TOTP');
    return enrollTotp(ctx, actor.id);
  });

  app.post('/v1/auth/totp/confirm', {
    schema: { tags, summary: 'Confirm TOTP enrolment with a current code', body: Strict({ code: Type.String({ pattern: '^\\d{6}$' }) }) },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const actor = actorOf(request);
    if (actor.kind !== 'user' || !actor.id) throw new AppError('forbidden', 'Only user accounts enrol TOTP');
    await confirmTotp(ctx, actor.id, sessionTokenOf(request), request.body.code);
    return { totpEnabled: true };
  });

  app.post('/v1/auth/password-reset', {
    schema: { tags, summary: 'Send a password-reset code by SMS to the registered phone', body: Strict({ login: Type.String({ minLength: 1, maxLength: 200 }) }) },
    config: { access: { public: true }, rateLimit: loginRateLimit },
  }, async (request, reply) => {
    await requestPasswordReset(ctx, request.body.login);
    return reply.status(202).send({ accepted: true });
  });

  app.post('/v1/auth/password-reset/confirm', {
    schema: {
      tags, summary: 'Set a new password with the SMS code',
      body: Strict({ login: Type.String({ minLength: 1, maxLength: 200 }), code: Type.String({ pattern: '^\\d{6}$' }),
        newPassword: Type.String({ minLength: 1, maxLength: 200 }) }),
    },
    config: { access: { public: true }, rateLimit: loginRateLimit },
  }, async (request) => {
    await confirmPasswordReset(ctx, request.body);
    return { passwordChanged: true };
  });

  const CreateUser = Strict({
    login: Type.String({ minLength: 3, maxLength: 200 }), displayName: Type.String({ minLength: 1, maxLength: 100 }),
    phone: Type.Optional(Type.String({ pattern: '^1[3-9]\\d{9}$' })), role: Type.Union(userRoles.map((r) => Type.Literal(r))),
    merchantId: Type.Optional(Type.String()), password: Type.String({ minLength: 1, maxLength: 200 }),
  });

  app.post('/v1/users', {
    schema: { tags, summary: 'Create a user (operators or merchant staff)', body: CreateUser, response: { 201: UserBody } },
    config: { access: { roles: ['ops_admin'] } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const body = request.body;
    const row = await ctx.db.transaction().execute((trx) => createUser(ctx, trx, actor, {
      login: body.login, displayName: body.displayName, phone: body.phone ?? null, role: body.role,
      merchantId: body.merchantId ?? null, password: body.password,
    }));
    return reply.status(201).send(toPublicUser(row, ctx.clock.now()));
  });

  app.post('/v1/merchants/:merchantId/users', {
    schema: {
      tags, summary: 'The merchant owner adds staff (manager or cashier)',
      params: Strict({ merchantId: Type.String() }),
      body: Strict({
        login: Type.String({ minLength: 3, maxLength: 200 }), displayName: Type.String({ minLength: 1, maxLength: 100 }),
        phone: Type.Optional(Type.String({ pattern: '^1[3-9]\\d{9}$' })),
        role: Type.Union([Type.Literal('merchant_manager'), Type.Literal('merchant_cashier')]),
        password: Type.String({ minLength: 1, maxLength: 200 }),
      }),
      response: { 201: UserBody },
    },
    config: { access: { roles: ['merchant_owner', 'ops_admin'] } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const { merchantId } = request.params;
    assertMerchantScope(actor, merchantId, new AppError('merchant_not_found', `Merchant ${merchantId} was not found`));
    const body = request.body;
    const row = await ctx.db.transaction().execute((trx) => createUser(ctx, trx, actor, {
      login: body.login, displayName: body.displayName, phone: body.phone ?? null, role: body.role, merchantId, password: body.password,
    }));
    return reply.status(201).send(toPublicUser(row, ctx.clock.now()));
  });

  app.get('/v1/users', {
    schema: { tags, summary: 'List users', querystring: Strict({ merchantId: Type.Optional(Type.String()), role: Type.Optional(Type.String()) }) },
    config: { access: { roles: anyOperator } },
  }, async (request) => {
    let query = ctx.db.selectFrom('users').selectAll().orderBy('created_at').limit(500);
    if (request.query.merchantId) query = query.where('merchant_id', '=', request.query.merchantId);
    if (request.query.role) query = query.where('role', '=', request.query.role as never);
    const now = ctx.clock.now();
    return { data: (await query.execute()).map((u) => toPublicUser(u, now)), hasMore: false, nextCursor: null };
  });

  apiKeyRoutes(app, ctx);
}

/** API keys for partner systems and scripts: created by an ops_admin, audited, shown once. */
function apiKeyRoutes(app: JihuoApp, ctx: AppContext): void {
  app.post('/v1/api-keys', {
    schema: {
      tags, summary: 'Create an API key (the secret is in this answer only)',
      body: Strict({
        name: Type.String({ minLength: 1, maxLength: 100 }), role: Type.Union(roles.map((r) => Type.Literal(r))),
        merchantId: Type.Optional(Type.String({ maxLength: 64 })),
        scopes: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), {
          maxItems: 20, description: 'integration keys only: merchants:write, reactivations:write, settlements:run, shipments:write or *',
        })),
      }),
      response: {
        201: Type.Object({
          id: Type.String(), key: Type.Optional(Type.String()), name: Type.String(), role: Type.String(),
          merchantId: Type.Union([Type.String(), Type.Null()]), scopes: Type.Array(Type.String()),
        }),
      },
    },
    config: { access: { roles: ['ops_admin'] } },
  }, async (request, reply) => {
    const name = request.body.name;
    const role = request.body.role as Role;
    const merchantId = request.body.merchantId ?? null;
    if (role.startsWith('merchant_') !== (merchantId !== null)) {
      throw validationError([{ field: 'merchantId', rule: 'role', message: 'merchant roles need a merchant; other roles must not have one' }]);
    }
    const scopesInvalid = scopesProblem(role, request.body.scopes ?? []);
    if (scopesInvalid) throw validationError([{ field: 'scopes', rule: 'scope', message: scopesInvalid }]);
    if (merchantId !== null) await getMerchantSummary(ctx.db, merchantId);
    const created = await createApiKey(ctx, {
      name, role, merchantId, scopes: request.body.scopes ?? [], actor: actorOf(request), via: 'api', requestId: request.id,
    });
    const view = { id: created.id, name, role, merchantId, scopes: created.scopes };
    // Like an activation code, the secret is stored only as a keyed hash: an Idempotency-Key
    // replay answers without it.
    const claim = request.idempotency;
    if (claim) {
      request.idempotency = null;
      await ctx.db.updateTable('idempotency_keys').set({ status_code: 201, response_body: JSON.stringify(view) })
        .where('scope', '=', claim.scope).where('key', '=', claim.key).execute();
    }
    return reply.status(201).send({ ...view, key: created.key });
  });
}
