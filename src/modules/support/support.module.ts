// The support module: help centre, support tickets, scam reports, announcements, hotline view.
import type { JihuoModule } from '../../platform/module.js';
import { deliverAnnouncements } from './announcement.service.js';
import { helpRoutes } from './help.routes.js';
import { supportRoutes } from './support.routes.js';

export const supportModule: JihuoModule = {
  name: 'support',
  routes(app, ctx) {
    helpRoutes(app, ctx);
    supportRoutes(app, ctx);
  },
  workers: [{ name: 'announcement-delivery', intervalMs: 60_000, run: async (ctx) => { await deliverAnnouncements(ctx); } }],
};
