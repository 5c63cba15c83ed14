// Activation endpoints: operator/merchant routes under /v1 (codes, pairing, hotline, progress,
// alerts) and the signed terminal routes under /terminal/v1 (hello, activate, pairing-code,
// self-test, messages). Schemas and transaction boundaries; the rules are in the services.
import type { AppContext } from '../../platform/context.js';
import { actorOf, anyOperator, operatorsAndMerchants } from '../../platform/http/auth.js';
import { AnyObject, ErrorBody, Strict, Type } from '../../platform/http/schema.js';
import { terminalActivateRequestsPerMinuteMax } from '../../platform/limits.js';
import { authenticatedTerminal } from '../../terminal-api/terminal-auth.js';
import type { JihuoApp } from '../../platform/module.js';
import { redeemActivationCode, issueActivationCode } from './activation.service.js';
import { activationView, confirmHotlineVerification, pairTerminal, startHotlineVerification } from './activation-portal.service.js';
import { selfTestComponents } from './self-test.js';
import { createPairingCode, hello, runSelfTest } from './terminal-protocol.service.js';
import { terminalMessages } from './terminal-messages.js';

const SnParams = Strict({ sn: Type.String({ minLength: 1, maxLength: 64 }) });
const Localized = Type.Object({ zh: Type.String(), en: Type.String() });
const Wrapped = Type.Object({ iv: Type.String(), ciphertext: Type.String(), tag: Type.String() });
const Result = Type.Union([Type.Literal('pass'), Type.Literal('fail')]);
const Component = Type.Object({
  component: Type.String(), result: Type.String(), required: Type.Boolean(), guidance: Localized, helpSlug: Type.String(),
});
const Message = Type.Object({ id: Type.String(), kind: Type.String(), text: Localized, noticeCode: Type.Union([Type.String(), Type.Null()]), createdAt: Type.String() });

const tags = ['activation'];
const terminalTags = ['terminal'];

