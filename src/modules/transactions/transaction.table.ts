// Row types of the transactions module's tables.
export type TransactionMethod = 'debit_card' | 'credit_card' | 'wechat_qr' | 'alipay_qr' | 'unionpay_qr';

export interface TransactionTable {
  id: string;
  merchant_id: string;
  terminal_id: string;
  kind: 'sale' | 'void' | 'refund';
  original_id: string | null;
  status: 'approved' | 'declined';
  decline_code: string | null;
  method: TransactionMethod;
  amount_fen: number;
  fee_fen: number;
  net_fen: number;
  rate_ppm: number | null;
  cap_fen: number | null;
  fee_rule_kind: string | null;
  fee_rule_id: string | null;
  card_bin: string | null;
  card_last4: string | null;
  operator_no: string | null;
  training: boolean;
  refunded_fen: number;
  voided_at: Date | null;
  occurred_at: Date;
  business_date: string;
  created_at: Date;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    transactions: TransactionTable;
  }
}
