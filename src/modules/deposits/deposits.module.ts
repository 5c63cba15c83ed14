// The deposits module's entry point: deposit routes and the sweep that creates, refunds and
// forfeits deposits as time passes (SPEC §9).
import type { JihuoModule } from '../../platform/module.js';
import { sweepDeposits } from './deposit.service.js';
import { depositRoutes } from './deposits.routes.js';

export const depositsModule: JihuoModule = {
  name: 'deposits',
  routes(app, ctx) { depositRoutes(app, ctx); },
  workers: [{ name: 'deposit-sweep', intervalMs: 60_000, run: async (ctx) => { await sweepDeposits(ctx); } }],
};