function operatorAndMerchantRoutes(app: JihuoApp, ctx: AppContext): void {
  app.post('/v1/terminals/:sn/activation-codes', {
    config: { access: { roles: ['ops_agent', 'ops_risk', 'ops_admin', 'merchant_owner'] } },
    schema: {
      tags, summary: 'Issue an activation code (portal: shown once; sms, hotline: sent to the registered phone)',
      params: SnParams,
      body: Strict({ channel: Type.Union([Type.Literal('portal'), Type.Literal('sms'), Type.Literal('hotline')]) }),
      response: { 201: Type.Object({ code: Type.Optional(Type.String()), expiresAt: Type.String() }), 404: ErrorBody, 409: ErrorBody },
    },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const issued = await ctx.db.transaction().execute((trx) => issueActivationCode(ctx, trx, {
      sn: request.params.sn, channel: request.body.channel, actor, requestId: request.id,
    }));
    const expiresAt = issued.expiresAt.toISOString();
    // An Idempotency-Key replay must neither store nor show the code again (shown once, stored
    // only as a keyed hash): the replayed body carries the expiry only.
    const claim = request.idempotency;
    if (claim) {
      request.idempotency = null;
      await ctx.db.updateTable('idempotency_keys').set({ status_code: 201, response_body: JSON.stringify({ expiresAt }) })
        .where('scope', '=', claim.scope).where('key', '=', claim.key).execute();
    }
    return reply.status(201).send(request.body.channel === 'portal' ? { code: issued.code, expiresAt } : { expiresAt });
  });

  app.post('/v1/terminals/:sn/pair', {
    config: { access: { roles: ['ops_admin', 'merchant_owner'] } },
    schema: {
      tags, summary: 'Activate a terminal by the pairing code it shows (no activation code needed)',
      params: SnParams, body: Strict({ pairingCode: Type.String({ minLength: 1, maxLength: 32 }) }),
      response: { 200: Type.Object({ sn: Type.String(), status: Type.String(), tid: Type.String() }), 400: ErrorBody, 404: ErrorBody },
    },
  }, async (request) => pairTerminal(ctx, { sn: request.params.sn, pairingCode: request.body.pairingCode, actor: actorOf(request), requestId: request.id }));

  app.post('/v1/terminals/:sn/hotline/verify', {
    config: { access: { roles: ['ops_agent', 'ops_admin'] } },
    schema: {
      tags, summary: 'Hotline: send a one-time verification code to the merchant\'s registered phone',
      params: SnParams, body: Type.Optional(Strict({})),
      response: { 201: Type.Object({ expiresAt: Type.String(), sentTo: Type.Union([Type.String(), Type.Null()]) }) },
    },
  }, async (request, reply) => reply.status(201).send(await startHotlineVerification(ctx, { sn: request.params.sn, actor: actorOf(request), requestId: request.id })));

  app.post('/v1/terminals/:sn/hotline/confirm', {
    config: { access: { roles: ['ops_agent', 'ops_admin'] } },
    schema: {
      tags, summary: 'Hotline: check the code the caller reads back; an activation code then goes by SMS (never shown to the agent)',
      params: SnParams, body: Strict({ verificationCode: Type.String({ minLength: 1, maxLength: 16 }) }),
      response: { 201: Type.Object({ expiresAt: Type.String(), channel: Type.Literal('hotline') }), 400: ErrorBody },
    },
  }, async (request, reply) => reply.status(201).send(await confirmHotlineVerification(ctx, {
    sn: request.params.sn, verificationCode: request.body.verificationCode, actor: actorOf(request), requestId: request.id,
  })));

  app.get('/v1/terminals/:sn/activation', {
    config: { access: { roles: operatorsAndMerchants } },
    schema: { tags, summary: 'Activation progress: the six steps with guidance', params: SnParams, response: { 200: AnyObject } },
  }, async (request) => activationView(ctx, { sn: request.params.sn, actor: actorOf(request) }));

  app.get('/v1/activation/alerts', {
    config: { access: { roles: anyOperator } },
    schema: { tags, summary: 'Open operator alerts (activation locks, scam reports)', response: { 200: AnyObject } },
  }, async () => {
    const rows = await ctx.db.selectFrom('operator_alerts').selectAll().where('acknowledged_at', 'is', null)
      .orderBy('created_at', 'desc').limit(100).execute();
    return {
      data: rows.map((r) => ({
        id: r.id, kind: r.kind, terminalId: r.terminal_id, merchantId: r.merchant_id,
        details: typeof r.details === 'string' ? JSON.parse(r.details) as unknown : r.details, createdAt: r.created_at.toISOString(),
      })),
      hasMore: false, nextCursor: null,
    };
  });
}

