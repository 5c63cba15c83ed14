// Builds the Fastify application: JSON parsing with raw bodies (for terminal signatures), strict
// validation, the error shape, request ids, access control, idempotency keys, OpenAPI, metrics,
// health, and every module's routes.
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import helmet from '@fastify/helmet';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { newRequestId } from '../ids.js';
import { requestBodyBytesMax } from '../limits.js';
import type { JihuoApp, JihuoModule } from '../module.js';
import { authenticateTerminal } from '../../terminal-api/terminal-auth.js';
import { apiKeyAuthenticator, authorize, type Authenticator } from './auth.js';
import { AppError, type FieldError } from './errors.js';
import { registerBenchRoutes } from './bench-routes.js';
import { databaseRateLimitStore } from './rate-limit-store.js';
import { registerWeb } from './static-web.js';
import { requestHash } from './idempotency.js';
import { createMetrics } from './metrics.js';
import { Strict, Type, IsoDateTime } from './schema.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export interface BuildOptions {
  /** Extra authenticators (sessions), tried after API keys. */
  authenticators?: Authenticator[];
  logger?: boolean;
}

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true, removeAdditional: false, useDefaults: true, strict: false,
    coerceTypes: coerce ? 'array' : false,
  });
  addFormats(ajv);
  ajv.addKeyword('example');
  return ajv;
}

function fieldErrors(error: FastifyError): FieldError[] {
  return (error.validation ?? []).map((v) => {
    const params = v.params as Record<string, unknown>;
    const base = (v.instancePath || '').replace(/^\//, '').replace(/\//g, '.');
    const extra = (params.missingProperty ?? params.additionalProperty) as string | undefined;
    const field = [error.validationContext === 'body' ? '' : error.validationContext, base, extra]
      .filter((p) => p !== undefined && p !== '').join('.');
    const rule = v.keyword === 'additionalProperties' ? 'unknown_field' : v.keyword;
    const message = v.keyword === 'additionalProperties' ? 'is not a known field' : (v.message ?? 'is invalid');
    return { field: field || (error.validationContext ?? 'body'), rule, message };
  });
}

function toAppError(error: FastifyError): AppError {
  if (error instanceof AppError) return error;
  if (error.validation) return new AppError('validation_failed', 'The request has invalid fields', { fields: fieldErrors(error) });
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return new AppError('body_too_large', 'The request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return new AppError('unsupported_media_type', 'Send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY': return new AppError('invalid_json', 'The JSON body is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY': return new AppError('invalid_json', 'The body is not valid JSON');
    default: break;
  }
  if (error.statusCode === 429) return new AppError('rate_limited', 'Too many requests; retry later');
  if (error.statusCode === 404) return new AppError('not_found', error.message);
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError('validation_failed', error.message);
  }
  return new AppError('internal_error', 'An internal error occurred; it has been logged');
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.status(error.status).send({
    error: { code: error.code, message: error.message, details: error.details, requestId: request.id },
  });
}

interface IdempotencyClaim { scope: string; key: string }
declare module 'fastify' {
  interface FastifyRequest { idempotency: IdempotencyClaim | null }
}

const idempotencyKeyPattern = /^[A-Za-z0-9_\-:.]{1,255}$/;

