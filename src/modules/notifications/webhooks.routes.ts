// Webhook endpoints managed by operators (filled in with the webhook service).
import type { AppContext } from '../../platform/context.js';
import type { JihuoApp } from '../../platform/module.js';

export async function webhookRoutes(app: JihuoApp, ctx: AppContext): Promise<void> {
  void app; void ctx;
}
