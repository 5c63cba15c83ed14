// The logged-in identity, shared by the app. Log-in stores credentials, then asks the server who
// they belong to (`GET /v1/auth/me`), which works the same for API keys and password sessions.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, ApiError, onMfaRequired, onUnauthenticated } from './lib/api';
import { clearCredentials, isOperatorRole, loadCredentials, saveCredentials, type Credentials, type Identity, type Role } from './lib/auth';
import { useRouter } from './lib/router';

interface MeAnswer {
  apiKey?: { id: string | null; role: Role | null; merchantId: string | null };
  user?: { displayName: string; login: string; role: Role; merchantId: string | null; totpEnabled: boolean };
  csrfToken?: string | null;
}

interface SessionValue {
  identity: Identity | null;
  checking: boolean;
  loginWithKey(key: string): Promise<Identity>;
  loginWithPassword(input: { login: string; password: string; totp?: string }): Promise<Identity>;
  signup(input: SignupInput): Promise<Identity>;
  /** After TOTP enrolment: the session has passed two-factor authentication. */
  totpEnrolled(): void;
  logout(): Promise<void>;
}

export interface SignupInput { login: string; password: string; phone: string; type: 'individual' | 'enterprise'; legalName: string }

const SessionContext = createContext<SessionValue | null>(null);

function identityOf(me: MeAnswer): Identity {
  if (me.user) {
    // Operators must set up TOTP before the API lets them do anything but enrol (SPEC §13).
    const mustEnrollTotp = isOperatorRole(me.user.role) && !me.user.totpEnabled;
    return { role: me.user.role, merchantId: me.user.merchantId, name: me.user.displayName || me.user.login, mustEnrollTotp };
  }
  return { role: me.apiKey?.role ?? null, merchantId: me.apiKey?.merchantId ?? null, name: me.apiKey?.id ?? 'API key', mustEnrollTotp: false };
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const { navigate } = useRouter();
  const [identity, setIdentity] = useState<Identity | null>(null);
  const [checking, setChecking] = useState(() => loadCredentials() !== null);

  useEffect(() => {
    onUnauthenticated(() => {
      clearCredentials();
      setIdentity(null);
      const back = window.location.pathname + window.location.search;
      if (!back.startsWith('/login')) navigate(`/login?expired=1&next=${encodeURIComponent(back)}`, { replace: true });
    });
    // 401 mfa_required is not a lost log-in: the operator still has to enrol TOTP, so keep the
    // session and go to the enrolment screen instead of back to /login (which would loop).
    onMfaRequired(() => {
      setIdentity((current) => (current ? { ...current, mustEnrollTotp: true } : current));
      const back = window.location.pathname + window.location.search;
      if (!back.startsWith('/enroll-totp')) navigate(`/enroll-totp?next=${encodeURIComponent(back)}`, { replace: true });
    });
    return () => { onUnauthenticated(null); onMfaRequired(null); };
  }, [navigate]);

  useEffect(() => {
    if (!loadCredentials()) return;
    api<MeAnswer>('GET', '/v1/auth/me')
      .then((me) => setIdentity(identityOf(me)))
      .catch(() => { clearCredentials(); })
      .finally(() => setChecking(false));
  }, []);

  const establish = useCallback(async (credentials: Credentials) => {
    saveCredentials(credentials);
    try {
      const me = await api<MeAnswer>('GET', '/v1/auth/me');
      const next = identityOf(me);
      if (credentials.kind === 'session' && me.csrfToken) saveCredentials({ kind: 'session', csrfToken: me.csrfToken });
      setIdentity(next);
      return next;
    } catch (error) {
      clearCredentials();
      throw error;
    }
  }, []);

  const value: SessionValue = {
    identity, checking,
    loginWithKey: (key) => establish({ kind: 'api_key', key: key.trim() }),
    async loginWithPassword(input) {
      const body: Record<string, string> = { login: input.login, password: input.password };
      if (input.totp) body.totp = input.totp;
      const answer = await api<{ csrfToken: string }>('POST', '/v1/auth/login', { body });
      return establish({ kind: 'session', csrfToken: answer.csrfToken });
    },
    async signup(input) {
      const answer = await api<{ csrfToken: string }>('POST', '/v1/signup', { body: input });
      return establish({ kind: 'session', csrfToken: answer.csrfToken });
    },
    totpEnrolled() {
      setIdentity((current) => (current ? { ...current, mustEnrollTotp: false } : current));
    },
    async logout() {
      const credentials = loadCredentials();
      if (credentials?.kind === 'session') await api('POST', '/v1/auth/logout').catch((e: unknown) => { if (!(e instanceof ApiError)) throw e; });
      clearCredentials();
      setIdentity(null);
      navigate('/login');
    },
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
