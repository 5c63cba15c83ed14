// SQL of the merchants module: merchants, status history, documents, blacklist and events.
// Plain functions taking the database or an open transaction.
import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Executor } from '../../platform/db/schema.js';
import type {
  MerchantBlacklistTable, MerchantDocumentTable, MerchantEventTable, MerchantStatusHistoryTable, MerchantTable,
} from './merchant.table.js';

/** A merchant row with its two date columns as `YYYY-MM-DD` text (drivers differ on `date`). */
export type MerchantRow = Omit<Selectable<MerchantTable>, 'id_expiry' | 'license_expiry'> & {
  id_expiry: string | null; license_expiry: string | null;
};

function selectMerchants(db: Executor) {
  return db.selectFrom('merchants').selectAll()
    .select([sql<string | null>`id_expiry::text`.as('id_expiry_text'), sql<string | null>`license_expiry::text`.as('license_expiry_text')]);
}

type RawRow = Selectable<MerchantTable> & { id_expiry_text: string | null; license_expiry_text: string | null };

function toRow(raw: RawRow): MerchantRow {
  const { id_expiry_text, license_expiry_text, ...rest } = raw;
  return { ...rest, id_expiry: id_expiry_text, license_expiry: license_expiry_text };
}

export async function findMerchant(db: Executor, id: string, options: { forUpdate?: boolean } = {}): Promise<MerchantRow | undefined> {
  let query = selectMerchants(db).where('id', '=', id);
  if (options.forUpdate) query = query.forUpdate();
  const raw = await query.executeTakeFirst();
  return raw ? toRow(raw as RawRow) : undefined;
}

export async function midExists(db: Executor, mid: string): Promise<boolean> {
  return (await db.selectFrom('merchants').select('id').where('mid', '=', mid).executeTakeFirst()) !== undefined;
}

export async function insertMerchantRow(db: Executor, row: Insertable<MerchantTable>): Promise<void> {
  await db.insertInto('merchants').values(row).execute();
}

export async function updateMerchantRow(db: Executor, id: string, patch: Updateable<MerchantTable>): Promise<void> {
  await db.updateTable('merchants').set(patch).where('id', '=', id).execute();
}

export async function insertStatusHistory(db: Executor, row: Insertable<MerchantStatusHistoryTable>): Promise<void> {
  await db.insertInto('merchant_status_history').values(row).execute();
}

export async function listStatusHistory(db: Executor, merchantId: string, afterId: number | undefined, limit: number) {
  let query = db.selectFrom('merchant_status_history').selectAll().where('merchant_id', '=', merchantId).orderBy('id').limit(limit);
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  return query.execute();
}

/** How many merchants other than `exceptId` have this keyed hash in the column. */
export async function countOthersWithHash(db: Executor, column: 'id_number_hash' | 'account_number_hash', hash: string, exceptId: string): Promise<number> {
  const row = await db.selectFrom('merchants').select(sql<string>`count(*)::text`.as('n'))
    .where(column, '=', hash).where('id', '<>', exceptId).executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface MerchantFilters {
  status?: string; type?: string; mcc?: string; cityCode?: string; onlyId?: string | null;
  text?: string; phone?: string; idNumberHash?: string; accountNumberHash?: string;
}

export async function listMerchantRows(db: Executor, filters: MerchantFilters, after: [string, string] | undefined, limit: number): Promise<MerchantRow[]> {
  let query = selectMerchants(db).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit);
  if (filters.onlyId) query = query.where('id', '=', filters.onlyId);
  if (filters.status) query = query.where('status', '=', filters.status as MerchantTable['status']);
  if (filters.type) query = query.where('type', '=', filters.type as MerchantTable['type']);
  if (filters.mcc) query = query.where('mcc', '=', filters.mcc);
  if (filters.cityCode) query = query.where('city_code', '=', filters.cityCode);
  if (filters.idNumberHash) query = query.where('id_number_hash', '=', filters.idNumberHash);
  if (filters.accountNumberHash) query = query.where('account_number_hash', '=', filters.accountNumberHash);
  if (filters.text) {
    const text = filters.text;
    const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) => eb.or([
      eb('legal_name', 'ilike', pattern), eb('mid', '=', text), eb('id', '=', text),
      ...(filters.phone ? [eb('phone', '=', filters.phone)] : []),
    ]));
  }
  if (after) query = query.where(sql<boolean>`(created_at, id) < (${new Date(after[0])}, ${after[1]})`);
  const raws = await query.execute();
  return raws.map((raw) => toRow(raw as RawRow));
}

