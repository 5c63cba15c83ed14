// Per-merchant business hours (SPEC §7 peak-hour protection): the quiet window in which a grace
// requirement may start blocking. Setting it reschedules the merchant's open grace cases.
import type { AppContext } from '../../platform/context.js';
import { actorOf, anyOperator, assertMerchantScope } from '../../platform/http/auth.js';
import { AnyObject, Strict, Type } from '../../platform/http/schema.js';
import type { JihuoApp } from '../../platform/module.js';
import { merchantNotFound } from '../merchants/merchant.service.js';
import { getBusinessHours, setBusinessHours } from './reactivation.schedule.js';

const Params = Strict({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const Clock = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM, Asia/Shanghai' });

export function registerBusinessHoursRoutes(app: JihuoApp, ctx: AppContext): void {
  app.get('/v1/merchants/:id/business-hours', {
    schema: {
      tags: ['reactivation'], summary: "The merchant's quiet window (Asia/Shanghai); business hours are the rest of the day",
      params: Params, response: { 200: AnyObject },
    },
    config: { access: { roles: [...anyOperator, 'merchant_owner', 'merchant_manager'] } },
  }, async (request) => {
    assertMerchantScope(actorOf(request), request.params.id, merchantNotFound(request.params.id));
    return getBusinessHours(ctx.db, request.params.id);
  });

  app.put('/v1/merchants/:id/business-hours', {
    schema: {
      tags: ['reactivation'], summary: 'Set the quiet window; open grace cases are rescheduled to its first start after their deadline',
      params: Params, body: Strict({ quietStart: Clock, quietEnd: Clock }), response: { 200: AnyObject },
    },
    config: { access: { roles: ['ops_admin', 'merchant_owner', 'merchant_manager'] } },
  }, async (request) => {
    const actor = actorOf(request);
    assertMerchantScope(actor, request.params.id, merchantNotFound(request.params.id));
    return ctx.db.transaction().execute((trx) => setBusinessHours(ctx, trx, {
      merchantId: request.params.id, quietStart: request.body.quietStart, quietEnd: request.body.quietEnd, actor,
    }));
  });
}
