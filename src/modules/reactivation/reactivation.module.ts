// The reactivation module's entry point: routes, demo seed and workers (see src/platform/module.ts).
import type { JihuoModule } from '../../platform/module.js';
import { registerBusinessHoursRoutes } from './business-hours.routes.js';
import { registerCampaignRoutes } from './campaign.routes.js';
import { registerDisputeRoutes } from './dispute.routes.js';
import { registerReactivationRoutes } from './reactivation.routes.js';
import { reactivationWorkers } from './reactivation.workers.js';

export const reactivationModule: JihuoModule = {
  name: 'reactivation',
  routes: (app, ctx) => {
    registerReactivationRoutes(app, ctx); registerCampaignRoutes(app, ctx); registerDisputeRoutes(app, ctx);
    registerBusinessHoursRoutes(app, ctx);
  },
  workers: reactivationWorkers,
};
