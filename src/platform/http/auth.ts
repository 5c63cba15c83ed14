// Authentication and authorization of /v1 routes. Every route declares its access in
// `config.access`; the check runs in `onRequest`, before the body is even parsed, so a keyless
// request with a bad body gets 401 (Appendix B).
import type { FastifyRequest } from 'fastify';
import type { Actor, IntegrationScope, Role } from '../actor.js';
import { merchantRoles, operatorRoles } from '../actor.js';
import type { AppContext } from '../context.js';
import { AppError } from './errors.js';

export type Access =
  | { public: true }
  | { roles: readonly Role[]; scope?: IntegrationScope }
  | { terminal: true };

export const anyOperator: readonly Role[] = operatorRoles;
export const anyMerchant: readonly Role[] = merchantRoles;
export const operatorsAndMerchants: readonly Role[] = [...operatorRoles, ...merchantRoles];

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    actor: Actor | null;
  }
}

/** Resolves the caller of a request, or null when the request carries no credentials. */
export type Authenticator = (request: FastifyRequest) => Promise<Actor | null>;

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

export function apiKeyAuthenticator(ctx: AppContext): Authenticator {
  return async (request) => {
    const token = bearerToken(request);
    if (token === undefined) return null;
    const row = await ctx.db.selectFrom('api_keys').select(['id', 'role', 'merchant_id', 'revoked_at', 'scopes'])
      .where('key_hash', '=', ctx.hash('api_key', token)).executeTakeFirst();
    if (!row || row.revoked_at) throw new AppError('unauthenticated', 'The API key is not valid');
    const actor: Actor = { kind: 'api_key', id: row.id, role: row.role as Role, merchantId: row.merchant_id };
    if (row.role === 'integration') actor.scopes = parseScopes(row.scopes);
    return actor;
  };
}

function parseScopes(value: unknown): string[] {
  const list = typeof value === 'string' ? JSON.parse(value) as unknown : value;
  return Array.isArray(list) ? list.filter((s): s is string => typeof s === 'string') : [];
}

/** The actor of an authenticated request; routes with role access always have one. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new AppError('unauthenticated', 'Authentication is required');
  return request.actor;
}

/**
 * The merchant a merchant-side actor may see. Operators may see any merchant; a merchant user
 * asking for another merchant's resource gets 404, so ids of other merchants are not revealed.
 */
export function assertMerchantScope(actor: Actor, merchantId: string | null, notFound: AppError): void {
  if (actor.merchantId !== null && actor.merchantId !== merchantId) throw notFound;
}

export async function authorize(request: FastifyRequest, access: Access, authenticators: Authenticator[]): Promise<void> {
  request.actor = null;
  if ('public' in access || 'terminal' in access) return;
  let actor: Actor | null = null;
  for (const authenticate of authenticators) {
    actor = await authenticate(request);
    if (actor) break;
  }
  if (!actor) throw new AppError('unauthenticated', 'Authentication is required: send Authorization: Bearer <key>');
  if (actor.role === null || !access.roles.includes(actor.role)) {
    throw new AppError('forbidden', 'Your role may not use this endpoint', { role: actor.role });
  }
  if (actor.role === 'integration') {
    const scopes = actor.scopes ?? [];
    if (!access.scope || !(scopes.includes('*') || scopes.includes(access.scope))) {
      throw new AppError('forbidden', `This integration key lacks the scope ${access.scope ?? '(none)'}`,
        { role: actor.role, requiredScope: access.scope ?? null });
    }
  }
  request.actor = actor;
}
