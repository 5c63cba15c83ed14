// The transactions module's entry point: routes, demo seed and workers (see src/platform/module.ts).
import type { JihuoModule } from '../../platform/module.js';
import { registerMerchantTransactionRoutes } from './merchant.routes.js';
import { registerTerminalTransactionRoutes } from './transactions.routes.js';

export const transactionsModule: JihuoModule = {
  name: 'transactions',
  routes: (app, ctx) => {
    registerTerminalTransactionRoutes(app, ctx);
    registerMerchantTransactionRoutes(app, ctx);
  },
};
