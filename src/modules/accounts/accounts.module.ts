// The accounts module: user accounts, sessions, TOTP and password reset (SPEC §2, §13).
import type { JihuoModule } from '../../platform/module.js';
import { accountsRoutes } from './accounts.routes.js';
import { sessionAuthenticator } from './accounts.service.js';

export const accountsModule: JihuoModule = {
  name: 'accounts',
  routes: accountsRoutes,
  authenticators: (ctx) => [sessionAuthenticator(ctx)],
  sealedColumns: [{ table: 'users', key: 'id', column: 'totp_secret_enc', field: 'users.totp_secret' }],
};
