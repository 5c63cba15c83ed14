// Row types of the accounts module's tables.
import type { Generated } from 'kysely';
import type { Role } from '../../platform/actor.js';

export interface UserTable {
  id: string;
  login: string;
  display_name: string;
  phone: string | null;
  role: Exclude<Role, 'integration'>;
  merchant_id: string | null;
  password_hash: string;
  totp_secret_enc: string | null;
  totp_enabled: Generated<boolean>;
  totp_last_step: number | null;
  failed_logins: Generated<number>;
  locked_until: Date | null;
  reset_failures: Generated<number>;
  reset_locked_until: Date | null;
  disabled_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface SessionTable {
  id: string;
  user_id: string;
  token_hash: string;
  mfa_passed: Generated<boolean>;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

export interface PasswordResetCodeTable {
  id: string;
  user_id: string;
  code_hash: string;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    users: UserTable;
    sessions: SessionTable;
    password_reset_codes: PasswordResetCodeTable;
  }
}
