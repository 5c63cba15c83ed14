// Row types of the reactivation module's tables.
import type { ColumnType, JSONColumnType } from 'kysely';
import type { StepKind } from './reasons.js';

export type CaseStatus = 'open' | 'in_progress' | 'completed' | 'expired' | 'cancelled';
export type CampaignStatus = 'running' | 'paused' | 'cancelled' | 'completed';

export interface ReactivationCaseTable {
  id: string;
  terminal_id: string;
  merchant_id: string | null;
  reason: string;
  policy: 'blocking' | 'grace';
  status: CaseStatus;
  note: string | null;
  evidence_merchant: JSONColumnType<Record<string, unknown>, string, string>;
  evidence_internal: JSONColumnType<Record<string, unknown>, string, string>;
  deadline: Date | null;
  blocks_at: Date | null;
  disputed_at: Date | null;
  dispute_ticket_id: string | null;
  dispute_outcome: 'genuine' | 'fraud' | null;
  blocked_at: Date | null;
  /** Milliseconds the case spent disputed while blocked (not counted toward its expiry). */
  blocked_paused_ms: ColumnType<number, number | undefined, number>;
  effective_at: Date | null;
  needs_code: boolean;
  key_rotation_pending: boolean;
  trigger_key: string | null;
  campaign_id: string | null;
  replaces_case_id: string | null;
  opened_by_kind: string;
  opened_by_id: string | null;
  created_at: Date;
  updated_at: Date;
  closed_at: Date | null;
}

export interface ReactivationStepTable {
  case_id: string;
  kind: StepKind;
  position: number;
  merchant_id: string | null;
  status: 'pending' | 'completed';
  completed_at: Date | null;
  completed_by_kind: string | null;
  completed_by_id: string | null;
  code_hash: string | null;
  code_expires_at: Date | null;
  code_attempts: number;
}

export interface ReactivationNoticeTable {
  case_id: string;
  kind: string;
  merchant_id: string | null;
  sent_at: Date;
}

export interface ReactivationCampaignTable {
  id: string;
  name: string;
  reason: string;
  note: string | null;
  filter: JSONColumnType<Record<string, unknown>, string, string>;
  status: CampaignStatus;
  rate_per_hour: number;
  total_count: number;
  opened_count: number;
  skipped_count: number;
  cursor_terminal_id: string | null;
  window_started_at: Date | null;
  window_opened_count: number;
  created_by_kind: string;
  created_by_id: string | null;
  started_at: Date;
  finished_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    reactivation_cases: ReactivationCaseTable;
    reactivation_steps: ReactivationStepTable;
    reactivation_notices: ReactivationNoticeTable;
    reactivation_campaigns: ReactivationCampaignTable;
  }
}
