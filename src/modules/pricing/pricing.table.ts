// Row types of the pricing module's tables.
import type { JSONColumnType } from 'kysely';
import type { PaymentMethod, RuleKind } from './fee.js';

export interface PricingPlanTable {
  id: string;
  name: string;
  is_default: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface PricingPlanRateTable {
  plan_id: string;
  method: PaymentMethod;
  rate_ppm: number;
  cap_fen: number | null;
}

export interface PricingRuleTable {
  id: string;
  kind: RuleKind;
  name: string;
  method: PaymentMethod | null;
  rate_ppm: number;
  mcc: string | null;
  province: string | null;
  city_code: string | null;
  risk_level: 'low' | 'medium' | 'high' | null;
  merchant_id: string | null;
  merchant_ids: JSONColumnType<string[] | null, string | null, string | null>;
  starts_on: string | null;
  ends_on: string | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    pricing_plans: PricingPlanTable;
    pricing_plan_rates: PricingPlanRateTable;
    pricing_rules: PricingRuleTable;
  }
}