// ---- Documents -----------------------------------------------------------------------------

export type DocumentRow = Selectable<MerchantDocumentTable>;

export async function currentDocuments(db: Executor, merchantId: string): Promise<DocumentRow[]> {
  return db.selectFrom('merchant_documents').selectAll().where('merchant_id', '=', merchantId)
    .where('status', '=', 'current').orderBy('created_at').orderBy('id').execute();
}

export async function findDocument(db: Executor, merchantId: string, documentId: string): Promise<DocumentRow | undefined> {
  return db.selectFrom('merchant_documents').selectAll().where('merchant_id', '=', merchantId)
    .where('id', '=', documentId).executeTakeFirst();
}

/** Inserts a document as the current one of its kind; the previous one becomes `replaced`. */
export async function insertCurrentDocument(db: Executor, row: Insertable<MerchantDocumentTable>): Promise<void> {
  await db.updateTable('merchant_documents').set({ status: 'replaced' })
    .where('merchant_id', '=', row.merchant_id).where('kind', '=', row.kind).where('status', '=', 'current').execute();
  await db.insertInto('merchant_documents').values(row).execute();
}

// ---- Blacklist -----------------------------------------------------------------------------

export type BlacklistRow = Selectable<MerchantBlacklistTable>;

export async function insertBlacklistEntry(db: Executor, row: Insertable<MerchantBlacklistTable>): Promise<BlacklistRow> {
  const inserted = await db.insertInto('merchant_blacklist').values(row)
    .onConflict((oc) => oc.columns(['kind', 'value_hash']).where('removed_at', 'is', null).doNothing())
    .returningAll().executeTakeFirst();
  if (inserted) return inserted;
  return db.selectFrom('merchant_blacklist').selectAll().where('kind', '=', row.kind)
    .where('value_hash', '=', row.value_hash).where('removed_at', 'is', null).executeTakeFirstOrThrow();
}

export async function listBlacklist(db: Executor, afterId: string | undefined, limit: number): Promise<BlacklistRow[]> {
  let query = db.selectFrom('merchant_blacklist').selectAll().where('removed_at', 'is', null).orderBy('id').limit(limit);
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  return query.execute();
}

export async function removeBlacklistEntry(db: Executor, id: string, at: Date, by: string | null): Promise<BlacklistRow | undefined> {
  return db.updateTable('merchant_blacklist').set({ removed_at: at, removed_by: by })
    .where('id', '=', id).where('removed_at', 'is', null).returningAll().executeTakeFirst();
}

/** The kinds of active blacklist entries matching any of the given (kind, hash) pairs. */
export async function blacklistHits(db: Executor, pairs: { kind: BlacklistRow['kind']; hash: string }[]): Promise<string[]> {
  if (pairs.length === 0) return [];
  const rows = await db.selectFrom('merchant_blacklist').select('kind').where('removed_at', 'is', null)
    .where((eb) => eb.or(pairs.map((p) => eb.and([eb('kind', '=', p.kind), eb('value_hash', '=', p.hash)])))).execute();
  return [...new Set(rows.map((r) => r.kind))];
}

// ---- Events --------------------------------------------------------------------------------

export type MerchantEventRow = Selectable<MerchantEventTable>;

export async function insertMerchantEvent(db: Executor, row: { id: string; merchantId: string; type: string; payload: Record<string, unknown>; at: Date }): Promise<void> {
  await db.insertInto('merchant_events').values({
    id: row.id, merchant_id: row.merchantId, type: row.type, payload: JSON.stringify(row.payload), created_at: row.at,
  }).execute();
}

export async function listMerchantEventRows(db: Executor, input: { type?: string; merchantId?: string; after?: [Date, string]; limit: number }): Promise<MerchantEventRow[]> {
  let query = db.selectFrom('merchant_events').selectAll().orderBy('created_at').orderBy('id').limit(input.limit);
  if (input.type) query = query.where('type', '=', input.type);
  if (input.merchantId) query = query.where('merchant_id', '=', input.merchantId);
  if (input.after) query = query.where(sql<boolean>`(created_at, id) > (${input.after[0]}, ${input.after[1]})`);
  return query.execute();
}
