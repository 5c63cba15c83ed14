// The merchants module's entry point: routes, demo seed and workers (see src/platform/module.ts).
import type { JihuoModule } from '../../platform/module.js';

export const merchantsModule: JihuoModule = {
  name: 'merchants',
};
