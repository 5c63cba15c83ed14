// The settlement module's entry point: daily T+1 settlement and statements (SPEC §9).
import type { JihuoModule } from '../../platform/module.js';
import { settlementRoutes } from './settlement.routes.js';

export const settlementModule: JihuoModule = {
  name: 'settlement',
  routes(app, ctx) { settlementRoutes(app, ctx); },
};