async function claimIdempotencyKey(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  const key = request.headers['idempotency-key'];
  if (request.method !== 'POST' || typeof key !== 'string' || !request.url.startsWith('/v1/')) return false;
  if (!idempotencyKeyPattern.test(key)) {
    throw new AppError('validation_failed', 'Idempotency-Key must be 1–255 letters, digits or -_:.', {
      fields: [{ field: 'Idempotency-Key', rule: 'pattern', message: 'invalid idempotency key' }],
    });
  }
  const scope = `http:${request.actor?.id ?? 'public'}:${request.routeOptions.url}`;
  const hash = requestHash({ params: request.params, query: request.query, body: request.body ?? null });
  const claimed = await ctx.db.insertInto('idempotency_keys')
    .values({ scope, key, request_hash: hash, status_code: null, response_body: null })
    .onConflict((oc) => oc.columns(['scope', 'key']).doNothing()).returning('key').executeTakeFirst();
  if (claimed) { request.idempotency = { scope, key }; return false; }
  const row = await ctx.db.selectFrom('idempotency_keys').select(['request_hash', 'status_code', 'response_body'])
    .where('scope', '=', scope).where('key', '=', key).executeTakeFirstOrThrow();
  if (row.request_hash !== hash) throw new AppError('idempotency_key_reused', 'This Idempotency-Key was used with a different request');
  if (row.status_code === null || row.response_body === null) {
    throw new AppError('idempotency_request_in_progress', 'A request with this Idempotency-Key is still in progress');
  }
  await reply.status(row.status_code).header('content-type', 'application/json; charset=utf-8')
    .header('idempotent-replayed', 'true').send(row.response_body);
  return true;
}

export async function buildApp(ctx: AppContext, modules: readonly JihuoModule[], options: BuildOptions = {}): Promise<JihuoApp> {
  const app = Fastify({
    ...(options.logger === false ? { logger: false } : { loggerInstance: ctx.log }),
    bodyLimit: requestBodyBytesMax,
    genReqId: newRequestId,
    requestIdHeader: false,
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as JihuoApp;

  // Bodies: strict types, no coercion. Query strings and params: coerced from text.
  const bodyAjv = makeAjv(false);
  const textAjv = makeAjv(true);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema));

  app.decorateRequest('actor', null);
  app.decorateRequest('terminal', null);
  app.decorateRequest('rawBody', undefined);
  app.decorateRequest('idempotency', null);

  // JSON bodies keep their raw bytes: terminal signatures cover them. A body that is not JSON on
  // a signed route is reported only after the signature is checked.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    request.rawBody = raw;
    if (raw.length === 0) { done(null, undefined); return; }
    try {
      done(null, JSON.parse(raw.toString('utf8')));
    } catch {
      if (request.url.startsWith('/terminal/')) { done(null, invalidJsonMarker); return; }
      done(new AppError('invalid_json', 'The body is not valid JSON') as unknown as FastifyError, undefined);
    }
  });

  await app.register(helmet, { contentSecurityPolicy: false, global: true });
  await app.register(cookie);
  // Per-route limits only (`config.rateLimit`): log-in, code redemption, public look-ups. The
  // counters are in the database, shared by every instance.
  await app.register(rateLimit, { global: false, store: databaseRateLimitStore(ctx.db) });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Jihuo API', version: '1.0.0', description: 'POS terminal activation, re-activation, pricing, settlement and deposits.' },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'API key or operator/merchant token' },
          terminalSignature: { type: 'apiKey', in: 'header', name: 'X-Signature', description: 'HMAC-SHA256 request signature (SPEC §6)' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const authenticators = [
    apiKeyAuthenticator(ctx),
    ...modules.flatMap((m) => m.authenticators?.(ctx) ?? []),
    ...(options.authenticators ?? []),
  ];
  const metrics = createMetrics();

  app.addHook('onRoute', (route) => {
    const url = route.url;
    if (!url.startsWith('/v1') && !url.startsWith('/terminal/v1')) return;
    const access = route.config?.access;
    if (!access) throw new Error(`Route ${route.method} ${url} declares no access`);
    if ('roles' in access && access.roles.includes('integration') && !access.scope) {
      throw new Error(`Route ${route.method} ${url} is open to integration keys but names no scope`);
    }
    route.schema = route.schema ?? {};
    const schema = route.schema as Record<string, unknown>;
    if ('roles' in access) schema.security = [{ apiKey: [] }];
    if ('terminal' in access) schema.security = [{ terminalSignature: [] }];
    const scope = 'roles' in access && access.scope ? ` Integration scope: ${access.scope}.` : '';
    const extra = 'roles' in access ? `Roles: ${access.roles.join(', ')}.${scope}` : 'terminal' in access ? 'Signed by the terminal.' : 'Public.';
    schema.description = schema.description ? `${String(schema.description)} ${extra}` : extra;
  });

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config?.access;
    if (access) await authorize(request, access, authenticators);
  });

  app.addHook('preValidation', async (request, reply) => {
    const access = request.routeOptions.config?.access;
    if (access && 'terminal' in access) {
      request.terminal = await authenticateTerminal(ctx, request);
      if (request.body === invalidJsonMarker) throw new AppError('invalid_json', 'The body is not valid JSON');
    }
    if (request.body === undefined && request.method === 'POST' && request.routeOptions.schema?.body) {
      request.body = {};
    }
    void reply;
  });

  app.addHook('preHandler', async (request, reply) => {
    if (await claimIdempotencyKey(ctx, request, reply)) return reply;
    return undefined;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotency;
    if (claim) {
      request.idempotency = null;
      if (reply.statusCode >= 500) {
        await ctx.db.deleteFrom('idempotency_keys').where('scope', '=', claim.scope).where('key', '=', claim.key).execute();
      } else {
        await ctx.db.updateTable('idempotency_keys')
          .set({ status_code: reply.statusCode, response_body: typeof payload === 'string' ? payload : JSON.stringify(payload) })
          .where('scope', '=', claim.scope).where('key', '=', claim.key).execute();
      }
    }
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    metrics.observe(request.method, request.routeOptions.url ?? 'unknown', reply.statusCode, reply.elapsedTime);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendError(request, reply, appError);
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, new AppError('route_not_found', `No route ${request.method} ${request.url.split('?')[0]}`)));

  app.get('/healthz', { schema: { hide: false, tags: ['platform'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { tags: ['platform'], summary: 'Readiness: the database answers' } }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(ctx.db);
      return { status: 'ready', database: ctx.dbKind };
    } catch {
      return reply.status(503).send({ status: 'unavailable', database: ctx.dbKind });
    }
  });
  app.get('/metrics', { schema: { tags: ['platform'], summary: 'Prometheus metrics' } }, async (_request, reply) =>
    reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerTestClock(app, ctx);
  if (ctx.config.benchRoutes) await registerBenchRoutes(app, ctx);
  for (const module of modules) {
    if (module.routes) await module.routes(app, ctx);
  }
  await registerWeb(app, ctx);
  return app;
}

