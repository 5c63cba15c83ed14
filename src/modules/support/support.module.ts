// The support module: help centre, support tickets, scam reports, announcements, hotline view.
import type { JihuoModule } from '../../platform/module.js';
import { helpRoutes } from './help.routes.js';

export const supportModule: JihuoModule = {
  name: 'support',
  routes(app, ctx) {
    helpRoutes(app, ctx);
  },
};
