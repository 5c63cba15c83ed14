// The pricing module's entry point: routes, demo seed and workers (see src/platform/module.ts).
import type { JihuoModule } from '../../platform/module.js';
import { ensureDefaultPlan } from './pricing.repository.js';
import { registerPricingRoutes } from './pricing.routes.js';

export const pricingModule: JihuoModule = {
  name: 'pricing',
  routes: (app, ctx) => registerPricingRoutes(app, ctx),
  // The demo seed adds only the default plan's rates (Appendix B): no other rule applies.
  seed: async (ctx) => { await ensureDefaultPlan(ctx.db, ctx.clock.now()); },
};
