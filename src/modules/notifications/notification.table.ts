// Row types of the notifications module's tables (outbox, attempts, webhooks).
import type { Generated, JSONColumnType, Selectable } from 'kysely';

export type Channel = 'sms' | 'email' | 'inbox' | 'terminal';
export type MessageStatus = 'pending' | 'sent' | 'failed';

export interface NotificationMessageTable {
  id: string;
  /** Null for a message to an operator (addressed to a user, `user_id`). */
  merchant_id: string | null;
  /** The user a message was sent to directly (password reset), not the merchant's contact. */
  user_id: string | null;
  terminal_id: string | null;
  channel: Channel;
  template: string;
  locale: string;
  subject: string;
  body_enc: string;
  recipient_mask: string;
  recipient_enc: string | null;
  notice_code_hash: string;
  status: MessageStatus;
  attempts: Generated<number>;
  next_attempt_at: Date;
  claimed_until: Date | null;
  claimed_by: string | null;
  last_error: string | null;
  provider_message_id: string | null;
  created_at: Date;
  sent_at: Date | null;
  failed_at: Date | null;
  read_at: Date | null;
}

export interface NotificationAttemptTable {
  id: Generated<number>;
  message_id: string;
  merchant_id: string | null;
  attempt: number;
  at: Date;
  outcome: 'sent' | 'error';
  provider: string;
  error: string | null;
}

export type WebhookEndpointStatus = 'active' | 'disabled' | 'deleted';

export interface WebhookEndpointTable {
  id: string;
  url: string;
  description: Generated<string>;
  event_types: JSONColumnType<string[], string, string>;
  secret_enc: string;
  status: WebhookEndpointStatus;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface WebhookEventTable {
  id: string;
  type: string;
  merchant_id: string | null;
  /** The exact JSON body sent to every endpoint (signed at each attempt with a fresh timestamp). */
  payload: string;
  created_at: Date;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveryTable {
  id: string;
  event_id: string;
  endpoint_id: string;
  merchant_id: string | null;
  event_type: string;
  status: WebhookDeliveryStatus;
  attempts: Generated<number>;
  next_attempt_at: Date;
  claimed_until: Date | null;
  claimed_by: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
  failed_at: Date | null;
}

export interface WebhookAttemptTable {
  id: Generated<number>;
  delivery_id: string;
  attempt: number;
  at: Date;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export type MessageRow = Selectable<NotificationMessageTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>;
export type WebhookEndpointRow = Selectable<WebhookEndpointTable>;

declare module '../../platform/db/schema.js' {
  interface Database {
    notification_messages: NotificationMessageTable;
    notification_attempts: NotificationAttemptTable;
    webhook_endpoints: WebhookEndpointTable;
    webhook_events: WebhookEventTable;
    webhook_deliveries: WebhookDeliveryTable;
    webhook_attempts: WebhookAttemptTable;
  }
}
