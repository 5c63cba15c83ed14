// The operations console's pages.
import type { RouteDef } from '../App';
import { ApplicationsQueuePage } from './ApplicationsQueuePage';
import { HotlinePage } from './HotlinePage';
import { ImportPage } from './ImportPage';
import { AuditPage, CampaignsPage, NotificationsPage, PricingPage, RiskHitsPage } from './ListPages';
import { ReviewQueuePage } from './ReviewQueuePage';
import { MerchantSearchPage, TerminalSearchPage } from './SearchPages';

export const consoleRoutes: RouteDef[] = [
  { pattern: '/console', render: () => <ReviewQueuePage /> },
  { pattern: '/console/merchants', render: () => <MerchantSearchPage /> },
  { pattern: '/console/terminals', render: () => <TerminalSearchPage /> },
  { pattern: '/console/hotline', render: () => <HotlinePage /> },
  { pattern: '/console/import', render: () => <ImportPage /> },
  { pattern: '/console/applications', render: () => <ApplicationsQueuePage /> },
  { pattern: '/console/campaigns', render: () => <CampaignsPage /> },
  { pattern: '/console/pricing', render: () => <PricingPage /> },
  { pattern: '/console/risk', render: () => <RiskHitsPage /> },
  { pattern: '/console/notifications', render: () => <NotificationsPage /> },
  { pattern: '/console/audit', render: () => <AuditPage /> },
];
