// Who did something: recorded on timelines, status histories and the audit log.

export type Role =
  | 'merchant_owner' | 'merchant_manager' | 'merchant_cashier'
  | 'ops_agent' | 'ops_risk' | 'ops_admin' | 'integration';

export const roles: readonly Role[] = [
  'merchant_owner', 'merchant_manager', 'merchant_cashier', 'ops_agent', 'ops_risk', 'ops_admin', 'integration',
];
export const merchantRoles: readonly Role[] = ['merchant_owner', 'merchant_manager', 'merchant_cashier'];
export const operatorRoles: readonly Role[] = ['ops_agent', 'ops_risk', 'ops_admin'];

export interface Actor {
  kind: 'api_key' | 'user' | 'terminal' | 'system';
  id: string | null;
  role: Role | null;
  /** Set for merchant-side actors: they only ever see this merchant's data. */
  merchantId: string | null;
}

export const systemActor: Actor = { kind: 'system', id: null, role: null, merchantId: null };

export function isOperator(actor: Actor): boolean {
  return actor.role !== null && operatorRoles.includes(actor.role);
}
