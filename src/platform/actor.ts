// Who did something: recorded on timelines, status histories and the audit log.

export type Role =
  | 'merchant_owner' | 'merchant_manager' | 'merchant_cashier'
  | 'ops_agent' | 'ops_risk' | 'ops_admin' | 'integration';

export const roles: readonly Role[] = [
  'merchant_owner', 'merchant_manager', 'merchant_cashier', 'ops_agent', 'ops_risk', 'ops_admin', 'integration',
];
export const merchantRoles: readonly Role[] = ['merchant_owner', 'merchant_manager', 'merchant_cashier'];
export const operatorRoles: readonly Role[] = ['ops_agent', 'ops_risk', 'ops_admin'];

/**
 * What an `integration` key (a partner system, SPEC §2) may do: each route open to integrations
 * names one scope, and the key must carry it (or `*`). Other roles have no scopes.
 */
export const integrationScopes = ['merchants:write', 'reactivations:write', 'settlements:run', 'shipments:write'] as const;
export type IntegrationScope = (typeof integrationScopes)[number];

export interface Actor {
  kind: 'api_key' | 'user' | 'terminal' | 'system';
  id: string | null;
  role: Role | null;
  /** Set for merchant-side actors: they only ever see this merchant's data. */
  merchantId: string | null;
  /** The scopes of an integration key (`*` = all); absent for other actors. */
  scopes?: readonly string[];
}

export const systemActor: Actor = { kind: 'system', id: null, role: null, merchantId: null };

export function isOperator(actor: Actor): boolean {
  return actor.role !== null && operatorRoles.includes(actor.role);
}
