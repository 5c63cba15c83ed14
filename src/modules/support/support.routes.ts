// Support routes: tickets (portal and hotline), scam reports, announcements, the hotline view.
import { actorOf, anyMerchant, anyOperator, operatorsAndMerchants } from '../../platform/http/auth.js';
import { AppError, validationError } from '../../platform/http/errors.js';
import { IsoDateTime, Strict, Type } from '../../platform/http/schema.js';
import { newId } from '../../platform/ids.js';
import { maskPhone } from '../../platform/crypto/mask.js';
import type { AppContext } from '../../platform/context.js';
import type { JihuoApp } from '../../platform/module.js';
import { activationView } from '../activation/activation-portal.service.js';
import { merchantOrThrow } from '../merchants/merchant.service.js';
import { openCaseSummary } from '../reactivation/reactivation.hooks.js';
import { recentTerminalEvents } from '../terminals/terminal-query.service.js';
import { findTerminalById, findTerminalBySn } from '../terminals/terminal.service.js';
import { announcementView, announcementsForMerchant, maintenanceWarnings } from './announcement.service.js';
import { addTicketMessage, assignTicket, lockTicket, moveTicket, openTicket, ticketView } from './ticket.service.js';
import { reportScam } from './scam.service.js';

const tags = ['support'];
const categories = ['activation', 'reactivation', 'transaction', 'settlement', 'deposit', 'device', 'account', 'fraud', 'other'] as const;
const priorities = ['low', 'normal', 'high', 'urgent'] as const;
const statuses = ['open', 'pending_merchant', 'pending_ops', 'resolved', 'closed'] as const;
/** Events of the terminal shown beside a ticket, newest first. */
const ticketTimelineMax = 50;
const lit = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Localized = Strict({ zh: Type.String({ minLength: 1, maxLength: 2000 }), en: Type.String({ minLength: 1, maxLength: 2000 }) });

