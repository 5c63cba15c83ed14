// Transaction endpoints. Terminal side (signed, Appendix A/B): sale, void, refund, operator
// sign-in and sign-out; each money request carries `idempotencyKey` and is replayed byte for byte
// (a retry of a void or refund is answered from the stored response before the supervisor
// password is checked again, so a later password change or lockout cannot turn it into an error).
// Merchant side (/v1): transaction lists and daily totals, terminal operators, the supervisor
// password and training mode.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { GroupCommitter } from '../../platform/db/group-commit.js';
import type { Executor } from '../../platform/db/schema.js';
import { requestHash, runIdempotent, storedResponse, type StoredResponse } from '../../platform/http/idempotency.js';
import { AnyObject, Fen, Strict, Type } from '../../platform/http/schema.js';
import { newId } from '../../platform/ids.js';
import type { JihuoApp } from '../../platform/module.js';
import { authenticatedTerminal, type AuthenticatedTerminal } from '../../terminal-api/terminal-auth.js';
import { assertNoCardData } from './card-data.js';
import { endOperatorSession, signInOperator, verifySupervisorPassword } from './terminal-operator.service.js';
import { assertSaleInput, authorizeSale, refundSale, transactionMethods, voidSale, type SaleInput, type TransactionResult } from './transaction.service.js';

export const Method = Type.Union(transactionMethods.map((m) => Type.Literal(m)));
const IdempotencyKey = Type.String({ pattern: '^[A-Za-z0-9_\\-:.]{1,128}$', description: 'Unique per terminal; a retry returns the first result' });
const OperatorNo = Type.String({ pattern: '^[A-Za-z0-9]{1,8}$', description: 'Terminal operator number, e.g. "01"' });

const SaleBody = Strict({
  idempotencyKey: IdempotencyKey,
  method: Method,
  amount: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Amount in fen' }),
  operatorNo: Type.Optional(OperatorNo),
  card: Type.Optional(Strict({
    bin: Type.String({ pattern: '^\\d{6,8}$', description: 'First 6–8 digits' }),
    last4: Type.String({ pattern: '^\\d{4}$' }),
  }, { description: 'BIN and last four only: a full card number or track data is refused' })),
  location: Type.Optional(Strict({
    cityCode: Type.Optional(Type.String({ maxLength: 12 })),
    lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
    lng: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
  }, { description: 'Where the sale took place, as in hello; the location risk rule checks it against the registered city' })),
});

const ReversalBody = Strict({
  idempotencyKey: IdempotencyKey,
  supervisorPassword: Type.String({ minLength: 1, maxLength: 64 }),
  amount: Type.Optional(Fen({ minimum: 1 })),
  operatorNo: Type.Optional(OperatorNo),
});

const TransactionResponse = Type.Object({
  id: Type.String(), status: Type.Union([Type.Literal('approved'), Type.Literal('declined')]),
  amount: Type.Integer(), fee: Type.Integer(), net: Type.Integer(), declineCode: Type.Optional(Type.String()), helpSlug: Type.Optional(Type.String()), training: Type.Boolean(),
}, { additionalProperties: true });

/** Card data is refused before any other validation, so the answer names it (400 card_data_forbidden). */
async function refuseCardData(request: FastifyRequest): Promise<void> {
  assertNoCardData(request.body);
}

function terminalScope(terminal: AuthenticatedTerminal): string {
  return `terminal:${terminal.id}`;
}

function sendStored(reply: FastifyReply, response: StoredResponse, replayed: boolean): FastifyReply {
  reply.status(response.statusCode).header('content-type', 'application/json; charset=utf-8');
  if (replayed) reply.header('idempotent-replayed', 'true');
  return reply.send(response.body);
}

/** A money request of the terminal inside `trx`, answered 201 and recorded under its idempotency key. */
function idempotentIn(trx: Executor, terminal: AuthenticatedTerminal, key: string, hash: string,
  effect: (trx: Executor) => Promise<TransactionResult>): Promise<{ response: StoredResponse; replayed: boolean }> {
  return runIdempotent(trx, terminalScope(terminal), key, hash, async () => ({ statusCode: 201, body: JSON.stringify(await effect(trx)) }));
}

async function idempotent(ctx: AppContext, terminal: AuthenticatedTerminal, key: string, hashed: unknown,
  effect: (trx: Executor) => Promise<TransactionResult>): Promise<{ response: StoredResponse; replayed: boolean }> {
  return ctx.db.transaction().execute((trx) => idempotentIn(trx, terminal, key, requestHash(hashed), effect));
}

/**
 * Sales from many terminals commit together (group commit, see platform/db/group-commit.ts): at
 * most `saleBatchMax` sales in one transaction, `saleBatchesConcurrent` transactions at once.
 */
export const saleBatchMax = 64;
export const saleBatchesConcurrent = 2;

interface QueuedSale { terminal: AuthenticatedTerminal; key: string; hash: string; input: SaleInput; transactionId: string }

