// Row types of the platform's own tables.
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

export interface ApiKeyTable {
  id: string;
  name: string;
  role: string;
  merchant_id: string | null;
  scopes: JSONColumnType<string[], string, string>;
  key_hash: string;
  key_prefix: string;
  created_at: Generated<Date>;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export interface AuditLogTable {
  seq: Generated<number>;
  id: string;
  at: Date;
  actor_kind: string;
  actor_id: string | null;
  actor_role: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  merchant_id: string | null;
  request_id: string | null;
  details: JSONColumnType<Record<string, unknown>, string, string>;
  /** The chain lane the row links into (see audit.ts). */
  lane: number;
  prev_hash: string;
  hash: string;
}

export interface IdempotencyKeyTable {
  scope: string;
  key: string;
  request_hash: string;
  status_code: number | null;
  response_body: string | null;
  created_at: Generated<Date>;
}

export interface PlatformSettingTable {
  key: string;
  value: ColumnType<unknown, string, string>;
  updated_at: Generated<Date>;
}

export interface TerminalNonceTable {
  sn: string;
  nonce: string;
  seen_at: Date;
}

export interface RateLimitCounterTable {
  scope: string;
  key: string;
  window_started_ms: ColumnType<number, number, number>;
  count: number;
}

declare module './schema.js' {
  interface Database {
    api_keys: ApiKeyTable;
    rate_limit_counters: RateLimitCounterTable;
    audit_log: AuditLogTable;
    idempotency_keys: IdempotencyKeyTable;
    platform_settings: PlatformSettingTable;
    terminal_nonces: TerminalNonceTable;
  }
}
