// Routes and the antd locale. Public pages (/login, /signup, /verify, /help) need no log-in;
// /enroll-totp is where an operator without two-factor authentication is sent; /portal is the
// merchant portal and /console the operations console.
import { App as AntApp, ConfigProvider, Spin } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import { useEffect, type ReactNode } from 'react';
import { Shell } from './components/Shell';
import { useI18n } from './lib/i18n';
import { isMerchantRole, isOperatorRole } from './lib/auth';
import { matchPath, useRouter } from './lib/router';
import { useSession } from './session';
import { LoginPage } from './pages/LoginPage';
import { VerifyPage } from './pages/VerifyPage';
import { HelpPage } from './pages/HelpPage';
import { SignupPage } from './pages/SignupPage';
import { TotpEnrollPage } from './pages/TotpEnrollPage';
import { portalRoutes } from './portal/routes';
import { consoleRoutes } from './console/routes';

export interface RouteDef { pattern: string; render(params: Record<string, string>): ReactNode }

function Redirect({ to }: { to: string }) {
  const { navigate } = useRouter();
  useEffect(() => { navigate(to, { replace: true }); }, [navigate, to]);
  return null;
}

function findRoute(routes: RouteDef[], path: string): ReactNode | null {
  for (const route of routes) {
    const params = matchPath(route.pattern, path);
    if (params) return route.render(params);
  }
  return null;
}

function Routes() {
  const { path } = useRouter();
  const { identity, checking } = useSession();
  if (path === '/login') return <LoginPage />;
  if (path === '/verify') return <VerifyPage />;
  if (path === '/signup') return <SignupPage />;
  if (checking) return <div style={{ padding: 64, textAlign: 'center' }}><Spin size="large" /></div>;
  if (path === '/help' || path.startsWith('/help/')) {
    const slug = path.startsWith('/help/') ? decodeURIComponent(path.slice(6)) : null;
    if (!identity) return <HelpPage slug={slug} standalone />;
    return <Shell area={isOperatorRole(identity.role) ? 'console' : 'portal'}><HelpPage slug={slug} standalone={false} /></Shell>;
  }
  if (!identity) return <Redirect to={`/login?next=${encodeURIComponent(path)}`} />;
  if (path === '/enroll-totp') return <TotpEnrollPage />;
  if (identity.mustEnrollTotp) return <Redirect to={`/enroll-totp?next=${encodeURIComponent(path)}`} />;
  const operator = isOperatorRole(identity.role);
  const home = operator ? '/console' : '/portal';
  if (path === '/' || path === '') return <Redirect to={home} />;
  if (path.startsWith('/console') && operator) {
    return <Shell area="console">{findRoute(consoleRoutes, path) ?? <Redirect to="/console" />}</Shell>;
  }
  if (path.startsWith('/portal') && (isMerchantRole(identity.role) || operator)) {
    return <Shell area="portal">{findRoute(portalRoutes, path) ?? <Redirect to="/portal" />}</Shell>;
  }
  return <Redirect to={home} />;
}

export function App() {
  const { locale } = useI18n();
  return (
    <ConfigProvider locale={locale === 'en' ? enUS : zhCN} theme={{ token: { colorPrimary: '#c8102e', borderRadius: 6 } }}>
      <AntApp>
        <Routes />
      </AntApp>
    </ConfigProvider>
  );
}
