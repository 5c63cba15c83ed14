// Authentication of terminal requests (SPEC §6, Appendix A). Every /terminal/v1 request is signed
// with HMAC-SHA256 over method, path with query, timestamp, nonce and the body's SHA-256. Before
// activation the key is the factory key; after, the terminal key (the previous one is accepted
// until the terminal has used the new one: the first request signed with the new key forgets the
// previous one). Freshness and nonces use the real wall clock.
import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from '../platform/context.js';
import { constantTimeEqual } from '../platform/crypto/hash.js';
import { signRequest } from '../platform/crypto/request-signature.js';
import { AppError } from '../platform/http/errors.js';
import { nonceRetentionMs, signatureWindowMs } from '../platform/limits.js';

export interface AuthenticatedTerminal {
  id: string;
  sn: string;
  merchantId: string | null;
  /** Which key signed this request. */
  keyKind: 'factory' | 'terminal' | 'previous_terminal';
}

declare module 'fastify' {
  interface FastifyRequest {
    terminal: AuthenticatedTerminal | null;
    rawBody: Buffer | undefined;
  }
}

export type TerminalAuthFailure = 'missing_headers' | 'stale_timestamp' | 'nonce_reused' | 'bad_signature';

function fail(reason: TerminalAuthFailure): AppError {
  const messages: Record<TerminalAuthFailure, string> = {
    missing_headers: 'X-Terminal-SN, X-Timestamp, X-Nonce and X-Signature are required',
    stale_timestamp: 'X-Timestamp is more than 5 minutes from the server time',
    nonce_reused: 'This nonce was already used',
    bad_signature: 'The signature does not match',
  };
  return new AppError('terminal_auth_failed', messages[reason], { reason });
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value.length > 0 && value.length <= 256 ? value : undefined;
}

export async function authenticateTerminal(ctx: AppContext, request: FastifyRequest): Promise<AuthenticatedTerminal> {
  const sn = header(request, 'x-terminal-sn');
  const timestamp = header(request, 'x-timestamp');
  const nonce = header(request, 'x-nonce');
  const signature = header(request, 'x-signature');
  if (!sn || !timestamp || !nonce || !signature) throw fail('missing_headers');
  const wallNow = ctx.clock.wallNow().getTime();
  if (!/^\d{1,16}$/.test(timestamp) || Math.abs(Number(timestamp) - wallNow) > signatureWindowMs) throw fail('stale_timestamp');

  // One round trip: the terminal's keys, and its claim on the nonce (taken before the signature
  // is checked, and given back below when the signature is wrong, so a forged request uses up nothing).
  const seenAt = new Date(wallNow);
  const terminal = (await sql<{
    id: string; sn: string; merchant_id: string | null; factory_key_enc: string; terminal_key_enc: string | null;
    previous_terminal_key_enc: string | null; nonce_fresh: boolean;
  }>`with claimed as (
      insert into terminal_nonces (sn, nonce, seen_at) select sn, ${nonce}, ${seenAt} from terminals where sn = ${sn}
      on conflict (sn, nonce) do nothing returning nonce)
    select id, sn, merchant_id, factory_key_enc, terminal_key_enc, previous_terminal_key_enc, exists (select 1 from claimed) as nonce_fresh
    from terminals where sn = ${sn}`.execute(ctx.db)).rows[0];
  // An unknown SN fails exactly like a bad signature: existence is not revealed.
  if (!terminal) throw fail('bad_signature');

  const body = request.rawBody ?? Buffer.alloc(0);
  const candidates: Array<[AuthenticatedTerminal['keyKind'], string | null]> = terminal.terminal_key_enc
    ? [['terminal', terminal.terminal_key_enc], ['previous_terminal', terminal.previous_terminal_key_enc]]
    : [['factory', terminal.factory_key_enc]];
  let keyKind: AuthenticatedTerminal['keyKind'] | undefined;
  for (const [kind, sealed] of candidates) {
    if (!sealed) continue;
    const field = kind === 'factory' ? 'terminals.factory_key' : 'terminals.terminal_key';
    const key = Buffer.from(ctx.cipher.open(field, sealed), 'hex');
    const expected = signRequest(key, request.method, request.url, timestamp, nonce, body);
    if (constantTimeEqual(expected, signature.toLowerCase())) { keyKind = kind; break; }
  }
  if (!keyKind) {
    if (terminal.nonce_fresh) {
      await ctx.db.deleteFrom('terminal_nonces').where('sn', '=', sn).where('nonce', '=', nonce).where('seen_at', '=', seenAt).execute();
    }
    throw fail('bad_signature');
  }
  if (!terminal.nonce_fresh) throw fail('nonce_reused');

  // The terminal holds the new key now: the previous one stops working. Only while the key that
  // signed is still the current one (a rotation in between keeps its own hand-over).
  if (keyKind === 'terminal' && terminal.previous_terminal_key_enc !== null && terminal.terminal_key_enc !== null) {
    await ctx.db.updateTable('terminals').set({ previous_terminal_key_enc: null })
      .where('id', '=', terminal.id).where('terminal_key_enc', '=', terminal.terminal_key_enc).execute();
  }

  return { id: terminal.id, sn: terminal.sn, merchantId: terminal.merchant_id, keyKind };
}

export function authenticatedTerminal(request: FastifyRequest): AuthenticatedTerminal {
  if (!request.terminal) throw new AppError('terminal_auth_failed', 'The request is not signed', { reason: 'missing_headers' });
  return request.terminal;
}

/** Forgets nonces older than the freshness window (a worker runs this). */
export async function purgeNonces(ctx: AppContext): Promise<void> {
  const before = new Date(ctx.clock.wallNow().getTime() - nonceRetentionMs);
  await sql`delete from terminal_nonces where seen_at < ${before}`.execute(ctx.db);
}
