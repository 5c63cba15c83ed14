// Row types of the risk module's tables.
import type { Generated, JSONColumnType } from 'kysely';
import type { RiskAction, RuleKind, RuleParams } from './rules.js';

export interface RiskRuleTable {
  id: string; kind: RuleKind; name: string; enabled: boolean; action: RiskAction;
  params: JSONColumnType<RuleParams, string, string>; version: number; updated_by: string | null;
  created_at: Date; updated_at: Date;
}
export interface RiskRuleVersionTable {
  rule_id: string; version: number; enabled: boolean; action: string;
  params: JSONColumnType<RuleParams, string, string>; changed_by: string | null; changed_at: Date;
}
export interface RiskHitTable {
  id: string; rule_id: string; rule_version: number; kind: string; merchant_id: string; terminal_id: string | null;
  action: string; dedupe_key: string; evidence: JSONColumnType<Record<string, unknown>, string, string>;
  merchant_visible: JSONColumnType<Record<string, unknown>, string, string>;
  status: 'open' | 'approved' | 'dismissed' | 'actioned'; case_id: string | null; review_note: string | null;
  reviewed_by: string | null; reviewed_at: Date | null; created_at: Date;
}
export interface RiskQueueTable {
  seq: Generated<string>; transaction_id: string; merchant_id: string; terminal_id: string;
  city_code: string | null; lat: number | null; lng: number | null; enqueued_at: Date;
}
export interface RiskScanCursorTable { name: string; last_id: string }
export interface MerchantRiskLevelTable {
  merchant_id: string; hit_level: 'low' | 'medium' | 'high'; recent_hits: number; confirmed_hits: number; severe_hits: number;
  valid_until: Date | null; updated_at: Date;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    risk_rules: RiskRuleTable;
    risk_rule_versions: RiskRuleVersionTable;
    risk_hits: RiskHitTable;
    risk_queue: RiskQueueTable;
    risk_scan_cursors: RiskScanCursorTable;
    merchant_risk_levels: MerchantRiskLevelTable;
  }
}