export function supportRoutes(app: JihuoApp, ctx: AppContext): void {
  app.post('/v1/tickets', {
    schema: {
      tags, summary: 'Open a support ticket (merchant portal, or an operator on a hotline call)',
      body: Strict({
        merchantId: Type.Optional(Type.String()), terminalSn: Type.Optional(Type.String()), category: lit(categories),
        priority: Type.Optional(lit(priorities)), subject: Type.String({ minLength: 1, maxLength: 200 }),
        body: Type.String({ minLength: 1, maxLength: 5000 }),
      }),
    },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const body = request.body;
    const merchantId = actor.merchantId ?? body.merchantId;
    if (!merchantId) throw validationError([{ field: 'merchantId', rule: 'required', message: 'operators name the merchant' }]);
    const row = await ctx.db.transaction().execute(async (trx) => {
      await merchantOrThrow(trx, merchantId);
      let terminalId: string | null = null;
      if (body.terminalSn) {
        const t = await findTerminalBySn(trx, body.terminalSn);
        if (!t || t.merchant_id !== merchantId) throw new AppError('terminal_not_found', `Terminal ${body.terminalSn} was not found`);
        terminalId = t.id;
      }
      return openTicket(ctx, trx, actor, {
        merchantId, terminalId, category: body.category, priority: body.priority ?? (body.category === 'fraud' ? 'urgent' : 'normal'),
        source: actor.merchantId ? 'portal' : 'hotline', subject: body.subject, body: body.body, fraud: body.category === 'fraud',
      });
    });
    return reply.status(201).send(ticketView(row, ctx.clock.now()));
  });

  app.get('/v1/tickets', {
    schema: {
      tags, summary: 'List tickets (operators: the queue; merchants: their own)',
      querystring: Strict({
        status: Type.Optional(lit(statuses)), priority: Type.Optional(lit(priorities)), merchantId: Type.Optional(Type.String()),
        fraud: Type.Optional(Type.Boolean()), slaBreached: Type.Optional(Type.Boolean()), assigneeId: Type.Optional(Type.String()),
      }),
    },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const actor = actorOf(request);
    const q = request.query;
    const now = ctx.clock.now();
    let query = ctx.db.selectFrom('tickets').selectAll().orderBy('sla_due_at').limit(200);
    const merchantId = actor.merchantId ?? q.merchantId;
    if (merchantId) query = query.where('merchant_id', '=', merchantId);
    if (q.status) query = query.where('status', '=', q.status);
    if (q.priority) query = query.where('priority', '=', q.priority);
    if (q.fraud !== undefined) query = query.where('fraud', '=', q.fraud);
    if (q.assigneeId) query = query.where('assignee_id', '=', q.assigneeId);
    if (q.slaBreached) query = query.where('sla_due_at', '<', now).where('status', 'not in', ['resolved', 'closed']);
    const rows = await query.execute();
    return { data: rows.map((r) => ticketView(r, now)), hasMore: false, nextCursor: null };
  });

  app.get('/v1/tickets/:id', {
    schema: { tags, summary: 'A ticket with its messages and, beside it, the terminal: timeline, re-activation, activation steps, last self-test', params: Strict({ id: Type.String() }) },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const actor = actorOf(request);
    const row = await lockTicket(ctx.db, request.params.id, actor);
    let messages = ctx.db.selectFrom('ticket_messages').selectAll().where('ticket_id', '=', row.id).orderBy('id');
    if (actor.merchantId !== null) messages = messages.where('visibility', '=', 'merchant');
    const timeline = row.terminal_id ? await recentTerminalEvents(ctx.db, row.terminal_id, ticketTimelineMax) : [];
    const terminal = row.terminal_id ? await findTerminalById(ctx.db, row.terminal_id) : undefined;
    // The six activation steps and the last self-test, from the activation module, while the
    // terminal still belongs to the ticket's merchant.
    const activation = terminal && terminal.merchant_id === row.merchant_id ? await activationView(ctx, { sn: terminal.sn, actor }) : null;
    return {
      ...ticketView(row, ctx.clock.now()),
      messages: (await messages.execute()).map((m) => ({ id: m.id, author: m.author_kind, visibility: m.visibility, body: m.body, createdAt: m.created_at.toISOString() })),
      terminal: terminal ? {
        sn: terminal.sn, status: terminal.status, modelCode: terminal.model_code, activatedAt: terminal.activated_at?.toISOString() ?? null,
        reactivation: row.terminal_id ? await openCaseSummary(ctx.db, row.terminal_id) : null,
        activation: activation ? {
          steps: activation.steps, progressPercent: activation.progressPercent, currentStep: activation.currentStep,
          lockedUntil: activation.lockedUntil,
        } : null,
        lastSelfTest: activation?.lastSelfTest ?? null,
        timeline: timeline.map((e) => ({ at: e.at, kind: e.kind, from: e.from, to: e.to, reason: e.reason, actor: e.actor.kind })),
      } : null,
    };
  });

  app.post('/v1/tickets/:id/messages', {
    schema: {
      tags, summary: 'Reply to a ticket (operators may add internal notes)', params: Strict({ id: Type.String() }),
      body: Strict({ body: Type.String({ minLength: 1, maxLength: 5000 }), internal: Type.Optional(Type.Boolean()) }),
    },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    await ctx.db.transaction().execute(async (trx) => {
      const ticket = await lockTicket(trx, request.params.id, actor);
      await addTicketMessage(ctx, trx, actor, ticket, { body: request.body.body, internal: request.body.internal ?? false });
    });
    return reply.status(201).send({ ok: true });
  });

  app.post('/v1/tickets/:id/status', {
    schema: { tags, summary: 'Move a ticket (resolve, close, reopen…)', params: Strict({ id: Type.String() }), body: Strict({ status: lit(statuses) }) },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const actor = actorOf(request);
    if (actor.merchantId !== null && !['closed', 'open'].includes(request.body.status)) {
      throw new AppError('forbidden', 'Merchants may only close or reopen their tickets');
    }
    const row = await ctx.db.transaction().execute(async (trx) => moveTicket(ctx, trx, await lockTicket(trx, request.params.id, actor), request.body.status, actor));
    return ticketView(row, ctx.clock.now());
  });

  app.post('/v1/tickets/:id/assign', {
    schema: { tags, summary: 'Assign or reassign a ticket to an operator user (ops_agent, ops_risk, ops_admin)', params: Strict({ id: Type.String() }), body: Strict({ assigneeId: Type.String({ minLength: 1, maxLength: 64 }) }) },
    config: { access: { roles: anyOperator } },
  }, async (request) => {
    const actor = actorOf(request);
    const row = await ctx.db.transaction().execute(async (trx) =>
      assignTicket(ctx, trx, actor, await lockTicket(trx, request.params.id, actor), request.body.assigneeId));
    return ticketView(row, ctx.clock.now());
  });

  app.post('/v1/scam-reports', {
    schema: {
      tags, summary: '"I did not expect this": report a suspected scam from a case or a message in one action',
      body: Strict({
        caseId: Type.Optional(Type.String()), noticeCode: Type.Optional(Type.String({ maxLength: 20 })),
        merchantId: Type.Optional(Type.String()), note: Type.Optional(Type.String({ maxLength: 2000 })),
      }),
    },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const result = await ctx.db.transaction().execute((trx) => reportScam(ctx, trx, actor, request.body));
    return reply.status(201).send(result);
  });

  app.post('/v1/announcements', {
    schema: {
      tags, summary: 'Draft an announcement (maintenance window, firmware or update notice)',
      body: Strict({
        kind: lit(['maintenance', 'firmware', 'update', 'general'] as const), title: Localized, body: Localized,
        startsAt: IsoDateTime(), endsAt: IsoDateTime(),
        filter: Type.Optional(Strict({ modelCodes: Type.Optional(Type.Array(Type.String())), cityCodes: Type.Optional(Type.Array(Type.String())), mccs: Type.Optional(Type.Array(Type.String())) })),
        channels: Type.Optional(Type.Array(lit(['portal', 'terminal', 'sms', 'email'] as const), { minItems: 1, uniqueItems: true })),
      }),
    },
    config: { access: { roles: ['ops_admin', 'ops_agent'] } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const b = request.body;
    const startsAt = new Date(b.startsAt);
    const endsAt = new Date(b.endsAt);
    if (endsAt <= startsAt) throw validationError([{ field: 'endsAt', rule: 'after_start', message: 'must be after startsAt' }]);
    const row = await ctx.db.transaction().execute(async (trx) => {
      const created = await trx.insertInto('announcements').values({
        id: newId('ann'), kind: b.kind, title_zh: b.title.zh, title_en: b.title.en, body_zh: b.body.zh, body_en: b.body.en,
        starts_at: startsAt, ends_at: endsAt, filter: JSON.stringify(b.filter ?? {}),
        channels: JSON.stringify(b.channels ?? ['portal', 'terminal']), published_at: null, created_by: actor.id, created_at: ctx.clock.now(),
      }).returningAll().executeTakeFirstOrThrow();
      await ctx.audit(trx, actor, { action: 'announcement.drafted', subjectType: 'announcement', subjectId: created.id });
      return created;
    });
    return reply.status(201).send({ ...announcementView(row), warnings: await maintenanceWarnings(ctx.db, row) });
  });

  app.post('/v1/announcements/:id/publish', {
    schema: {
      tags, summary: 'Publish an announcement; a maintenance window in business hours needs acknowledgeWarnings',
      params: Strict({ id: Type.String() }), body: Strict({ acknowledgeWarnings: Type.Optional(Type.Boolean()) }),
    },
    config: { access: { roles: ['ops_admin', 'ops_agent'] } },
  }, async (request) => {
    const actor = actorOf(request);
    const row = await ctx.db.transaction().execute(async (trx) => {
      const a = await trx.selectFrom('announcements').selectAll().where('id', '=', request.params.id).forUpdate().executeTakeFirst();
      if (!a) throw new AppError('not_found', `Announcement ${request.params.id} was not found`);
      if (a.status !== 'draft') throw new AppError('invalid_state', `Announcement is ${a.status}`, { currentStatus: a.status });
      const warnings = await maintenanceWarnings(trx, a);
      if (warnings.length > 0 && !request.body.acknowledgeWarnings) {
        throw new AppError('conflict', 'The announcement has warnings; publish again with acknowledgeWarnings: true', { warnings });
      }
      const published = await trx.updateTable('announcements').set({ status: 'published', published_at: ctx.clock.now() })
        .where('id', '=', a.id).returningAll().executeTakeFirstOrThrow();
      await ctx.audit(trx, actor, { action: 'announcement.published', subjectType: 'announcement', subjectId: a.id, details: { warnings } });
      return published;
    });
    return announcementView(row);
  });

  app.get('/v1/announcements', {
    schema: { tags, summary: 'Announcements: all for operators; the active ones addressed to a merchant for merchant users' },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const actor = actorOf(request);
    const now = ctx.clock.now();
    const rows = actor.merchantId
      ? await announcementsForMerchant(ctx.db, actor.merchantId, now)
      : await ctx.db.selectFrom('announcements').selectAll().orderBy('starts_at', 'desc').limit(200).execute();
    return { data: rows.map(announcementView), hasMore: false, nextCursor: null };
  });

  app.put('/v1/merchants/:merchantId/announcement-opt-ins', {
    schema: {
      tags, summary: 'Choose to receive announcements by SMS and/or email', params: Strict({ merchantId: Type.String() }),
      body: Strict({ channels: Type.Array(lit(['sms', 'email'] as const), { uniqueItems: true }) }),
    },
    config: { access: { roles: ['merchant_owner', 'merchant_manager', 'ops_admin', 'ops_agent'] } },
  }, async (request) => {
    const actor = actorOf(request);
    const { merchantId } = request.params;
    if (actor.merchantId !== null && actor.merchantId !== merchantId) throw new AppError('merchant_not_found', `Merchant ${merchantId} was not found`);
    await ctx.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('announcement_opt_ins').where('merchant_id', '=', merchantId).execute();
      for (const channel of request.body.channels) {
        await trx.insertInto('announcement_opt_ins').values({ merchant_id: merchantId, channel, created_at: ctx.clock.now() }).execute();
      }
    });
    return { channels: request.body.channels };
  });

  app.get('/v1/hotline/lookup', {
    schema: {
      tags, summary: 'Hotline view: merchant, terminals, open cases and tickets, found by the caller\'s phone, a terminal SN or a merchant id',
      querystring: Strict({
        phone: Type.Optional(Type.String({ pattern: '^1[3-9]\\d{9}$' })), sn: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        merchantId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      }),
    },
    config: { access: { roles: anyOperator } },
  }, async (request) => {
    const actor = actorOf(request);
    const { phone, sn, merchantId } = request.query;
    if ([phone, sn, merchantId].filter((v) => v !== undefined).length !== 1) {
      throw validationError([{ field: 'phone', rule: 'one_of', message: 'look up by exactly one of phone, sn or merchantId' }]);
    }
    let lookup = ctx.db.selectFrom('merchants').select(['merchants.id', 'merchants.mid', 'merchants.legal_name', 'merchants.status', 'merchants.phone', 'merchants.risk_level']);
    if (phone !== undefined) lookup = lookup.where('merchants.phone', '=', phone);
    if (merchantId !== undefined) lookup = lookup.where('merchants.id', '=', merchantId);
    if (sn !== undefined) lookup = lookup.innerJoin('terminals', 'terminals.merchant_id', 'merchants.id').where('terminals.sn', '=', sn.trim());
    const merchants = await lookup.execute();
    const now = ctx.clock.now();
    const result = [];
    for (const m of merchants) {
      const terminals = await ctx.db.selectFrom('terminals').select(['id', 'sn', 'status', 'model_code', 'activated_at', 'last_seen_at'])
        .where('merchant_id', '=', m.id).orderBy('sn').execute();
      const tickets = await ctx.db.selectFrom('tickets').selectAll().where('merchant_id', '=', m.id)
        .where('status', 'not in', ['closed']).orderBy('created_at', 'desc').limit(20).execute();
      result.push({
        merchant: { id: m.id, mid: m.mid, legalName: m.legal_name, status: m.status, phone: m.phone ? maskPhone(m.phone) : null, riskLevel: m.risk_level },
        terminals: await Promise.all(terminals.map(async (t) => ({
          sn: t.sn, status: t.status, modelCode: t.model_code, activatedAt: t.activated_at?.toISOString() ?? null,
          lastSeenAt: t.last_seen_at?.toISOString() ?? null, reactivation: await openCaseSummary(ctx.db, t.id),
        }))),
        openTickets: tickets.map((t) => ticketView(t, now)),
      });
    }
    await ctx.db.transaction().execute((trx) => ctx.audit(trx, actor, { action: 'hotline.lookup', details: { by: phone !== undefined ? 'phone' : sn !== undefined ? 'sn' : 'merchantId', matches: merchants.length } }));
    return { data: result };
  });

  void anyMerchant;
}
