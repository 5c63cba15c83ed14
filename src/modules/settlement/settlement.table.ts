// Row types of the settlement module's tables.
export interface SettlementRunTable {
  date: string;
  id: string;
  merchants: number;
  gross_fen: number;
  net_fen: number;
  transactions: number;
  started_at: Date;
  completed_at: Date;
}

export interface SettlementStatementTable {
  id: string;
  merchant_id: string;
  date: string;
  sale_count: number;
  gross_fen: number;
  fees_fen: number;
  voids_fen: number;
  refunds_fen: number;
  activity_fen: number;
  deposit_deduction_fen: number;
  net_fen: number;
  deposit_refund_fen: number;
  payout_fen: number;
  shortfall_carried_in_fen: number;
  shortfall_deduction_fen: number;
  shortfall_carried_fen: number;
  created_at: Date;
}

/** What a merchant owes from refund shortfalls of earlier statements. */
export interface SettlementShortfallTable {
  merchant_id: string;
  owed_fen: number;
  updated_date: string;
  updated_at: Date;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    settlement_runs: SettlementRunTable;
    settlement_statements: SettlementStatementTable;
    settlement_shortfalls: SettlementShortfallTable;
  }
}
