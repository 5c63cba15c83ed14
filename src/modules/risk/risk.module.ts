// The risk module: rules over transactions and heartbeats, hits, review, merchant risk level.
import type { JihuoModule } from '../../platform/module.js';
import { riskRoutes } from './risk.routes.js';
import { seedRiskRules } from './risk.seed.js';
import { evaluateHeartbeats, evaluateTransactionStream, refreshDueRiskLevels } from './risk.service.js';

export const riskModule: JihuoModule = {
  name: 'risk',
  routes: riskRoutes,
  seed: seedRiskRules,
  workers: [
    { name: 'risk-transactions', intervalMs: 5_000, run: async (ctx) => { await evaluateTransactionStream(ctx); } },
    { name: 'risk-heartbeats', intervalMs: 60_000, run: async (ctx) => { await evaluateHeartbeats(ctx); } },
    { name: 'risk-levels', intervalMs: 600_000, run: async (ctx) => { await refreshDueRiskLevels(ctx); } },
  ],
};
