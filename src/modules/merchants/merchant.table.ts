// Row types of the merchants module's tables.
import type { Generated, JSONColumnType } from 'kysely';

export interface MerchantTable {
  id: string;
  mid: string;
  type: 'individual' | 'enterprise';
  status: 'draft' | 'submitted' | 'under_review' | 'approved' | 'rejected' | 'needs_info';
  legal_name: string;
  phone: string | null;
  email: string | null;
  id_type: Generated<string>;
  id_number_enc: string | null;
  id_number_hash: string | null;
  id_number_mask: string | null;
  id_name: string | null;
  id_expiry: string | null;
  uscc: string | null;
  license_name: string | null;
  license_expiry: string | null;
  mcc: string | null;
  province: string | null;
  city: string | null;
  city_code: string | null;
  district: string | null;
  address_line: string | null;
  bank_name: string | null;
  account_number_enc: string | null;
  account_number_hash: string | null;
  account_number_mask: string | null;
  account_holder: string | null;
  risk_score: number | null;
  risk_level: 'low' | 'medium' | 'high' | null;
  risk_reasons: JSONColumnType<unknown[], string, string>;
  quiet_start_minute: Generated<number>;
  quiet_end_minute: Generated<number>;
  locale: Generated<string>;
  pricing_plan_id: string | null;
  submitted_at: Date | null;
  approved_at: Date | null;
  identity_check: 'pass' | 'fail' | 'unavailable' | null;
  identity_checked_at: Date | null;
  account_check: 'pass' | 'fail' | 'unavailable' | null;
  account_checked_at: Date | null;
  review_note: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface MerchantStatusHistoryTable {
  id: Generated<number>;
  merchant_id: string;
  at: Date;
  from_status: string | null;
  to_status: string;
  actor_kind: string;
  actor_id: string | null;
  note: string | null;
}

export interface MerchantDocumentTable {
  id: string;
  merchant_id: string;
  kind: 'id_front' | 'id_back' | 'license' | 'storefront' | 'bank_card';
  blob_key: string;
  content_type: 'image/jpeg' | 'image/png' | 'application/pdf';
  size_bytes: number;
  sha256: string;
  status: Generated<'current' | 'replaced'>;
  uploaded_by: string | null;
  created_at: Date;
}

export interface MerchantBlacklistTable {
  id: string;
  kind: 'id_number' | 'account_number' | 'phone' | 'uscc';
  value_hash: string;
  value_mask: string;
  reason: string;
  created_by: string | null;
  created_at: Date;
  removed_at: Date | null;
  removed_by: string | null;
}

export interface MerchantEventTable {
  id: string;
  merchant_id: string;
  type: string;
  payload: JSONColumnType<Record<string, unknown>, string, string>;
  created_at: Date;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    merchants: MerchantTable;
    merchant_status_history: MerchantStatusHistoryTable;
    merchant_documents: MerchantDocumentTable;
    merchant_blacklist: MerchantBlacklistTable;
    merchant_events: MerchantEventTable;
  }
}
