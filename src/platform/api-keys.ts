// API keys (`Authorization: Bearer <key>`): stored only as keyed hashes, with a role and, for
// merchant-side keys, the merchant they belong to.
import { randomBytes } from 'node:crypto';
import type { Role } from './actor.js';
import type { AppContext } from './context.js';
import { newId } from './ids.js';

export interface CreatedApiKey { id: string; key: string; role: Role; merchantId: string | null }

export function generateApiKeySecret(): string {
  return `jk_${randomBytes(24).toString('base64url')}`;
}

export async function createApiKey(ctx: AppContext, input: { name: string; role: Role; merchantId?: string | null; secret?: string }): Promise<CreatedApiKey> {
  const key = input.secret ?? generateApiKeySecret();
  const id = newId('key');
  await ctx.db.insertInto('api_keys').values({
    id, name: input.name, role: input.role, merchant_id: input.merchantId ?? null, scopes: '[]',
    key_hash: ctx.hash('api_key', key), key_prefix: key.slice(0, 6), revoked_at: null, last_used_at: null,
  }).execute();
  return { id, key, role: input.role, merchantId: input.merchantId ?? null };
}

/** `JIHUO_BOOTSTRAP_KEY`: make sure an ops_admin key with that secret exists. */
export async function ensureBootstrapKey(ctx: AppContext, secret: string): Promise<void> {
  const existing = await ctx.db.selectFrom('api_keys').select('id')
    .where('key_hash', '=', ctx.hash('api_key', secret)).executeTakeFirst();
  if (!existing) await createApiKey(ctx, { name: 'bootstrap', role: 'ops_admin', secret });
}