/** A sale with its idempotency record, inside `trx` (alone or as a member of a batch). */
function saleCommitter(ctx: AppContext): GroupCommitter<QueuedSale, { response: StoredResponse; replayed: boolean }> {
  return new GroupCommitter(ctx.db, { maxBatch: saleBatchMax, maxConcurrent: saleBatchesConcurrent },
    (trx, sale) => idempotentIn(trx, sale.terminal, sale.key, sale.hash,
      async (t) => (await authorizeSale(ctx, t, sale.terminal, sale.input, { transactionId: sale.transactionId })).result));
}

export function registerTerminalTransactionRoutes(app: JihuoApp, ctx: AppContext): void {
  const sales = saleCommitter(ctx);
  app.post('/terminal/v1/transactions', {
    schema: {
      tags: ['terminal'], summary: 'A sale: approved or declined (201 either way; 4xx only for malformed requests)',
      body: SaleBody, response: { 201: TransactionResponse },
    },
    config: { access: { terminal: true } },
    preValidation: refuseCardData,
  }, async (request, reply) => {
    const terminal = authenticatedTerminal(request);
    const body = request.body;
    const input = { method: body.method, amountFen: body.amount, operatorNo: body.operatorNo ?? null, card: body.card ?? null, location: body.location ?? null };
    assertSaleInput(ctx, input);
    const { response, replayed } = await sales.submit(terminal.id, {
      terminal, key: body.idempotencyKey, hash: requestHash({ op: 'sale', body }), input, transactionId: newId('txn'),
    });
    return sendStored(reply, response, replayed);
  });

  for (const op of ['void', 'refund'] as const) {
    app.post(`/terminal/v1/transactions/:id/${op}`, {
      schema: {
        tags: ['terminal'],
        summary: op === 'void'
          ? 'Void a sale of the same business day before settlement (reverses amount and fee); needs the supervisor password'
          : 'Refund a settled sale, in full or in part; needs the supervisor password',
        params: Strict({ id: Type.String({ minLength: 1, maxLength: 64 }) }), body: ReversalBody, response: { 201: TransactionResponse },
      },
      config: { access: { terminal: true } },
      preValidation: refuseCardData,
    }, async (request, reply) => {
      const terminal = authenticatedTerminal(request);
      const { idempotencyKey, supervisorPassword, amount, operatorNo } = request.body;
      // The password is kept out of the stored request hash; a completed request replays first.
      const hashed = { op, id: request.params.id, idempotencyKey, amount: amount ?? null, ...(operatorNo ? { operatorNo } : {}) };
      const stored = await storedResponse(ctx.db, terminalScope(terminal), idempotencyKey, requestHash(hashed));
      if (stored) return sendStored(reply, stored, true);
      await verifySupervisorPassword(ctx, { id: terminal.id, merchantId: terminal.merchantId }, supervisorPassword);
      const reversal = { transactionId: request.params.id, amountFen: amount ?? null, operatorNo: operatorNo ?? null };
      const { response, replayed } = await idempotent(ctx, terminal, idempotencyKey, hashed, async (trx) => {
        const scope = { id: terminal.id, merchant_id: terminal.merchantId };
        const done = op === 'void' ? await voidSale(ctx, trx, scope, reversal) : await refundSale(ctx, trx, scope, reversal);
        // Money going back to a card is a sensitive write: audited with the terminal as the actor.
        await ctx.audit(trx, { kind: 'terminal', id: terminal.id, role: null, merchantId: terminal.merchantId }, {
          action: `transaction.${op === 'void' ? 'voided' : 'refunded'}`, subjectType: 'transaction', subjectId: reversal.transactionId,
          merchantId: terminal.merchantId, requestId: request.id, details: { reversalId: done.row.id, amountFen: done.row.amount_fen, feeFen: done.row.fee_fen },
        });
        return done.result;
      });
      return sendStored(reply, response, replayed);
    });
  }

  app.post('/terminal/v1/operators/sign-in', {
    schema: {
      tags: ['terminal'],
      summary: 'Sign an operator in on the terminal with the PIN (12 hours, until sign-out or another sign-in; 5 wrong PINs lock the operator for 30 minutes)',
      body: Strict({ operatorNo: OperatorNo, pin: Type.String({ minLength: 1, maxLength: 12 }) }), response: { 200: AnyObject },
    },
    config: { access: { terminal: true } },
  }, async (request) => {
    const terminal = authenticatedTerminal(request);
    return signInOperator(ctx, { id: terminal.id, merchantId: terminal.merchantId }, request.body.operatorNo, request.body.pin);
  });

  app.post('/terminal/v1/operators/sign-out', {
    schema: {
      tags: ['terminal'], summary: 'Sign the current operator out of the terminal',
      body: Type.Optional(Strict({})), response: { 200: AnyObject },
    },
    config: { access: { terminal: true } },
  }, async (request) => {
    const terminal = authenticatedTerminal(request);
    const operatorNo = await ctx.db.transaction().execute(async (trx) => {
      const ended = await endOperatorSession(trx, terminal.id);
      if (ended !== null) {
        await ctx.audit(trx, { kind: 'terminal', id: terminal.id, role: null, merchantId: terminal.merchantId }, {
          action: 'terminal.operator_signed_out', subjectType: 'terminal', subjectId: terminal.id, merchantId: terminal.merchantId,
          requestId: request.id, details: { operatorNo: ended },
        });
      }
      return ended;
    });
    return { signedOut: operatorNo !== null, operatorNo };
  });
}
