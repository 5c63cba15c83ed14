// Contract of the notifications module (issue 10 fills it in): every message to a merchant is
// written to the outbox in the caller's transaction, carries a notice code, and is delivered by a
// worker. Callers name a template and its parameters; they never build message text themselves.
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';

export type Channel = 'sms' | 'email' | 'inbox' | 'terminal';

export interface NotificationInput {
  merchantId: string;
  /** Template key, e.g. 'activation_code_issued', 'reactivation_required'. */
  template: string;
  channels: Channel[];
  params: Record<string, string | number>;
  terminalId?: string | null;
  /** Override the recipient phone (hotline verification goes to the registered phone anyway). */
  locale?: 'zh-CN' | 'en';
}

export interface QueuedNotification { messageId: string; channel: Channel; noticeCode: string }

export async function sendNotification(ctx: AppContext, trx: Executor, input: NotificationInput): Promise<QueuedNotification[]> {
  void ctx; void trx; void input;
  return []; // Replaced by the notifications module (issue 10).
}