const invalidJsonMarker = Object.freeze({ invalidJson: true });

function registerTestClock(app: JihuoApp, ctx: AppContext): void {
  const schema = {
    tags: ['platform'], summary: 'Set the business clock (only with JIHUO_ENABLE_TEST_CLOCK=1)',
    body: Strict({ now: IsoDateTime() }),
    response: { 200: Type.Object({ now: Type.String() }) },
  };
  // Without JIHUO_ENABLE_TEST_CLOCK the endpoint does not exist (Appendix A): answer 404 before
  // the body is validated, so no body, good or bad, tells a caller more.
  const onlyWithTestClock = async (request: FastifyRequest): Promise<void> => {
    if (!ctx.config.enableTestClock) {
      throw new AppError('not_found', `No route ${request.method} /v1/test-clock`);
    }
  };
  app.post('/v1/test-clock', { schema, config: { access: { public: true } }, onRequest: onlyWithTestClock }, async (request) => {
    const to = new Date(request.body.now);
    ctx.clock.set(to);
    const value = JSON.stringify(ctx.clock.offsetMs());
    await ctx.db.insertInto('platform_settings').values({ key: 'test_clock_offset_ms', value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: new Date() })).execute();
    return { now: ctx.clock.now().toISOString() };
  });
  app.get('/v1/test-clock', {
    schema: { tags: ['platform'], summary: 'Read the business clock' },
    config: { access: { public: true } }, onRequest: onlyWithTestClock,
  }, async () => {
    return { now: ctx.clock.now().toISOString() };
  });
}
