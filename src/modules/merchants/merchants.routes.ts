// Merchant endpoints (SPEC §3, Appendix A/B): registration drafts, submit with risk assessment,
// operator review, history, what is missing, documents, reveal (audited), blacklist.
import multipart from '@fastify/multipart';
import type { Role } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import { actorOf, anyOperator, assertMerchantScope, operatorsAndMerchants } from '../../platform/http/auth.js';
import { AppError, validationError } from '../../platform/http/errors.js';
import { decodeCursor, pageLimit, toPage } from '../../platform/http/pagination.js';
import { AnyObject, Page, PageQuery, Strict, Type } from '../../platform/http/schema.js';
import { documentBytesMax, pageLimitMax } from '../../platform/limits.js';
import type { JihuoApp } from '../../platform/module.js';
import { addToBlacklist, blacklistKinds, blacklistView, removeFromBlacklist } from './blacklist.service.js';
import { isDocumentKind, listDocuments, readDocument, uploadDocument } from './document.service.js';
import { documentKinds, type MerchantInput } from './merchant.js';
import { listBlacklist, listMerchantRows, listStatusHistory } from './merchant.repository.js';
import {
  changeSettlementAccount, createMerchant, getMerchantMissing, merchantNotFound, merchantOrThrow, merchantView,
  reviewMerchant, revealField, submitMerchant, updateMerchant,
} from './merchant.service.js';
import { normalizeMobile } from './validators.js';

const creators: readonly Role[] = [...anyOperator, 'integration'];
const editors: readonly Role[] = [...anyOperator, 'merchant_owner', 'merchant_manager'];
const submitters: readonly Role[] = [...anyOperator, 'merchant_owner'];
const reviewers: readonly Role[] = ['ops_risk', 'ops_admin'];
const accountChangers: readonly Role[] = ['ops_risk', 'ops_admin', 'merchant_owner'];

const Text = (max: number) => Type.String({ maxLength: max });
const NullableText = (max: number) => Type.Union([Type.String({ maxLength: max }), Type.Null()]);
const Address = Strict({
  province: Type.Optional(Text(64)), city: Type.Optional(Text(64)), cityCode: Type.Optional(Text(16)),
  district: Type.Optional(Text(64)), line: Type.Optional(Text(256)),
});
const Account = Strict({ bank: Type.Optional(Text(64)), number: Type.Optional(Text(40)), holder: Type.Optional(Text(128)) });
const fieldSchemas = {
  phone: Type.Optional(Text(32)), email: Type.Optional(NullableText(254)), idNumber: Type.Optional(Text(32)),
  idName: Type.Optional(Text(64)), idExpiry: Type.Optional(Text(16)), uscc: Type.Optional(NullableText(32)),
  licenseName: Type.Optional(NullableText(128)), licenseExpiry: Type.Optional(NullableText(16)), mcc: Type.Optional(Text(8)),
  address: Type.Optional(Address), settlementAccount: Type.Optional(Account),
};
const CreateBody = Strict({
  type: Type.Union([Type.Literal('individual'), Type.Literal('enterprise')]), legalName: Type.String({ minLength: 1, maxLength: 128 }),
  ...fieldSchemas,
});
const PatchBody = Strict({ legalName: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })), ...fieldSchemas });
const IdParams = Strict({ id: Type.String({ maxLength: 64 }) });
const ListQuery = Strict({
  ...PageQuery.properties,
  status: Type.Optional(Type.Union(['draft', 'submitted', 'under_review', 'approved', 'rejected', 'needs_info'].map((s) => Type.Literal(s)))),
  type: Type.Optional(Type.Union([Type.Literal('individual'), Type.Literal('enterprise')])),
  mcc: Type.Optional(Type.String({ pattern: '^\\d{4}$' })),
  cityCode: Type.Optional(Type.String({ pattern: '^\\d{6}$' })),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Name contains, or exact id, MID or phone' })),
});

function scoped(request: Parameters<typeof actorOf>[0], merchantId: string) {
  const actor = actorOf(request);
  assertMerchantScope(actor, merchantId, merchantNotFound(merchantId));
  return actor;
}

