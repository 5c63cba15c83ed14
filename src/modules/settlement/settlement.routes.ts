// Settlement routes: run a day (operators), statements per merchant as JSON (a bare array of the
// Appendix A fields; `?details=true` adds the lines after net: deposit refunds, carried refund
// shortfall, payout) and CSV (every column). A merchant-side user sees only its own merchant (404 for others).
import { stringify } from 'csv-stringify/sync';
import type { AppContext } from '../../platform/context.js';
import { actorOf, anyOperator, assertMerchantScope } from '../../platform/http/auth.js';
import { AppError } from '../../platform/http/errors.js';
import { IsoDate, Strict, Type } from '../../platform/http/schema.js';
import type { JihuoApp } from '../../platform/module.js';
import type { Role } from '../../platform/actor.js';
import {
  merchantStatements, runSettlement, statementCsvColumns, statementDetails, statementView, type StatementQuery,
} from './settlement.service.js';
import type { SettlementStatementTable } from './settlement.table.js';

const tags = ['settlement'];
/** Who may read statements and deposits: operators, and the merchant's owner and managers. */
export const statementReaders: readonly Role[] = [...anyOperator, 'merchant_owner', 'merchant_manager'];

export const StatementBody = Type.Object({
  date: Type.String(), gross: Type.Integer(), fees: Type.Integer(), voids: Type.Integer(), refunds: Type.Integer(),
  depositDeduction: Type.Integer(), net: Type.Integer(),
});
const StatementsQuery = Strict({
  date: Type.Optional(IsoDate()), from: Type.Optional(IsoDate()), to: Type.Optional(IsoDate()),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
  details: Type.Optional(Type.Boolean({ description: 'Add depositRefund, shortfallCarriedIn, shortfallDeduction, shortfallCarried and payout' })),
});
const SettlementResultBody = Type.Object({
  date: Type.String(), runId: Type.String(), merchants: Type.Integer(), transactions: Type.Integer(), gross: Type.Integer(),
  net: Type.Integer(), completedAt: Type.String(), alreadySettled: Type.Boolean(),
});

function statementsCsv(rows: SettlementStatementTable[]): string {
  return stringify(rows.map((r) => [
    r.merchant_id, r.date, r.sale_count, r.gross_fen, r.fees_fen, r.voids_fen, r.refunds_fen, r.deposit_deduction_fen,
    r.net_fen, r.deposit_refund_fen, r.payout_fen, r.shortfall_carried_in_fen, r.shortfall_deduction_fen, r.shortfall_carried_fen,
  ]), { header: true, columns: [...statementCsvColumns] });
}

export function settlementRoutes(app: JihuoApp, ctx: AppContext): void {
  app.post('/v1/settlements/run', {
    schema: {
      tags, summary: 'Settle one day (T+1, Asia/Shanghai) for every merchant; running a day again changes nothing',
      body: Strict({ date: IsoDate() }), response: { 200: SettlementResultBody },
    },
    config: { access: { roles: ['ops_admin', 'integration'], scope: 'settlements:run' } },
  }, async (request) => runSettlement(ctx, request.body.date, { actor: actorOf(request) }));

  async function loadStatements(merchantIdParam: string, query: StatementQuery, actor: ReturnType<typeof actorOf>) {
    const missing = new AppError('merchant_not_found', `Merchant ${merchantIdParam} was not found`);
    assertMerchantScope(actor, merchantIdParam, missing);
    const merchant = await ctx.db.selectFrom('merchants').select('id').where('id', '=', merchantIdParam).executeTakeFirst();
    if (!merchant) throw missing;
    return merchantStatements(ctx.db, merchant.id, query);
  }

  app.get('/v1/merchants/:id/settlements', {
    schema: {
      tags, summary: 'Settlement statements of a merchant (bare array; ?format=csv for CSV)',
      params: Strict({ id: Type.String() }), querystring: StatementsQuery,
    },
    config: { access: { roles: statementReaders } },
  }, async (request, reply) => {
    const rows = await loadStatements(request.params.id, request.query, actorOf(request));
    if (request.query.format === 'csv') return sendCsv(reply as unknown as CsvReply, request.params.id, request.query, rows);
    return rows.map(request.query.details ? statementDetails : statementView);
  });

  app.get('/v1/merchants/:id/settlements.csv', {
    schema: {
      tags, summary: 'Settlement statements of a merchant as CSV (amounts in fen)',
      params: Strict({ id: Type.String() }), querystring: StatementsQuery,
    },
    config: { access: { roles: statementReaders } },
  }, async (request, reply) => {
    const rows = await loadStatements(request.params.id, request.query, actorOf(request));
    return sendCsv(reply as unknown as CsvReply, request.params.id, request.query, rows);
  });
}

interface CsvReply { header(name: string, value: string): unknown; send(body: string): unknown }

function sendCsv(reply: CsvReply, merchantId: string,
  query: StatementQuery, rows: SettlementStatementTable[]) {
  const suffix = query.date ?? [query.from, query.to].filter(Boolean).join('_') ?? 'all';
  reply.header('content-type', 'text/csv; charset=utf-8');
  reply.header('content-disposition', `attachment; filename="settlements_${merchantId}_${suffix || 'all'}.csv"`);
  return reply.send(statementsCsv(rows));
}
