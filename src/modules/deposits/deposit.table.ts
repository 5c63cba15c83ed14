// Row types of the deposits module's tables.
export type DepositStatus = 'pending' | 'held' | 'refunded' | 'forfeited';

export interface DepositTable {
  id: string;
  merchant_id: string;
  origin_terminal_id: string;
  terminal_id: string;
  model_code: string;
  amount_fen: number;
  threshold_fen: number;
  window_days: number;
  activated_at: Date;
  deadline: Date;
  collected_fen: number;
  status: DepositStatus;
  volume_fen: number;
  refunded_fen: number;
  forfeited_fen: number;
  closed_at: Date | null;
  refund_paid_date: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface DepositTerminalTable { terminal_id: string; deposit_id: string }

export interface DepositCollectionTable {
  deposit_id: string;
  date: string;
  merchant_id: string;
  amount_fen: number;
  created_at: Date;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    deposits: DepositTable;
    deposit_terminals: DepositTerminalTable;
    deposit_collections: DepositCollectionTable;
  }
}