export async function registerMerchantRoutes(app: JihuoApp, ctx: AppContext): Promise<void> {
  app.post('/v1/merchants', {
    schema: { tags: ['merchants'], summary: 'Register a merchant (a draft; any subset of the KYC fields)', body: CreateBody, response: { 201: AnyObject } },
    config: { access: { roles: creators, scope: 'merchants:write' } },
  }, async (request, reply) => {
    const view = await createMerchant(ctx, actorOf(request), request.body as MerchantInput & { type: 'individual' | 'enterprise'; legalName: string }, request.id);
    return reply.status(201).send(view);
  });

  app.get('/v1/merchants', {
    schema: { tags: ['merchants'], summary: 'List and search merchants', querystring: ListQuery, response: { 200: Page(AnyObject) } },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const actor = actorOf(request);
    const q = request.query;
    const limit = pageLimit(q.limit);
    const after = decodeCursor(q.cursor) as [string, string] | undefined;
    const rows = await listMerchantRows(ctx.db, {
      onlyId: actor.merchantId, status: q.status, type: q.type, mcc: q.mcc, cityCode: q.cityCode, text: q.q,
      phone: q.q ? normalizeMobile(q.q) ?? undefined : undefined,
    }, after, limit + 1);
    return toPage(rows, limit, (r) => [r.created_at.toISOString(), r.id], merchantView);
  });

  // A POST, so the ID or account number travels in the body and never in a logged URL.
  app.post('/v1/merchants/lookup', {
    schema: {
      tags: ['merchants'], summary: 'Find merchants by exact ID number or settlement account number (keyed-hash match)',
      body: Strict({ idNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })), accountNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })) }),
      response: { 200: Page(AnyObject) },
    },
    config: { access: { roles: anyOperator } },
  }, async (request) => {
    const { idNumber, accountNumber } = request.body;
    if (idNumber === undefined && accountNumber === undefined) {
      throw validationError([{ field: 'idNumber', rule: 'required', message: 'send idNumber or accountNumber' }]);
    }
    const rows = await listMerchantRows(ctx.db, {
      idNumberHash: idNumber === undefined ? undefined : ctx.hash('id_number', idNumber.replace(/\s/g, '').toUpperCase()),
      accountNumberHash: accountNumber === undefined ? undefined : ctx.hash('account_number', accountNumber.replace(/[\s-]/g, '')),
    }, undefined, pageLimitMax + 1);
    return toPage(rows, pageLimitMax, (r) => [r.created_at.toISOString(), r.id], merchantView);
  });

  app.get('/v1/merchants/:id', {
    schema: { tags: ['merchants'], summary: 'One merchant (sensitive numbers masked)', params: IdParams, response: { 200: AnyObject } },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    scoped(request, request.params.id);
    return merchantView(await merchantOrThrow(ctx.db, request.params.id));
  });

  app.patch('/v1/merchants/:id', {
    schema: { tags: ['merchants'], summary: 'Change a draft or needs_info merchant', params: IdParams, body: PatchBody, response: { 200: AnyObject } },
    config: { access: { roles: editors } },
  }, async (request) => updateMerchant(ctx, scoped(request, request.params.id), request.params.id, request.body as MerchantInput, request.id));

  app.post('/v1/merchants/:id/submit', {
    schema: { tags: ['merchants'], summary: 'Submit for KYC: risk assessment, then approved, under_review or rejected', params: IdParams, response: { 200: AnyObject } },
    config: { access: { roles: submitters } },
  }, async (request) => submitMerchant(ctx, scoped(request, request.params.id), request.params.id, request.id));

  app.post('/v1/merchants/:id/review', {
    schema: {
      tags: ['merchants'], summary: 'Operator decision on a merchant under review or needing information', params: IdParams,
      body: Strict({ decision: Type.Union([Type.Literal('approve'), Type.Literal('reject'), Type.Literal('needs_info')]), note: Type.Optional(Type.String({ maxLength: 2000 })) }),
      response: { 200: AnyObject },
    },
    config: { access: { roles: reviewers } },
  }, async (request) => reviewMerchant(ctx, actorOf(request), request.params.id, request.body, request.id));

  app.get('/v1/merchants/:id/history', {
    schema: { tags: ['merchants'], summary: 'Status history of a merchant', params: IdParams, querystring: PageQuery, response: { 200: Page(AnyObject) } },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const { id } = request.params;
    scoped(request, id);
    await merchantOrThrow(ctx.db, id);
    const limit = pageLimit(request.query.limit);
    const after = decodeCursor(request.query.cursor)?.[0] as number | undefined;
    const rows = await listStatusHistory(ctx.db, id, after, limit + 1);
    return toPage(rows, limit, (r) => [Number(r.id)], (r) => ({
      at: r.at.toISOString(), from: r.from_status, to: r.to_status, actorKind: r.actor_kind, actorId: r.actor_id, note: r.note,
    }));
  });

  app.get('/v1/merchants/:id/missing', {
    schema: { tags: ['merchants'], summary: 'What a later flow must still ask for: missing, expired or expiring fields and documents', params: IdParams, response: { 200: AnyObject } },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    scoped(request, request.params.id);
    const items = await getMerchantMissing(ctx, ctx.db, request.params.id);
    return { merchantId: request.params.id, complete: items.length === 0, data: items, hasMore: false, nextCursor: null };
  });

  app.post('/v1/merchants/:id/reveal', {
    schema: {
      tags: ['merchants'], summary: 'Show one sensitive field unmasked (audited)', params: IdParams,
      body: Strict({ field: Type.Union([Type.Literal('idNumber'), Type.Literal('settlementAccount.number')]) }),
      response: { 200: AnyObject },
    },
    config: { access: { roles: reviewers } },
  }, async (request) => revealField(ctx, actorOf(request), request.params.id, request.body.field, request.id));

  app.put('/v1/merchants/:id/settlement-account', {
    schema: {
      tags: ['merchants'], summary: 'Change the settlement account (approved merchants: audited, emits merchant.settlement_account_changed)',
      params: IdParams, body: Strict({ bank: Type.String({ maxLength: 64 }), number: Type.String({ maxLength: 40 }), holder: Type.String({ maxLength: 128 }) }),
      response: { 200: AnyObject },
    },
    config: { access: { roles: accountChangers } },
  }, async (request) => changeSettlementAccount(ctx, scoped(request, request.params.id), request.params.id, request.body, request.id));

  registerBlacklistRoutes(app, ctx);
  await app.register(async (scope) => registerDocumentRoutes(scope as unknown as JihuoApp, ctx));
}