function terminalRoutes(app: JihuoApp, ctx: AppContext): void {
  app.post('/terminal/v1/hello', {
    config: { access: { terminal: true } },
    schema: {
      tags: terminalTags, summary: 'Boot and heartbeat: state, reason, explanation, deadline, messages, firmware update',
      body: Strict({
        firmwareVersion: Type.String({ minLength: 1, maxLength: 64 }),
        location: Type.Optional(Strict({
          cityCode: Type.Optional(Type.String({ maxLength: 12 })),
          lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
          lng: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
        })),
        battery: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
      }),
      response: {
        200: Type.Object({
          status: Type.String(), reason: Type.Union([Type.String(), Type.Null()]), message: Type.Union([Localized, Type.Null()]),
          deadline: Type.Union([Type.String(), Type.Null()]), caseId: Type.Union([Type.String(), Type.Null()]),
          helpSlug: Type.Union([Type.String(), Type.Null()]), messages: Type.Array(Message), tid: Type.Union([Type.String(), Type.Null()]),
          update: Type.Union([Type.Object({ version: Type.String(), notes: Type.String(), mandatory: Type.Boolean() }), Type.Null()],
            { description: 'The firmware release offered to this terminal (staged rollout); mandatory below the model minimum' }),
          selfTest: Type.Optional(Type.Object({ components: Type.Array(Component) })), terminalKey: Type.Optional(Wrapped),
          reactivation: Type.Optional(Type.Object({
            policy: Type.Union([Type.Literal('blocking'), Type.Literal('grace'), Type.Null()]),
            blocksAt: Type.Union([Type.String(), Type.Null()]),
            steps: Type.Array(Type.Object({ kind: Type.String(), status: Type.String() })),
          }, { description: 'The open re-activation case: policy, when a grace case starts blocking, its steps' })),
        }),
      },
    },
  }, async (request) => {
    const terminal = authenticatedTerminal(request);
    return hello(ctx, terminal.sn, request.body, { signedWithPreviousKey: terminal.keyKind === 'previous_terminal' });
  });

  // Per client IP, above Appendix A's 600 a minute. A benchmark's one load generator stands for
  // thousands of terminals, so bench mode (JIHUO_BENCH_ROUTES=1) is not limited.
  const activateRateLimit = {
    max: terminalActivateRequestsPerMinuteMax, timeWindow: '1 minute', allowList: () => ctx.config.benchRoutes,
  };
  app.post('/terminal/v1/activate', {
    config: { access: { terminal: true }, rateLimit: activateRateLimit },
    schema: {
      tags: terminalTags, summary: 'Redeem an activation code; returns the new terminal key wrapped under the factory key',
      body: Strict({ activationCode: Type.String({ minLength: 1, maxLength: 32 }) }),
      response: {
        200: Type.Object({ status: Type.Literal('self_test'), tid: Type.String(), mid: Type.String(), merchantName: Type.String(), terminalKey: Wrapped }),
        400: ErrorBody, 401: ErrorBody, 423: ErrorBody,
      },
    },
  }, async (request) => redeemActivationCode(ctx, { sn: authenticatedTerminal(request).sn, activationCode: request.body.activationCode, requestId: request.id }));

  app.post('/terminal/v1/pairing-code', {
    config: { access: { terminal: true } },
    schema: {
      tags: terminalTags, summary: 'Show a pairing code for portal-side activation (10 minutes)',
      body: Type.Optional(Strict({})),
      response: { 201: Type.Object({ pairingCode: Type.String(), expiresAt: Type.String() }) },
    },
  }, async (request, reply) => reply.status(201).send(await createPairingCode(ctx, authenticatedTerminal(request).sn)));

  app.post('/terminal/v1/self-test', {
    config: { access: { terminal: true } },
    schema: {
      tags: terminalTags, summary: 'Report self-test results; all required components passing makes the terminal active',
      body: Strict({ results: Strict(Object.fromEntries(selfTestComponents.map((c) => [c, Type.Optional(Result)]))) }),
      response: { 200: Type.Object({ status: Type.String(), passed: Type.Boolean(), components: Type.Array(Component) }) },
    },
  }, async (request) => runSelfTest(ctx, authenticatedTerminal(request).sn, request.body.results as Record<string, 'pass' | 'fail'>));

  app.get('/terminal/v1/messages', {
    config: { access: { terminal: true } },
    schema: {
      tags: terminalTags, summary: 'Device messages: notices and update prompts',
      response: { 200: Type.Object({ data: Type.Array(Message), hasMore: Type.Boolean(), nextCursor: Type.Null() }) },
    },
  }, async (request) => {
    const terminal = authenticatedTerminal(request);
    const data = await ctx.db.transaction().execute((trx) => terminalMessages(ctx, trx, terminal.id, ctx.clock.now(), { undeliveredOnly: false }));
    return { data, hasMore: false, nextCursor: null };
  });
}

export function activationRoutes(app: JihuoApp, ctx: AppContext): void {
  operatorAndMerchantRoutes(app, ctx);
  terminalRoutes(app, ctx);
}
