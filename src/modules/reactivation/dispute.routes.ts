// Operators confirm a disputed case: genuine (the paused deadline resumes) or fraud (cancelled).
import { actorOf, anyOperator } from '../../platform/http/auth.js';
import { Strict, Type } from '../../platform/http/schema.js';
import type { AppContext } from '../../platform/context.js';
import type { JihuoApp } from '../../platform/module.js';
import { resolveDispute } from './dispute.service.js';
import { loadCaseView } from './reactivation.view.js';

export function registerDisputeRoutes(app: JihuoApp, ctx: AppContext): void {
  app.post('/v1/reactivations/:id/dispute/resolve', {
    schema: {
      tags: ['reactivation'], summary: 'Confirm a case the merchant reported as a possible scam: genuine or fraud',
      params: Strict({ id: Type.String() }),
      body: Strict({ decision: Type.Union([Type.Literal('genuine'), Type.Literal('fraud')]) }),
    },
    config: { access: { roles: anyOperator } },
  }, async (request) => {
    const actor = actorOf(request);
    return ctx.db.transaction().execute(async (trx) => {
      const row = await resolveDispute(ctx, trx, request.params.id, request.body.decision, actor);
      return loadCaseView(trx, row, actor);
    });
  });
}