function registerBlacklistRoutes(app: JihuoApp, ctx: AppContext): void {
  app.get('/v1/merchant-blacklist', {
    schema: { tags: ['merchants'], summary: 'Active blacklist entries (values masked)', querystring: PageQuery, response: { 200: Page(AnyObject) } },
    config: { access: { roles: anyOperator } },
  }, async (request) => {
    const limit = pageLimit(request.query.limit);
    const after = decodeCursor(request.query.cursor)?.[0] as string | undefined;
    return toPage(await listBlacklist(ctx.db, after, limit + 1), limit, (r) => [r.id], blacklistView);
  });

  app.post('/v1/merchant-blacklist', {
    schema: {
      tags: ['merchants'], summary: 'Blacklist an ID number, account number, phone or USCC',
      body: Strict({ kind: Type.Union(blacklistKinds.map((k) => Type.Literal(k))), value: Type.String({ minLength: 1, maxLength: 40 }), reason: Type.String({ minLength: 1, maxLength: 500 }) }),
      response: { 201: AnyObject },
    },
    config: { access: { roles: reviewers } },
  }, async (request, reply) => reply.status(201).send(await addToBlacklist(ctx, actorOf(request), request.body, request.id)));

  app.delete('/v1/merchant-blacklist/:id', {
    schema: { tags: ['merchants'], summary: 'Remove a blacklist entry', params: IdParams, response: { 200: AnyObject } },
    config: { access: { roles: reviewers } },
  }, async (request) => removeFromBlacklist(ctx, actorOf(request), request.params.id, request.id));
}

/** In its own plugin scope, so multipart parsing applies to these routes only. */
async function registerDocumentRoutes(app: JihuoApp, ctx: AppContext): Promise<void> {
  await app.register(multipart, { limits: { fileSize: documentBytesMax, files: 1, fields: 4, parts: 5 } });

  app.post('/v1/merchants/:id/documents', {
    schema: {
      tags: ['merchants'], summary: `Upload a document (multipart: field kind = ${documentKinds.join('|')}, then file; JPEG, PNG or PDF)`,
      params: IdParams, querystring: Strict({ kind: Type.Optional(Type.String({ maxLength: 32 })) }), response: { 201: AnyObject },
    },
    config: { access: { roles: editors } },
  }, async (request, reply) => {
    const { id } = request.params;
    const actor = scoped(request, id);
    if (!request.isMultipart()) throw new AppError('document_invalid', 'Send the document as multipart/form-data with fields kind and file');
    let kind = request.query.kind;
    let bytes: Buffer | undefined;
    try {
      for await (const part of request.parts()) {
        if (part.type === 'file') bytes = await part.toBuffer();
        else if (part.fieldname === 'kind') kind = String(part.value);
      }
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError('document_too_large', `Documents may be at most ${documentBytesMax} bytes`, { maxBytes: documentBytesMax });
      throw new AppError('document_invalid', 'The multipart body could not be read', { reason: code ?? 'unreadable' });
    }
    if (kind === undefined || !isDocumentKind(kind)) {
      throw new AppError('validation_failed', 'The request has invalid fields', { fields: [{ field: 'kind', rule: 'enum', message: `must be one of ${documentKinds.join(', ')}` }] });
    }
    if (!bytes) throw new AppError('document_invalid', 'No file was sent', { field: 'file' });
    return reply.status(201).send(await uploadDocument(ctx, actor, { merchantId: id, kind, bytes }, request.id));
  });

  app.get('/v1/merchants/:id/documents', {
    schema: { tags: ['merchants'], summary: 'Current documents of a merchant', params: IdParams, response: { 200: AnyObject } },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    scoped(request, request.params.id);
    return { data: await listDocuments(ctx, request.params.id), hasMore: false, nextCursor: null };
  });

  app.get('/v1/merchants/:id/documents/:documentId/content', {
    schema: { tags: ['merchants'], summary: 'The bytes of a document (own merchant and operators only)', params: Strict({ id: Type.String({ maxLength: 64 }), documentId: Type.String({ maxLength: 64 }) }) },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request, reply) => {
    const actor = scoped(request, request.params.id);
    const { row, bytes } = await readDocument(ctx, actor, {
      merchantId: request.params.id, documentId: request.params.documentId, requestId: request.id,
    });
    return reply.header('content-type', row.content_type).header('content-disposition', `attachment; filename="${row.kind}"`)
      .header('cache-control', 'private, no-store').send(bytes);
  });
}
