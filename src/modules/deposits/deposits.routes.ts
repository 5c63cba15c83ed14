// Deposit routes: one terminal's deposit (Appendix A) and a merchant's deposits (portal view).
// Reading brings a deposit up to date (created, refunded or forfeited as of the business clock).
import type { AppContext } from '../../platform/context.js';
import { actorOf, anyOperator, assertMerchantScope } from '../../platform/http/auth.js';
import { AppError } from '../../platform/http/errors.js';
import { Strict, Type } from '../../platform/http/schema.js';
import type { JihuoApp } from '../../platform/module.js';
import type { Role } from '../../platform/actor.js';
import { merchantDeposits, terminalDeposit } from './deposit.service.js';

const tags = ['deposits'];
const readers: readonly Role[] = [...anyOperator, 'merchant_owner', 'merchant_manager'];
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const DepositBody = Type.Object({
  id: Type.Union([Type.String(), Type.Null()]),
  sn: Type.String(),
  modelCode: Type.String(),
  amount: Type.Integer(),
  collected: Type.Integer(),
  status: Type.String({ enum: ['none', 'pending', 'held', 'refunded', 'forfeited'] }),
  volume: Type.Integer(),
  threshold: Type.Union([Type.Integer(), Type.Null()]),
  deadline: Nullable(Type.String()),
  daysLeft: Type.Union([Type.Integer(), Type.Null()]),
  activatedAt: Nullable(Type.String()),
  closedAt: Nullable(Type.String()),
  refunded: Type.Integer(),
  forfeited: Type.Integer(),
});

export function depositRoutes(app: JihuoApp, ctx: AppContext): void {
  app.get('/v1/terminals/:sn/deposit', {
    schema: {
      tags, summary: 'The deposit of a terminal: amount, collected, status, credit-card volume, threshold, deadline',
      params: Strict({ sn: Type.String() }),
    },
    config: { access: { roles: readers } },
  }, async (request) => {
    const actor = actorOf(request);
    const missing = new AppError('terminal_not_found', `Terminal ${request.params.sn} was not found`);
    const terminal = await ctx.db.selectFrom('terminals').select(['id', 'sn', 'model_code', 'merchant_id'])
      .where('sn', '=', request.params.sn).executeTakeFirst();
    if (!terminal) throw missing;
    assertMerchantScope(actor, terminal.merchant_id, missing);
    return ctx.db.transaction().execute((trx) => terminalDeposit(ctx, trx, terminal, ctx.clock.now()));
  });

  app.get('/v1/merchants/:id/deposits', {
    schema: {
      tags, summary: 'Deposits of a merchant with progress (volume so far, threshold, days left)',
      params: Strict({ id: Type.String() }),
    },
    config: { access: { roles: readers } },
  }, async (request) => {
    const actor = actorOf(request);
    const missing = new AppError('merchant_not_found', `Merchant ${request.params.id} was not found`);
    assertMerchantScope(actor, request.params.id, missing);
    const merchant = await ctx.db.selectFrom('merchants').select('id').where('id', '=', request.params.id).executeTakeFirst();
    if (!merchant) throw missing;
    const data = await ctx.db.transaction().execute((trx) => merchantDeposits(ctx, trx, merchant.id, ctx.clock.now()));
    return { data, hasMore: false, nextCursor: null };
  });
}
