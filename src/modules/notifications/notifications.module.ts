// The notifications module's entry point: routes, workers (outbox and webhook delivery) and the
// sealed columns it declares for key rotation (see src/platform/module.ts).
import type { JihuoModule } from '../../platform/module.js';
import { bodyField, deliverDueMessages, recipientField } from './notification.service.js';
import { notificationRoutes } from './notifications.routes.js';
import { deliverDueWebhooks, secretField } from './webhook.service.js';

export const notificationsModule: JihuoModule = {
  name: 'notifications',
  routes: notificationRoutes,
  workers: [
    { name: 'notifications.outbox', intervalMs: 2_000, run: async (ctx) => { await deliverDueMessages(ctx, {}); } },
    { name: 'notifications.webhooks', intervalMs: 2_000, run: async (ctx) => { await deliverDueWebhooks(ctx, {}); } },
  ],
  sealedColumns: [
    { table: 'notification_messages', key: 'id', column: 'body_enc', field: bodyField },
    { table: 'notification_messages', key: 'id', column: 'recipient_enc', field: recipientField },
    { table: 'webhook_endpoints', key: 'id', column: 'secret_enc', field: secretField },
  ],
};
