// Who the browser is logged in as. Two ways in, one interface: an API key (Bearer, kept in
// sessionStorage only) and a password (+ TOTP) session cookie with its CSRF token. The API client
// asks `authHeaders()` and nothing else, so either way can be added or removed in one place.

export type Role =
  | 'merchant_owner' | 'merchant_manager' | 'merchant_cashier'
  | 'ops_agent' | 'ops_risk' | 'ops_admin' | 'integration';

export interface Identity { role: Role | null; merchantId: string | null; name: string; mustEnrollTotp: boolean }

export type Credentials =
  | { kind: 'api_key'; key: string }
  | { kind: 'session'; csrfToken: string | null };

const storageKey = 'jihuo.credentials';

export function loadCredentials(): Credentials | null {
  try {
    const raw = sessionStorage.getItem(storageKey);
    return raw ? (JSON.parse(raw) as Credentials) : null;
  } catch {
    return null;
  }
}

export function saveCredentials(credentials: Credentials): void {
  sessionStorage.setItem(storageKey, JSON.stringify(credentials));
}

export function clearCredentials(): void {
  sessionStorage.removeItem(storageKey);
}

export function authHeaders(method: string): Record<string, string> {
  const credentials = loadCredentials();
  if (!credentials) return {};
  if (credentials.kind === 'api_key') return { authorization: `Bearer ${credentials.key}` };
  const unsafe = method !== 'GET' && method !== 'HEAD';
  return unsafe && credentials.csrfToken ? { 'x-csrf-token': credentials.csrfToken } : {};
}

export function isOperatorRole(role: Role | null): boolean {
  return role === 'ops_agent' || role === 'ops_risk' || role === 'ops_admin';
}

export function isMerchantRole(role: Role | null): boolean {
  return role === 'merchant_owner' || role === 'merchant_manager' || role === 'merchant_cashier';
}
