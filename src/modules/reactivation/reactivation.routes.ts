// Re-activation endpoints (SPEC §7, Appendix A/B): operators open and cancel cases; merchants see
// their cases, confirm identity by SMS code, complete steps and pick the quiet window.
import type { AppContext } from '../../platform/context.js';
import { actorOf, anyOperator, assertMerchantScope, operatorsAndMerchants } from '../../platform/http/auth.js';
import { AppError } from '../../platform/http/errors.js';
import { decodeCursor, pageLimit, toPage } from '../../platform/http/pagination.js';
import { AnyObject, IsoDateTime, Page, PageQuery, Strict, Type } from '../../platform/http/schema.js';
import type { JihuoApp } from '../../platform/module.js';
import { findTerminalBySn } from '../terminals/terminal.service.js';
import { verifySupervisorPassword } from '../transactions/terminal-operator.service.js';
import { noteLengthMax } from './reactivation.config.js';
import { listCasesOfTerminal, listSteps } from './reactivation.repository.js';
import { scheduleEffect } from './reactivation.schedule.js';
import {
  cancelCase, caseOrThrow, caseStep, checkSmsCode, completeStep, openCase, sendSmsCode,
} from './reactivation.service.js';
import { caseView, loadCaseView } from './reactivation.view.js';

const Evidence = Type.Record(Type.String({ maxLength: 64 }), Type.Unknown());
const openers = ['ops_agent', 'ops_risk', 'ops_admin', 'integration'] as const;
const CaseParams = Strict({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export function registerReactivationRoutes(app: JihuoApp, ctx: AppContext): void {
  app.post('/v1/terminals/:sn/reactivations', {
    schema: {
      tags: ['reactivation'], summary: 'Open a re-activation case for a terminal (operators; §7 reasons)',
      params: Strict({ sn: Type.String({ minLength: 1, maxLength: 64 }) }),
      body: Strict({
        reason: Type.String({ minLength: 1, maxLength: 64 }),
        note: Type.Optional(Type.Union([Type.String({ maxLength: noteLengthMax }), Type.Null()])),
        deadline: Type.Optional(IsoDateTime()),
        evidence: Type.Optional(Strict({ merchantVisible: Type.Optional(Evidence), internal: Type.Optional(Evidence) })),
      }),
      response: { 201: AnyObject },
    },
    config: { access: { roles: openers, scope: 'reactivations:write' } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const { reason, note, deadline, evidence } = request.body;
    const view = await ctx.db.transaction().execute(async (trx) => {
      const row = await openCase(ctx, trx, {
        sn: request.params.sn, reason, note: note ?? null, actor, evidence: evidence ?? {},
        ...(deadline !== undefined ? { deadline: new Date(deadline) } : {}),
      });
      return loadCaseView(trx, row, actor);
    });
    return reply.code(201).send(view);
  });

  app.get('/v1/terminals/:sn/reactivations', {
    schema: {
      tags: ['reactivation'], summary: 'Re-activation cases of a terminal, newest first',
      params: Strict({ sn: Type.String({ minLength: 1, maxLength: 64 }) }), querystring: PageQuery,
      response: { 200: Page(AnyObject) },
    },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const actor = actorOf(request);
    const terminal = await findTerminalBySn(ctx.db, request.params.sn);
    const missing = new AppError('terminal_not_found', `Terminal ${request.params.sn} was not found`);
    if (!terminal) throw missing;
    assertMerchantScope(actor, terminal.merchant_id, missing);
    const limit = pageLimit(request.query.limit);
    const cursor = decodeCursor(request.query.cursor);
    const before = cursor ? { at: new Date(String(cursor[0])), id: String(cursor[1]) } : undefined;
    const rows = await listCasesOfTerminal(ctx.db, terminal.id, before, limit + 1);
    const steps = new Map(await Promise.all(rows.slice(0, limit).map(async (r) => [r.id, await listSteps(ctx.db, r.id)] as const)));
    return toPage(rows, limit, (r) => [r.created_at.toISOString(), r.id], (r) => caseView(r, steps.get(r.id) ?? [], terminal.sn, actor));
  });

  app.get('/v1/reactivations/:id', {
    schema: { tags: ['reactivation'], summary: 'One re-activation case: reason, evidence, steps, deadline', params: CaseParams, response: { 200: AnyObject } },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const actor = actorOf(request);
    return loadCaseView(ctx.db, await caseOrThrow(ctx.db, request.params.id, actor), actor);
  });

  app.post('/v1/reactivations/:id/steps/confirm_identity_sms/send-code', {
    schema: { tags: ['reactivation'], summary: 'Send a one-time code to the registered phone', params: CaseParams, response: { 200: AnyObject } },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const actor = actorOf(request);
    const { expiresAt } = await ctx.db.transaction().execute((trx) => sendSmsCode(ctx, trx, request.params.id, actor));
    return { sent: true, channel: 'sms', expiresAt: expiresAt.toISOString() };
  });

  app.post('/v1/reactivations/:id/steps/:kind/complete', {
    schema: {
      tags: ['reactivation'], summary: 'Complete one step of a case (data on file is reused)',
      params: Strict({ id: Type.String({ minLength: 1, maxLength: 64 }), kind: Type.String({ minLength: 1, maxLength: 64 }) }),
      body: Type.Optional(Strict({
        code: Type.Optional(Type.String({ pattern: '^\\d{4,8}$' })),
        transactionPassword: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
      })),
      response: { 200: AnyObject },
    },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const actor = actorOf(request);
    const body = request.body ?? {};
    const { id, kind } = request.params;
    // The case must be open and have the step before any secret is checked (no attempt spent).
    const { row: open, step } = await caseStep(ctx.db, { caseId: id, kind, actor });
    if (kind === 'confirm_identity_sms' && body.code !== undefined) await checkSmsCode(ctx, id, body.code, actor);
    if (kind === 'confirm_transaction_password' && step.status === 'pending') {
      // The platform holds the terminal's supervisor password (the PIN pad's transaction password
      // never leaves the device): it is checked, with its lockout, before the step transaction.
      await verifySupervisorPassword(ctx, { id: open.terminal_id, merchantId: open.merchant_id }, body.transactionPassword ?? '');
    }
    return ctx.db.transaction().execute(async (trx) => {
      const row = await completeStep(ctx, trx, { caseId: id, kind, actor, body });
      return loadCaseView(trx, row, actor);
    });
  });

  app.post('/v1/reactivations/:id/schedule', {
    schema: {
      tags: ['reactivation'], summary: 'Pick the quiet window, within the grace period, in which the step takes effect',
      params: CaseParams, body: Strict({ effectiveAt: IsoDateTime() }), response: { 200: AnyObject },
    },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const actor = actorOf(request);
    return ctx.db.transaction().execute(async (trx) => {
      const row = await scheduleEffect(ctx, trx, { caseId: request.params.id, effectiveAt: new Date(request.body.effectiveAt), actor });
      return loadCaseView(trx, row, actor);
    });
  });

  app.post('/v1/reactivations/:id/cancel', {
    schema: {
      tags: ['reactivation'], summary: 'Cancel a case (operators); a blocked terminal is restored',
      params: CaseParams, body: Type.Optional(Strict({ note: Type.Optional(Type.String({ maxLength: noteLengthMax })) })),
      response: { 200: AnyObject },
    },
    config: { access: { roles: anyOperator } },
  }, async (request) => {
    const actor = actorOf(request);
    return ctx.db.transaction().execute(async (trx) => {
      const row = await caseOrThrow(trx, request.params.id, actor, true);
      const closed = await cancelCase(ctx, trx, row, actor, request.body?.note ?? null);
      return loadCaseView(trx, closed, actor);
    });
  });
}
