// The operator-managed blacklist consulted by the risk assessment on submit (SPEC §3).
// Values are stored only as keyed hashes with a mask for display.
import type { Actor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import { maskMiddle } from '../../platform/crypto/mask.js';
import { AppError, validationError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import { insertBlacklistEntry, removeBlacklistEntry, type BlacklistRow } from './merchant.repository.js';
import { blacklistHash } from './merchant.service.js';
import { normalizeMobile } from './validators.js';

export type BlacklistKind = BlacklistRow['kind'];
export const blacklistKinds: readonly BlacklistKind[] = ['id_number', 'account_number', 'phone', 'uscc'];

export function blacklistView(row: BlacklistRow) {
  return { id: row.id, kind: row.kind, value: row.value_mask, reason: row.reason, createdAt: row.created_at.toISOString() };
}

function normalizeValue(kind: BlacklistKind, value: string): string {
  const compact = value.replace(/[\s-]/g, '');
  if (kind === 'phone') {
    const phone = normalizeMobile(compact);
    if (!phone) throw validationError([{ field: 'value', rule: 'mobile', message: 'must be a mainland mobile number' }]);
    return phone;
  }
  return kind === 'account_number' ? compact : compact.toUpperCase();
}

export async function addToBlacklist(ctx: AppContext, actor: Actor, input: { kind: BlacklistKind; value: string; reason: string }, requestId?: string) {
  const value = normalizeValue(input.kind, input.value);
  return ctx.db.transaction().execute(async (trx) => {
    const row = await insertBlacklistEntry(trx, {
      id: newId('blk'), kind: input.kind, value_hash: blacklistHash(ctx, input.kind, value),
      value_mask: maskMiddle(value, 3, 4), reason: input.reason, created_by: actor.id, created_at: ctx.clock.now(),
    });
    await ctx.audit(trx, actor, { action: 'merchant.blacklist_added', subjectType: 'blacklist', subjectId: row.id, requestId, details: { kind: input.kind, value: row.value_mask, reason: input.reason } });
    return blacklistView(row);
  });
}

export async function removeFromBlacklist(ctx: AppContext, actor: Actor, id: string, requestId?: string) {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await removeBlacklistEntry(trx, id, ctx.clock.now(), actor.id);
    if (!row) throw new AppError('not_found', `Blacklist entry ${id} was not found`);
    await ctx.audit(trx, actor, { action: 'merchant.blacklist_removed', subjectType: 'blacklist', subjectId: id, requestId, details: { kind: row.kind } });
    return blacklistView(row);
  });
}
