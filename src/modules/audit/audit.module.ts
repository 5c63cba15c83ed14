// The audit module's entry point: routes, demo seed and workers (see src/platform/module.ts).
import type { JihuoModule } from '../../platform/module.js';
import { auditRoutes } from './audit.routes.js';

export const auditModule: JihuoModule = {
  name: 'audit',
  routes: auditRoutes,
};
