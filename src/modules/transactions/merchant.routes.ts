// Merchant-side transaction endpoints (/v1): lists with filters and cursor pagination, one
// transaction, daily totals by method; terminal operators, supervisor password, training mode.
// Merchant roles see only their own merchant (another merchant's resource answers 404).
import type { Selectable } from 'kysely';
import type { Actor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import { actorOf, anyOperator, assertMerchantScope, operatorsAndMerchants } from '../../platform/http/auth.js';
import { AppError, validationError } from '../../platform/http/errors.js';
import { decodeCursor, pageLimit, toPage } from '../../platform/http/pagination.js';
import { AnyObject, IsoDate, Page, PageQuery, Strict, Type } from '../../platform/http/schema.js';
import type { JihuoApp } from '../../platform/module.js';
import { appendTerminalEvent, findTerminalBySn, type TerminalRow } from '../terminals/terminal.service.js';
import { addOperator, changeOperatorPin, listOperators, removeOperator, setSupervisorPassword } from './terminal-operator.service.js';
import { dailyTotals, findTransaction, listTransactions, type TransactionFilter } from './transaction.repository.js';
import type { TransactionTable } from './transaction.table.js';
import { Method } from './transactions.routes.js';

const dailyTotalsDaysMax = 93;
const terminalManagers = ['merchant_owner', 'merchant_manager', ...anyOperator] as const;

type ListedRow = Selectable<TransactionTable> & { terminal_sn: string; settled_date: string | null };

export function transactionView(row: ListedRow) {
  return {
    id: row.id, kind: row.kind, originalId: row.original_id, status: row.status, declineCode: row.decline_code,
    method: row.method, amount: row.amount_fen, fee: row.fee_fen, net: row.net_fen, rate: row.rate_ppm, cap: row.cap_fen,
    rule: row.fee_rule_kind ? { kind: row.fee_rule_kind, id: row.fee_rule_id } : null,
    card: row.card_bin ? { bin: row.card_bin, last4: row.card_last4 } : null,
    operatorNo: row.operator_no, training: row.training, refunded: row.refunded_fen,
    voidedAt: row.voided_at?.toISOString() ?? null, occurredAt: row.occurred_at.toISOString(),
    businessDate: row.business_date, settledDate: row.settled_date,
    merchantId: row.merchant_id, terminalId: row.terminal_id, terminalSn: row.terminal_sn,
  };
}

const ListQuery = Strict({
  ...PageQuery.properties,
  merchantId: Type.Optional(Type.String({ maxLength: 64 })),
  from: Type.Optional(IsoDate()), to: Type.Optional(IsoDate()),
  method: Type.Optional(Method),
  status: Type.Optional(Type.Union([Type.Literal('approved'), Type.Literal('declined')])),
  kind: Type.Optional(Type.Union([Type.Literal('sale'), Type.Literal('void'), Type.Literal('refund')])),
  terminal: Type.Optional(Type.String({ maxLength: 64, description: 'Terminal SN' })),
  training: Type.Optional(Type.Boolean()),
});
type ListQueryType = { limit?: number; cursor?: string; merchantId?: string; from?: string; to?: string; method?: TransactionFilter['method']; status?: TransactionFilter['status']; kind?: TransactionFilter['kind']; terminal?: string; training?: boolean };

function merchantNotFound(id: string | null): AppError {
  return new AppError('merchant_not_found', `Merchant ${id ?? ''} was not found`);
}

async function listFor(ctx: AppContext, merchantId: string | null, query: ListQueryType) {
  const limit = pageLimit(query.limit);
  const cursor = decodeCursor(query.cursor) as [string, string] | undefined;
  const rows = await listTransactions(ctx.db, {
    merchantId, from: query.from, to: query.to, method: query.method, status: query.status, kind: query.kind,
    terminalSn: query.terminal, training: query.training,
  }, cursor, limit + 1);
  return toPage(rows, limit, (r) => [r.occurred_at.toISOString(), r.id], transactionView);
}

/** The terminal a caller may manage: merchant-side callers only their own merchant's, else 404. */
async function managedTerminal(ctx: AppContext, actor: Actor, sn: string): Promise<TerminalRow & { merchant_id: string }> {
  const terminal = await findTerminalBySn(ctx.db, sn);
  const notFound = new AppError('terminal_not_found', `Terminal ${sn} was not found`);
  if (!terminal) throw notFound;
  assertMerchantScope(actor, terminal.merchant_id, notFound);
  if (terminal.merchant_id === null) throw new AppError('invalid_state', `Terminal ${sn} is not assigned to a merchant`, { status: terminal.status });
  return terminal as TerminalRow & { merchant_id: string };
}

export function registerMerchantTransactionRoutes(app: JihuoApp, ctx: AppContext): void {
  app.get('/v1/merchants/:id/transactions', {
    schema: { tags: ['transactions'], summary: "A merchant's transactions, newest first, with filters", params: Strict({ id: Type.String() }), querystring: ListQuery, response: { 200: Page(AnyObject) } },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    assertMerchantScope(actorOf(request), request.params.id, merchantNotFound(request.params.id));
    return listFor(ctx, request.params.id, request.query);
  });

  app.get('/v1/transactions', {
    schema: { tags: ['transactions'], summary: 'Transactions, newest first (merchant-side callers: their own only)', querystring: ListQuery, response: { 200: Page(AnyObject) } },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const actor = actorOf(request);
    const merchantId = actor.merchantId ?? request.query.merchantId ?? null;
    if (request.query.merchantId !== undefined) assertMerchantScope(actor, request.query.merchantId, merchantNotFound(request.query.merchantId));
    return listFor(ctx, merchantId, request.query);
  });

  app.get('/v1/transactions/:id', {
    schema: { tags: ['transactions'], summary: 'One transaction with its fee rule', params: Strict({ id: Type.String() }), response: { 200: AnyObject } },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const notFound = new AppError('transaction_not_found', `Transaction ${request.params.id} was not found`);
    const row = await findTransaction(ctx.db, request.params.id);
    if (!row) throw notFound;
    assertMerchantScope(actorOf(request), row.merchant_id, notFound);
    return transactionView(row);
  });

  app.get('/v1/merchants/:id/transactions/daily-totals', {
    schema: {
      tags: ['transactions'], summary: 'Daily totals by method (approved, non-training): gross, fees, voids, refunds, net',
      params: Strict({ id: Type.String() }), querystring: Strict({ from: IsoDate(), to: IsoDate() }), response: { 200: AnyObject },
    },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const { id } = request.params;
    assertMerchantScope(actorOf(request), id, merchantNotFound(id));
    const { from, to } = request.query;
    const days = (Date.parse(to) - Date.parse(from)) / 86_400_000;
    if (!(days >= 0 && days < dailyTotalsDaysMax)) {
      throw validationError([{ field: 'to', rule: 'range', message: `from ≤ to, at most ${dailyTotalsDaysMax} days` }]);
    }
    const data = await dailyTotals(ctx.db, id, from, to);
    return { merchantId: id, from, to, data, hasMore: false, nextCursor: null };
  });

  registerTerminalSettingsRoutes(app, ctx);
}

function registerTerminalSettingsRoutes(app: JihuoApp, ctx: AppContext): void {
  const Sn = Strict({ sn: Type.String({ minLength: 1, maxLength: 64 }) });
  const Pin = Type.String({ pattern: '^\\d{4,6}$', description: '4–6 digits' });
  const SupervisorPassword = Type.String({ pattern: '^\\d{6,12}$', description: '6–12 digits' });

  app.put('/v1/terminals/:sn/supervisor-password', {
    schema: {
      tags: ['terminals'], summary: "Set the terminal's supervisor password (voids and refunds); clears a lockout",
      params: Sn, body: Strict({ password: Type.Optional(SupervisorPassword), supervisorPassword: Type.Optional(SupervisorPassword) }), response: { 200: AnyObject },
    },
    config: { access: { roles: terminalManagers } },
  }, async (request) => {
    const actor = actorOf(request);
    const password = request.body.password ?? request.body.supervisorPassword;
    if (password === undefined) throw validationError([{ field: 'password', rule: 'required', message: 'send the new password' }]);
    const terminal = await managedTerminal(ctx, actor, request.params.sn);
    await ctx.db.transaction().execute(async (trx) => {
      const at = ctx.clock.now();
      await setSupervisorPassword(trx, { terminalId: terminal.id, merchantId: terminal.merchant_id, password, at });
      await appendTerminalEvent(trx, { terminal, at, kind: 'supervisor_password_set', actor });
      await ctx.audit(trx, actor, { action: 'terminal.supervisor_password_set', subjectType: 'terminal', subjectId: terminal.id, merchantId: terminal.merchant_id, requestId: request.id });
    });
    return { sn: terminal.sn, supervisorPasswordSet: true };
  });

  app.get('/v1/terminals/:sn/operators', {
    schema: { tags: ['terminals'], summary: "The terminal's operators (numbers and names, never PINs)", params: Sn, response: { 200: Page(AnyObject) } },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const terminal = await managedTerminal(ctx, actorOf(request), request.params.sn);
    return { data: await listOperators(ctx.db, terminal.id), hasMore: false, nextCursor: null };
  });

  app.post('/v1/terminals/:sn/operators', {
    schema: {
      tags: ['terminals'], summary: 'Add a terminal operator with a PIN',
      params: Sn, body: Strict({ operatorNo: Type.String({ pattern: '^[A-Za-z0-9]{1,8}$' }), name: Type.Optional(Type.String({ maxLength: 64 })), pin: Pin }),
      response: { 201: AnyObject },
    },
    config: { access: { roles: terminalManagers } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const terminal = await managedTerminal(ctx, actor, request.params.sn);
    const operator = await ctx.db.transaction().execute(async (trx) => {
      const at = ctx.clock.now();
      const created = await addOperator(trx, { terminalId: terminal.id, merchantId: terminal.merchant_id, operatorNo: request.body.operatorNo, name: request.body.name ?? null, pin: request.body.pin, at });
      await ctx.audit(trx, actor, { action: 'terminal.operator_added', subjectType: 'terminal', subjectId: terminal.id, merchantId: terminal.merchant_id, requestId: request.id, details: { operatorNo: created.operatorNo } });
      return created;
    });
    return reply.status(201).send(operator);
  });

  app.put('/v1/terminals/:sn/operators/:operatorNo', {
    schema: {
      tags: ['terminals'], summary: "Change an operator's PIN (clears its lockout)",
      params: Strict({ sn: Type.String({ minLength: 1, maxLength: 64 }), operatorNo: Type.String({ maxLength: 8 }) }), body: Strict({ pin: Pin }),
      response: { 200: AnyObject },
    },
    config: { access: { roles: terminalManagers } },
  }, async (request) => {
    const actor = actorOf(request);
    const terminal = await managedTerminal(ctx, actor, request.params.sn);
    await ctx.db.transaction().execute(async (trx) => {
      const changed = await changeOperatorPin(trx, { terminalId: terminal.id, operatorNo: request.params.operatorNo, pin: request.body.pin, at: ctx.clock.now() });
      if (!changed) throw new AppError('not_found', `Operator ${request.params.operatorNo} was not found`);
      await ctx.audit(trx, actor, { action: 'terminal.operator_pin_changed', subjectType: 'terminal', subjectId: terminal.id, merchantId: terminal.merchant_id, requestId: request.id, details: { operatorNo: request.params.operatorNo } });
    });
    return { operatorNo: request.params.operatorNo, pinChanged: true };
  });

  app.delete('/v1/terminals/:sn/operators/:operatorNo', {
    schema: {
      tags: ['terminals'], summary: 'Remove a terminal operator',
      params: Strict({ sn: Type.String({ minLength: 1, maxLength: 64 }), operatorNo: Type.String({ maxLength: 8 }) }), response: { 200: AnyObject },
    },
    config: { access: { roles: terminalManagers } },
  }, async (request) => {
    const actor = actorOf(request);
    const terminal = await managedTerminal(ctx, actor, request.params.sn);
    await ctx.db.transaction().execute(async (trx) => {
      if (!(await removeOperator(trx, terminal.id, request.params.operatorNo))) throw new AppError('not_found', `Operator ${request.params.operatorNo} was not found`);
      await ctx.audit(trx, actor, { action: 'terminal.operator_removed', subjectType: 'terminal', subjectId: terminal.id, merchantId: terminal.merchant_id, requestId: request.id, details: { operatorNo: request.params.operatorNo } });
    });
    return { operatorNo: request.params.operatorNo, removed: true };
  });

  app.put('/v1/terminals/:sn/training-mode', {
    schema: {
      tags: ['terminals'], summary: 'Turn training mode on or off: training transactions are marked, unpriced, never settled or counted',
      params: Sn, body: Strict({ enabled: Type.Optional(Type.Boolean()), trainingMode: Type.Optional(Type.Boolean()) }), response: { 200: AnyObject },
    },
    config: { access: { roles: terminalManagers } },
  }, async (request) => {
    const actor = actorOf(request);
    const enabled = request.body.enabled ?? request.body.trainingMode;
    if (enabled === undefined) throw validationError([{ field: 'enabled', rule: 'required', message: 'send enabled: true or false' }]);
    const terminal = await managedTerminal(ctx, actor, request.params.sn);
    await ctx.db.transaction().execute(async (trx) => {
      const at = ctx.clock.now();
      await trx.updateTable('terminals').set({ training_mode: enabled, updated_at: at }).where('id', '=', terminal.id).execute();
      await appendTerminalEvent(trx, { terminal, at, kind: enabled ? 'training_mode_on' : 'training_mode_off', actor });
      await ctx.audit(trx, actor, { action: 'terminal.training_mode_set', subjectType: 'terminal', subjectId: terminal.id, merchantId: terminal.merchant_id, requestId: request.id, details: { enabled } });
    });
    return { sn: terminal.sn, trainingMode: enabled };
  });
}
