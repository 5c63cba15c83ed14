// Merchant documents (SPEC §3): the content type is sniffed from the bytes (JPEG, PNG, PDF only),
// the size is bounded, the bytes go to the blob store under a random key, and a document is served
// only to its own merchant and to operators. A refused upload stores nothing.
import { createHash } from 'node:crypto';
import type { Actor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import { documentBytesMax } from '../../platform/limits.js';
import { blobStoreOf, newBlobKey, sniffContentType } from './blob-store.js';
import { documentKinds, type DocumentKind } from './merchant.js';
import { currentDocuments, findDocument, insertCurrentDocument, type DocumentRow } from './merchant.repository.js';
import { merchantOrThrow } from './merchant.service.js';

export function documentView(row: DocumentRow) {
  return {
    id: row.id, merchantId: row.merchant_id, kind: row.kind, contentType: row.content_type, sizeBytes: row.size_bytes,
    sha256: row.sha256, status: row.status, createdAt: row.created_at.toISOString(),
  };
}

export function isDocumentKind(value: string): value is DocumentKind {
  return (documentKinds as readonly string[]).includes(value);
}

export async function uploadDocument(ctx: AppContext, actor: Actor, input: { merchantId: string; kind: DocumentKind; bytes: Buffer }, requestId?: string) {
  if (input.bytes.length > documentBytesMax) {
    throw new AppError('document_too_large', `Documents may be at most ${documentBytesMax} bytes`, { maxBytes: documentBytesMax });
  }
  if (input.bytes.length === 0) throw new AppError('document_invalid', 'The file is empty', { field: 'file' });
  const contentType = sniffContentType(input.bytes);
  if (contentType === null) {
    throw new AppError('document_invalid', 'Only JPEG, PNG and PDF files are accepted', { field: 'file', allowed: ['image/jpeg', 'image/png', 'application/pdf'] });
  }
  await merchantOrThrow(ctx.db, input.merchantId);
  const store = blobStoreOf(ctx);
  const key = newBlobKey();
  await store.put(key, input.bytes, contentType);
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const id = newId('doc');
      const row = {
        id, merchant_id: input.merchantId, kind: input.kind, blob_key: key, content_type: contentType,
        size_bytes: input.bytes.length, sha256: createHash('sha256').update(input.bytes).digest('hex'),
        uploaded_by: actor.id, created_at: ctx.clock.now(),
      };
      await insertCurrentDocument(trx, row);
      await ctx.audit(trx, actor, { action: 'merchant.document_uploaded', subjectType: 'merchant_document', subjectId: id, merchantId: input.merchantId, requestId, details: { kind: input.kind, contentType, sizeBytes: row.size_bytes } });
      return documentView((await findDocument(trx, input.merchantId, id))!);
    });
  } catch (error) {
    await store.delete(key);
    throw error;
  }
}

export async function listDocuments(ctx: AppContext, merchantId: string) {
  await merchantOrThrow(ctx.db, merchantId);
  return (await currentDocuments(ctx.db, merchantId)).map(documentView);
}

/**
 * The bytes of a document. Reading an ID card or bank card image is a sensitive read (SPEC §13):
 * an audit row is written before the bytes are handed out, and no row means no bytes.
 */
export async function readDocument(ctx: AppContext, actor: Actor, input: {
  merchantId: string; documentId: string; requestId?: string;
}): Promise<{ row: DocumentRow; bytes: Buffer }> {
  const { merchantId, documentId } = input;
  const row = await findDocument(ctx.db, merchantId, documentId);
  if (!row) throw new AppError('not_found', `Document ${documentId} was not found`);
  const bytes = await blobStoreOf(ctx).get(row.blob_key);
  if (!bytes) throw new AppError('not_found', `Document ${documentId} has no stored content`);
  await ctx.db.transaction().execute((trx) => ctx.audit(trx, actor, {
    action: 'merchant.document_downloaded', subjectType: 'merchant_document', subjectId: row.id, merchantId,
    requestId: input.requestId ?? null, details: { kind: row.kind, sha256: row.sha256, sizeBytes: row.size_bytes },
  }));
  return { row, bytes };
}
