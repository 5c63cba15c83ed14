// Row types of the support module's tables.
import type { Generated, JSONColumnType } from 'kysely';

export type TicketStatus = 'open' | 'pending_merchant' | 'pending_ops' | 'resolved' | 'closed';
export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent';
export type TicketCategory = 'activation' | 'reactivation' | 'transaction' | 'settlement' | 'deposit' | 'device' | 'account' | 'fraud' | 'other';

export interface TicketTable {
  id: string;
  merchant_id: string;
  terminal_id: string | null;
  category: TicketCategory;
  priority: TicketPriority;
  status: TicketStatus;
  source: 'portal' | 'hotline' | 'auto';
  subject: string;
  fraud: boolean;
  assignee_id: string | null;
  related_case_id: string | null;
  related_notice: string | null;
  sla_due_at: Date;
  first_response_at: Date | null;
  resolved_at: Date | null;
  closed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface TicketMessageTable {
  id: Generated<number>;
  ticket_id: string;
  merchant_id: string;
  author_kind: string;
  author_id: string | null;
  visibility: 'merchant' | 'internal';
  body: string;
  created_at: Date;
}

export interface AnnouncementFilter { modelCodes?: string[]; cityCodes?: string[]; mccs?: string[] }

export interface AnnouncementTable {
  id: string;
  kind: 'maintenance' | 'firmware' | 'update' | 'general';
  title_zh: string;
  title_en: string;
  body_zh: string;
  body_en: string;
  starts_at: Date;
  ends_at: Date;
  filter: JSONColumnType<AnnouncementFilter, string, string>;
  channels: JSONColumnType<string[], string, string>;
  status: Generated<'draft' | 'published' | 'withdrawn'>;
  published_at: Date | null;
  created_by: string | null;
  created_at: Date;
}

export interface AnnouncementOptInTable { merchant_id: string; channel: 'sms' | 'email'; created_at: Date }
export interface AnnouncementDeliveryTable { announcement_id: string; merchant_id: string; channel: string; sent_at: Date }
export interface AnnouncementTerminalNoticeTable {
  announcement_id: string; terminal_id: string; merchant_id: string; notice_code: string; message_id: string; created_at: Date;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    tickets: TicketTable;
    ticket_messages: TicketMessageTable;
    announcements: AnnouncementTable;
    announcement_opt_ins: AnnouncementOptInTable;
    announcement_deliveries: AnnouncementDeliveryTable;
    announcement_terminal_notices: AnnouncementTerminalNoticeTable;
  }
}
