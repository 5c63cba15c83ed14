// Row types of the activation module's tables (migrations/0600_activation.sql).
import type { Generated, JSONColumnType } from 'kysely';

export type ActivationChannel = 'portal' | 'sms' | 'hotline';
export type ActivationCodeStatus = 'active' | 'used' | 'revoked' | 'locked';

export interface ActivationCodeTable {
  id: string;
  terminal_id: string;
  merchant_id: string;
  code_hash: string;
  channel: ActivationChannel;
  status: Generated<ActivationCodeStatus>;
  failed_attempts: Generated<number>;
  expires_at: Date;
  issued_by: string | null;
  created_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

export interface ActivationAttemptTable {
  id: Generated<number>;
  terminal_id: string;
  merchant_id: string | null;
  code_id: string | null;
  at: Date;
  failure: string;
}

export interface ActivationLockTable {
  terminal_id: string;
  merchant_id: string | null;
  locked_at: Date;
  locked_until: Date;
}

export interface PairingCodeTable {
  id: string;
  terminal_id: string;
  merchant_id: string | null;
  code_hash: string;
  status: Generated<'active' | 'used' | 'revoked'>;
  failed_attempts: Generated<number>;
  expires_at: Date;
  created_at: Date;
  used_at: Date | null;
}

export interface ActivationPendingKeyTable {
  terminal_id: string;
  merchant_id: string | null;
  key_enc: string;
  created_at: Date;
}

export interface HotlineVerificationTable {
  id: string;
  terminal_id: string;
  merchant_id: string;
  code_hash: string;
  status: Generated<'pending' | 'confirmed' | 'revoked' | 'locked'>;
  failed_attempts: Generated<number>;
  expires_at: Date;
  requested_by: string | null;
  created_at: Date;
  confirmed_at: Date | null;
}

export interface OperatorAlertTable {
  id: string;
  kind: string;
  terminal_id: string | null;
  merchant_id: string | null;
  details: JSONColumnType<Record<string, unknown>, string, string>;
  created_at: Date;
  acknowledged_at: Date | null;
}

export interface TerminalSelfTestTable {
  id: Generated<number>;
  terminal_id: string;
  merchant_id: string | null;
  results: JSONColumnType<Record<string, string>, string, string>;
  passed: boolean;
  created_at: Date;
}

export interface TerminalMessageTable {
  id: string;
  terminal_id: string;
  merchant_id: string | null;
  kind: string;
  text_zh: string;
  text_en: string;
  notice_code: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    activation_codes: ActivationCodeTable;
    activation_attempts: ActivationAttemptTable;
    activation_locks: ActivationLockTable;
    pairing_codes: PairingCodeTable;
    activation_pending_keys: ActivationPendingKeyTable;
    hotline_verifications: HotlineVerificationTable;
    operator_alerts: OperatorAlertTable;
    terminal_self_tests: TerminalSelfTestTable;
    terminal_messages: TerminalMessageTable;
  }
}
