// The merchants module's entry point: routes, demo seed and workers (see src/platform/module.ts).
import type { JihuoModule } from '../../platform/module.js';
import { seedMerchants } from './merchant.seed.js';
import { sealedFields } from './merchant.service.js';
import { registerMerchantRoutes } from './merchants.routes.js';

export const merchantsModule: JihuoModule = {
  name: 'merchants',
  routes: (app, ctx) => registerMerchantRoutes(app, ctx),
  seed: (ctx) => seedMerchants(ctx),
  sealedColumns: [
    { table: 'merchants', key: 'id', column: 'id_number_enc', field: sealedFields.idNumber },
    { table: 'merchants', key: 'id', column: 'account_number_enc', field: sealedFields.accountNumber },
  ],
};
