// Row types of the risk module's tables.
import type { JSONColumnType } from 'kysely';
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
export interface RiskCursorTable { name: string; last_created_at: Date; last_id: string }

declare module '../../platform/db/schema.js' {
  interface Database {
    risk_rules: RiskRuleTable;
    risk_rule_versions: RiskRuleVersionTable;
    risk_hits: RiskHitTable;
    risk_cursor: RiskCursorTable;
  }
}
