// Upstream authorization (card network, wallet channels) behind one interface. The default is a
// deterministic sandbox (README "Transactions sandbox"): the last two digits of the amount in fen
// choose the answer, so demos and tests can produce every outcome.
import type { TransactionMethod } from './transaction.table.js';

export type Channel = 'unionpay' | 'wechat' | 'alipay' | 'unionpay_qr';

export function channelOf(method: TransactionMethod): Channel {
  switch (method) {
    case 'debit_card':
    case 'credit_card':
      return 'unionpay';
    case 'wechat_qr': return 'wechat';
    case 'alipay_qr': return 'alipay';
    case 'unionpay_qr': return 'unionpay_qr';
    default: {
      const never: never = method;
      throw new Error(`unknown method ${String(never)}`);
    }
  }
}

export interface AuthorizationRequest {
  transactionId: string;
  channel: Channel;
  method: TransactionMethod;
  amountFen: number;
  merchantId: string;
  terminalId: string;
  cardBin: string | null;
}

export type AuthorizationResult =
  | { outcome: 'approved'; authCode: string }
  | { outcome: 'declined'; declineCode: UpstreamDeclineCode };

export type UpstreamDeclineCode = 'insufficient_funds' | 'do_not_honor' | 'exceeds_limit' | 'issuer_unavailable';

export interface Authorizer {
  authorize(request: AuthorizationRequest): Promise<AuthorizationResult>;
}

/** Sandbox triggers: amount in fen modulo 100. Every other amount is approved. */
export const sandboxTriggers: Readonly<Record<number, UpstreamDeclineCode>> = {
  51: 'insufficient_funds',
  61: 'exceeds_limit',
  5: 'do_not_honor',
  91: 'issuer_unavailable',
};

export const sandboxAuthorizer: Authorizer = {
  async authorize(request) {
    const code = sandboxTriggers[request.amountFen % 100];
    if (code) return { outcome: 'declined', declineCode: code };
    return { outcome: 'approved', authCode: request.transactionId.slice(-6).toUpperCase() };
  },
};

let current: Authorizer = sandboxAuthorizer;

/** The authorizer in use; a deployment (or a test) installs a real one at start. */
export function authorizer(): Authorizer { return current; }
export function setAuthorizer(next: Authorizer): void { current = next; }
