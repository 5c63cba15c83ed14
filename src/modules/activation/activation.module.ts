// The activation module's entry point: routes, demo seed and workers (see src/platform/module.ts).
import type { JihuoModule } from '../../platform/module.js';
import './activation.table.js';
import { activationRoutes } from './activation.routes.js';

export const activationModule: JihuoModule = {
  name: 'activation',
  routes: activationRoutes,
  sealedColumns: [{ table: 'activation_pending_keys', key: 'terminal_id', column: 'key_enc', field: 'activation_pending_keys.key' }],
};
