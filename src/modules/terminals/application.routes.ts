// Application, shipping and delivery routes (SPEC §4): merchants apply, operators review and
// ship, merchants (or the carrier's callback) confirm delivery.
import type { AppContext } from '../../platform/context.js';
import { actorOf, anyOperator, operatorsAndMerchants } from '../../platform/http/auth.js';
import { validationError } from '../../platform/http/errors.js';
import { PageQuery, Strict, Type } from '../../platform/http/schema.js';
import type { JihuoApp } from '../../platform/module.js';
import {
  applicationQuantityMax, applicationView, confirmDelivery, listApplications, createApplication, lockApplication, lockShipment,
  prefilledAddress, reviewApplication, shipApplication, shipmentSns, shipmentView, withShipments,
} from './application.service.js';
import { applicationStatuses } from './application.state.js';

const tags = ['terminals'];
const lit = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const AddressBody = Strict({
  recipient: Type.Optional(Text(100)), phone: Type.Optional(Text(30)), province: Type.Optional(Text(50)),
  city: Type.Optional(Text(50)), cityCode: Type.Optional(Text(12)), district: Type.Optional(Text(50)), line: Type.Optional(Text(200)),
});
const IdParams = Strict({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export function applicationRoutes(app: JihuoApp, ctx: AppContext): void {
  app.get('/v1/terminal-applications/prefill', {
    schema: { tags, summary: 'The shipping address an application starts from (the merchant\'s registered address)', querystring: Strict({ merchantId: Type.Optional(Type.String()) }) },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const actor = actorOf(request);
    const merchantId = actor.merchantId ?? request.query.merchantId;
    if (!merchantId) throw validationError([{ field: 'merchantId', rule: 'required', message: 'operators name the merchant' }]);
    return { merchantId, shippingAddress: await prefilledAddress(ctx.db, merchantId) };
  });

  app.post('/v1/terminal-applications', {
    schema: {
      tags, summary: 'Apply for terminals (model, quantity; the shipping address is pre-filled from the merchant)',
      body: Strict({
        merchantId: Type.Optional(Type.String()), modelCode: Type.String({ minLength: 1 }),
        quantity: Type.Integer({ minimum: 1, maximum: applicationQuantityMax }),
        shippingAddress: Type.Optional(AddressBody), note: Type.Optional(Type.String({ maxLength: 1000 })),
      }),
    },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const merchantId = actor.merchantId ?? request.body.merchantId;
    if (!merchantId) throw validationError([{ field: 'merchantId', rule: 'required', message: 'operators name the merchant' }]);
    const row = await ctx.db.transaction().execute((trx) => createApplication(ctx, trx, actor, {
      merchantId, modelCode: request.body.modelCode, quantity: request.body.quantity,
      shippingAddress: request.body.shippingAddress, note: request.body.note ?? null,
    }));
    return reply.status(201).send(applicationView(row));
  });

  app.get('/v1/terminal-applications', {
    schema: {
      tags, summary: 'List applications with their shipments (operators: all; merchants: their own)',
      querystring: Strict({ ...PageQuery.properties, status: Type.Optional(lit(applicationStatuses)), merchantId: Type.Optional(Type.String()) }),
    },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const actor = actorOf(request);
    const { limit, cursor, status, merchantId } = request.query;
    const page = await listApplications(ctx.db, { merchantId: actor.merchantId ?? merchantId, status }, { limit, cursor });
    return { ...page, data: await withShipments(ctx.db, page.data) };
  });

  app.get('/v1/terminal-applications/:id', {
    schema: { tags, summary: 'An application', params: IdParams },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => (await withShipments(ctx.db, [applicationView(await lockApplication(ctx.db, request.params.id, actorOf(request)))]))[0]);

  app.post('/v1/terminal-applications/:id/review', {
    schema: {
      tags, summary: 'Approve or reject an application', params: IdParams,
      body: Strict({ decision: lit(['approve', 'reject'] as const), note: Type.Optional(Type.String({ maxLength: 1000 })) }),
    },
    config: { access: { roles: anyOperator } },
  }, async (request) => {
    const actor = actorOf(request);
    const row = await ctx.db.transaction().execute((trx) => reviewApplication(ctx, trx, actor, {
      id: request.params.id, decision: request.body.decision, note: request.body.note ?? null,
    }));
    return applicationView(row);
  });

  app.post('/v1/terminal-applications/:id/ship', {
    schema: {
      tags, summary: 'Ship an approved application: allocate SNs from stock, record carrier and tracking number', params: IdParams,
      body: Strict({ carrier: Text(50), trackingNumber: Type.String({ pattern: '^[A-Za-z0-9-]{4,40}$' }) }),
    },
    config: { access: { roles: anyOperator } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const result = await ctx.db.transaction().execute((trx) => shipApplication(ctx, trx, actor, {
      id: request.params.id, carrier: request.body.carrier, trackingNumber: request.body.trackingNumber,
    }));
    return reply.status(201).send({ application: applicationView(result.application), shipment: shipmentView(result.shipment, result.sns) });
  });

  app.get('/v1/shipments/:id', {
    schema: { tags, summary: 'A shipment with its SNs', params: IdParams },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const row = await lockShipment(ctx.db, { id: request.params.id }, actorOf(request));
    return shipmentView(row, await shipmentSns(ctx.db, row.id));
  });

  app.post('/v1/shipments/:id/confirm-delivery', {
    schema: { tags, summary: 'Confirm a shipment arrived (merchant, or an operator on its behalf)', params: IdParams },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const actor = actorOf(request);
    const row = await ctx.db.transaction().execute(async (trx) => {
      const shipment = await lockShipment(trx, { id: request.params.id }, actor);
      return confirmDelivery(ctx, trx, actor, shipment, actor.merchantId !== null ? 'merchant' : 'operator');
    });
    return shipmentView(row, await shipmentSns(ctx.db, row.id));
  });

  app.post('/v1/shipments/carrier-callback', {
    schema: {
      tags, summary: 'Carrier callback: a parcel was delivered',
      body: Strict({ carrier: Text(50), trackingNumber: Text(40), status: lit(['delivered'] as const) }),
    },
    config: { access: { roles: ['integration', 'ops_admin'], scope: 'shipments:write' } },
  }, async (request) => {
    const actor = actorOf(request);
    const row = await ctx.db.transaction().execute(async (trx) => {
      const shipment = await lockShipment(trx, { carrier: request.body.carrier, trackingNumber: request.body.trackingNumber }, actor);
      return confirmDelivery(ctx, trx, actor, shipment, 'carrier');
    });
    return shipmentView(row, await shipmentSns(ctx.db, row.id));
  });
}
