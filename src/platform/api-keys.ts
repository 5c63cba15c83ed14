// API keys (`Authorization: Bearer <key>`): stored only as keyed hashes, with a role and, for
// merchant-side keys, the merchant they belong to. Every creation writes an audit row.
import { randomBytes } from 'node:crypto';
import { integrationScopes, systemActor, type Actor, type Role } from './actor.js';
import type { AppContext } from './context.js';
import type { Executor } from './db/schema.js';
import { newId } from './ids.js';

export interface CreatedApiKey { id: string; key: string; role: Role; merchantId: string | null; scopes: string[] }

export function generateApiKeySecret(): string {
  return `jk_${randomBytes(24).toString('base64url')}`;
}

export interface CreateApiKeyInput {
  name: string; role: Role; merchantId?: string | null; secret?: string;
  /** Only for `integration` keys: what the partner may do (`integrationScopes`, or `*`). */
  scopes?: readonly string[];
  /** Who creates it (audited); the system for the CLI and the bootstrap key. */
  actor?: Actor;
  /** Where it was created, recorded in the audit row. */
  via?: 'api' | 'cli' | 'bootstrap' | 'internal';
  requestId?: string;
}

/** Creates a key and its `api_key.created` audit row in one transaction; the secret is never audited. */
export async function createApiKey(ctx: AppContext, input: CreateApiKeyInput): Promise<CreatedApiKey> {
  return ctx.db.transaction().execute(async (trx) => {
    const created = await insertApiKey(ctx, trx, input);
    if (!created) throw new Error('An API key with this secret already exists');
    return created;
  });
}

/** The problem with a key's scopes, or null: only integration keys have them, from the known list. */
export function scopesProblem(role: Role, scopes: readonly string[]): string | null {
  if (role !== 'integration') return scopes.length > 0 ? 'only integration keys have scopes' : null;
  const unknown = scopes.filter((s) => s !== '*' && !(integrationScopes as readonly string[]).includes(s));
  return unknown.length > 0 ? `unknown scope ${unknown.join(', ')}; known: ${integrationScopes.join(', ')} or *` : null;
}

async function insertApiKey(ctx: AppContext, trx: Executor, input: CreateApiKeyInput): Promise<CreatedApiKey | null> {
  const scopes = [...new Set(input.scopes ?? [])].sort();
  const problem = scopesProblem(input.role, scopes);
  if (problem) throw new Error(`API key scopes: ${problem}`);
  const key = input.secret ?? generateApiKeySecret();
  const id = newId('key');
  const merchantId = input.merchantId ?? null;
  // A concurrent start of another instance may insert the same bootstrap key: keep the first.
  const inserted = await trx.insertInto('api_keys').values({
    id, name: input.name, role: input.role, merchant_id: merchantId, scopes: JSON.stringify(scopes),
    key_hash: ctx.hash('api_key', key), key_prefix: key.slice(0, 6), revoked_at: null, last_used_at: null,
  }).onConflict((oc) => oc.column('key_hash').doNothing()).returning('id').executeTakeFirst();
  if (!inserted) return null;
  await ctx.audit(trx, input.actor ?? systemActor, {
    action: 'api_key.created', subjectType: 'api_key', subjectId: id, merchantId, requestId: input.requestId ?? null,
    details: { name: input.name, role: input.role, via: input.via ?? 'internal', ...(scopes.length ? { scopes } : {}) },
  });
  return { id, key, role: input.role, merchantId, scopes };
}

/** `JIHUO_BOOTSTRAP_KEY`: make sure an ops_admin key with that secret exists (safe on many instances). */
export async function ensureBootstrapKey(ctx: AppContext, secret: string): Promise<void> {
  const existing = await ctx.db.selectFrom('api_keys').select('id')
    .where('key_hash', '=', ctx.hash('api_key', secret)).executeTakeFirst();
  if (existing) return;
  await ctx.db.transaction().execute((trx) =>
    insertApiKey(ctx, trx, { name: 'bootstrap', role: 'ops_admin', secret, via: 'bootstrap' }));
}
