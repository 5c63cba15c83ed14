// Ledger routes for operators (and merchants, for their own accounts): an account's balance
// derived from the entries, and the ledger invariant check.
import type { AppContext } from '../../platform/context.js';
import { actorOf, anyOperator, assertMerchantScope } from '../../platform/http/auth.js';
import { AppError } from '../../platform/http/errors.js';
import { Strict, Type } from '../../platform/http/schema.js';
import type { JihuoApp } from '../../platform/module.js';
import { accountBalanceView, verifyLedger } from './ledger.service.js';

const tags = ['ledger'];

export function ledgerRoutes(app: JihuoApp, ctx: AppContext): void {
  app.get('/v1/ledger/accounts/:code/balance', {
    schema: {
      tags, summary: 'Balance of a ledger account (debits minus credits, fen), derived from the journal lines',
      params: Strict({ code: Type.String({ maxLength: 200 }) }),
      response: {
        200: Type.Object({
          code: Type.String(), kind: Type.String(), name: Type.String(), merchantId: Type.Union([Type.String(), Type.Null()]),
          balance: Type.Integer(), debits: Type.Integer(), credits: Type.Integer(), lines: Type.Integer(),
        }),
      },
    },
    config: { access: { roles: [...anyOperator, 'merchant_owner'] } },
  }, async (request) => {
    const actor = actorOf(request);
    const missing = new AppError('ledger_account_not_found', `Ledger account ${request.params.code} was not found`);
    const view = await accountBalanceView(ctx.db, request.params.code);
    if (!view) throw missing;
    assertMerchantScope(actor, view.merchantId, missing);
    return {
      code: view.code, kind: view.kind, name: view.name, merchantId: view.merchantId, balance: view.balanceFen,
      debits: view.debitsFen, credits: view.creditsFen, lines: view.lines,
    };
  });

  app.get('/v1/ledger/verify', {
    schema: { tags, summary: 'Ledger invariant: every entry balances, none is empty, the ledger sums to zero' },
    config: { access: { roles: anyOperator } },
  }, async () => verifyLedger(ctx.db));
}
