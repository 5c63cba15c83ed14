// Row types of the ledger's tables.
import type { Generated } from 'kysely';

export interface LedgerAccountTable {
  code: string;
  kind: string;
  merchant_id: string | null;
  name: string;
  created_at: Generated<Date>;
}

export interface JournalEntryTable {
  id: string;
  kind: string;
  merchant_id: string | null;
  ref_type: string | null;
  ref_id: string | null;
  dedupe_key: string | null;
  business_date: string;
  occurred_at: Date;
  created_at: Generated<Date>;
  description: Generated<string>;
}

export interface JournalLineTable {
  id: Generated<number>;
  entry_id: string;
  account_code: string;
  merchant_id: string | null;
  amount_fen: number;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    ledger_accounts: LedgerAccountTable;
    journal_entries: JournalEntryTable;
    journal_lines: JournalLineTable;
  }
}
