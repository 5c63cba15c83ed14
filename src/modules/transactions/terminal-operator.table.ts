// Row types of the terminal operator tables (operators with PINs, the supervisor password).
export interface TerminalOperatorTable {
  terminal_id: string;
  merchant_id: string;
  operator_no: string;
  name: string | null;
  pin_hash: string;
  failed_attempts: number;
  locked_until: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface TerminalSupervisorTable {
  terminal_id: string;
  merchant_id: string | null;
  password_hash: string | null;
  failed_attempts: number;
  locked_until: Date | null;
  updated_at: Date;
}

/** The operator signed in on a terminal (one at a time), until sign-out, another sign-in or expiry. */
export interface TerminalOperatorSessionTable {
  terminal_id: string;
  merchant_id: string;
  operator_no: string;
  signed_in_at: Date;
  expires_at: Date;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    terminal_operators: TerminalOperatorTable;
    terminal_operator_sessions: TerminalOperatorSessionTable;
    terminal_supervisors: TerminalSupervisorTable;
  }
}
