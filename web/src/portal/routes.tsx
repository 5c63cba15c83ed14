// The merchant portal's pages.
import type { RouteDef } from '../App';
import { HelpPage } from '../pages/HelpPage';
import { ApplicationsPage } from './ApplicationsPage';
import { InboxPage } from './InboxPage';
import { OnboardingPage } from './OnboardingPage';
import { ReportsPage } from './ReportsPage';
import { SettlementsPage } from './SettlementsPage';
import { TerminalDetailPage } from './TerminalDetailPage';
import { TerminalsPage } from './TerminalsPage';
import { TransactionsPage } from './TransactionsPage';

export const portalRoutes: RouteDef[] = [
  { pattern: '/portal', render: () => <TerminalsPage /> },
  { pattern: '/portal/terminals/:sn', render: (p) => <TerminalDetailPage sn={p.sn!} /> },
  { pattern: '/portal/onboarding', render: () => <OnboardingPage /> },
  { pattern: '/portal/applications', render: () => <ApplicationsPage /> },
  { pattern: '/portal/transactions', render: () => <TransactionsPage /> },
  { pattern: '/portal/settlements', render: () => <SettlementsPage /> },
  { pattern: '/portal/reports', render: () => <ReportsPage /> },
  { pattern: '/portal/inbox', render: () => <InboxPage /> },
  { pattern: '/portal/help', render: () => <HelpPage slug={null} standalone={false} /> },
];
