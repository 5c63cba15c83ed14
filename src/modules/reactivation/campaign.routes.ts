// Campaign endpoints (SPEC §7): dry-run count and sample, audited start at a bounded rate,
// pause/resume/cancel, progress. Operators only.
import type { AppContext } from '../../platform/context.js';
import { actorOf, anyOperator } from '../../platform/http/auth.js';
import { AppError } from '../../platform/http/errors.js';
import { AnyObject, IsoDateTime, Strict, Type } from '../../platform/http/schema.js';
import type { JihuoApp } from '../../platform/module.js';
import { campaignRatePerHourMax, noteLengthMax } from './reactivation.config.js';
import { campaignView, changeCampaign, dryRun, startCampaign } from './campaign.service.js';

const Codes = (pattern: string) => Type.Optional(Type.Array(Type.String({ pattern }), { maxItems: 1_000 }));
const Filter = Strict({
  modelCodes: Codes('^[A-Za-z0-9_-]{1,64}$'),
  firmwareFrom: Type.Optional(Type.String({ maxLength: 64 })),
  firmwareBelow: Type.Optional(Type.String({ maxLength: 64 })),
  cityCodes: Codes('^\\d{6}$'),
  riskLevels: Type.Optional(Type.Array(Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]), { maxItems: 3 })),
  mccs: Codes('^\\d{4}$'),
  activatedBefore: Type.Optional(IsoDateTime()),
  activatedAfter: Type.Optional(IsoDateTime()),
});
const writers = ['ops_admin', 'ops_risk'] as const;
const IdParams = Strict({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export function registerCampaignRoutes(app: JihuoApp, ctx: AppContext): void {
  app.post('/v1/reactivation-campaigns/dry-run', {
    schema: { tags: ['reactivation'], summary: 'Count and sample the terminals a campaign filter targets', body: Strict({ filter: Filter, reason: Type.Optional(Type.String()) }), response: { 200: AnyObject } },
    config: { access: { roles: anyOperator } },
  }, async (request) => dryRun(ctx.db, request.body.filter));

  app.post('/v1/reactivation-campaigns', {
    schema: {
      tags: ['reactivation'], summary: 'Start a re-activation campaign at a bounded rate (cases per hour)',
      body: Strict({
        name: Type.String({ minLength: 1, maxLength: 200 }), reason: Type.String({ minLength: 1, maxLength: 64 }),
        note: Type.Optional(Type.String({ maxLength: noteLengthMax })), filter: Filter,
        ratePerHour: Type.Integer({ minimum: 1, maximum: campaignRatePerHourMax }),
      }),
      response: { 201: AnyObject },
    },
    config: { access: { roles: writers } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const { name, reason, note, filter, ratePerHour } = request.body;
    const row = await ctx.db.transaction().execute((trx) => startCampaign(ctx, trx, { name, reason, note: note ?? null, filter, ratePerHour, actor }));
    return reply.code(201).send(campaignView(row));
  });

  app.get('/v1/reactivation-campaigns/:id', {
    schema: { tags: ['reactivation'], summary: 'Campaign progress', params: IdParams, response: { 200: AnyObject } },
    config: { access: { roles: anyOperator } },
  }, async (request) => {
    const row = await ctx.db.selectFrom('reactivation_campaigns').selectAll().where('id', '=', request.params.id).executeTakeFirst();
    if (!row) throw new AppError('reactivation_campaign_not_found', `Campaign ${request.params.id} was not found`);
    return campaignView(row);
  });

  for (const action of ['pause', 'resume', 'cancel'] as const) {
    app.post(`/v1/reactivation-campaigns/:id/${action}`, {
      schema: { tags: ['reactivation'], summary: `${action[0]!.toUpperCase()}${action.slice(1)} a campaign`, params: IdParams, response: { 200: AnyObject } },
      config: { access: { roles: writers } },
    }, async (request) => {
      const actor = actorOf(request);
      const row = await ctx.db.transaction().execute((trx) => changeCampaign(ctx, trx, request.params.id, action, actor));
      return campaignView(row);
    });
  }
}
