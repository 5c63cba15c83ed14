// The frame of the portal and the console: a side menu that folds away at phone width, a header
// with the language switch and log-out, and in the portal the active announcements above the page.
import { Button, Drawer, Grid, Layout, Menu, Space, Typography } from 'antd';
import { useState, type ReactNode } from 'react';
import { useI18n } from '../lib/i18n';
import type { MessageKey } from '../lib/messages';
import { useRouter } from '../lib/router';
import { useSession } from '../session';
import { AnnouncementBanner } from './AnnouncementBanner';

const portalMenu: [string, MessageKey][] = [
  ['/portal', 'nav.terminals'], ['/portal/onboarding', 'nav.onboarding'], ['/portal/applications', 'nav.applications'],
  ['/portal/transactions', 'nav.transactions'],
  ['/portal/settlements', 'nav.settlements'], ['/portal/reports', 'nav.reports'], ['/portal/inbox', 'nav.inbox'],
  ['/help', 'nav.help'], ['/verify', 'nav.verify'],
];

const consoleMenu: [string, MessageKey][] = [
  ['/console', 'nav.reviewQueue'], ['/console/merchants', 'nav.merchants'], ['/console/terminals', 'nav.terminalSearch'],
  ['/console/hotline', 'nav.hotline'], ['/console/import', 'nav.import'], ['/console/applications', 'nav.applicationQueue'],
  ['/console/campaigns', 'nav.campaigns'],
  ['/console/pricing', 'nav.pricing'], ['/console/risk', 'nav.risk'], ['/console/notifications', 'nav.notifications'],
  ['/console/audit', 'nav.audit'], ['/help', 'nav.help'],
];

export function LanguageSwitch() {
  const { t, toggle } = useI18n();
  return <Button size="small" onClick={toggle} data-testid="lang-switch">{t('lang.switch')}</Button>;
}

export function Shell({ area, children }: { area: 'portal' | 'console'; children: ReactNode }) {
  const { t } = useI18n();
  const { path, navigate } = useRouter();
  const { identity, logout } = useSession();
  const screens = Grid.useBreakpoint();
  const [drawerOpen, setDrawerOpen] = useState(false);
  const items = (area === 'portal' ? portalMenu : consoleMenu).map(([key, label]) => ({ key, label: t(label) }));
  const selected = items.map((i) => i.key).filter((k) => path === k || (k !== `/${area}` && path.startsWith(k)));
  const menu = (
    <Menu mode="inline" items={items} selectedKeys={selected.length ? selected : [`/${area}`]}
      onClick={({ key }) => { setDrawerOpen(false); navigate(key); }} />
  );
  const wide = screens.md ?? true;
  return (
    <Layout style={{ minHeight: '100vh' }}>
      {wide && <Layout.Sider theme="light" width={208} style={{ borderRight: '1px solid #f0f0f0' }}>{menu}</Layout.Sider>}
      <Layout>
        <Layout.Header style={{ background: '#fff', padding: '0 16px', display: 'flex', alignItems: 'center', gap: 12, borderBottom: '1px solid #f0f0f0' }}>
          {!wide && <Button onClick={() => setDrawerOpen(true)} aria-label="menu">☰</Button>}
          <Typography.Text strong style={{ fontSize: 16, whiteSpace: 'nowrap' }}>
            {t(area === 'portal' ? 'app.portal' : 'app.console')}
          </Typography.Text>
          <span style={{ flex: 1 }} />
          <Space size="small">
            {wide && <Typography.Text type="secondary">{identity?.name} · {identity?.role}</Typography.Text>}
            <LanguageSwitch />
            <Button size="small" onClick={() => { void logout(); }}>{t('common.logout')}</Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: wide ? 24 : 12 }}>{area === 'portal' && <AnnouncementBanner />}{children}</Layout.Content>
      </Layout>
      <Drawer open={drawerOpen} onClose={() => setDrawerOpen(false)} placement="left" size={240} title={t('app.title')}>
        {menu}
      </Drawer>
    </Layout>
  );
}
