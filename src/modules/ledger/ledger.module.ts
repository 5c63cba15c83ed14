// The ledger module's entry point: balance and invariant routes (see src/platform/module.ts).
import type { JihuoModule } from '../../platform/module.js';
import { ledgerRoutes } from './ledger.routes.js';

export const ledgerModule: JihuoModule = {
  name: 'ledger',
  routes(app, ctx) { ledgerRoutes(app, ctx); },
};
