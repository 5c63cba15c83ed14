// A virtual POS terminal speaking the terminal protocol (SPEC §6) over real HTTP: signs every
// request (factory key before activation, terminal key after), unwraps the terminal key from
// /activate or hello, and keeps its state in a plain object the CLI saves as JSON. Reusable by
// tests and benchmarks.
import { randomUUID } from 'node:crypto';
import { signedHeaders } from '../platform/crypto/request-signature.js';
import { unwrapTerminalKey, type WrappedKey } from '../platform/crypto/terminal-keys.js';

export interface TerminalState {
  server: string;
  sn: string;
  /** 64 hex digits, printed on the factory sheet. */
  factoryKey: string;
  /** 64 hex digits once activated. */
  terminalKey: string | null;
  previousTerminalKey?: string | null;
  tid?: string | null;
  mid?: string | null;
  merchantName?: string | null;
  firmwareVersion?: string;
}

export interface TerminalResponse<T = any> { status: number; body: T }

export class TerminalError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: Record<string, unknown>) {
    super(message);
    this.name = 'TerminalError';
  }
}

export interface HelloInput { firmwareVersion?: string; location?: { cityCode?: string; lat?: number; lng?: number }; battery?: number }
export type ComponentResults = Partial<Record<'cardReader' | 'contactless' | 'qrScanner' | 'printer' | 'network', 'pass' | 'fail'>>;

export class TerminalClient {
  state: TerminalState;
  private readonly onStateChange: ((state: TerminalState) => void) | undefined;

  constructor(state: TerminalState, options: { onStateChange?: (state: TerminalState) => void } = {}) {
    if (!/^[0-9a-fA-F]{64}$/.test(state.factoryKey)) throw new Error('The factory key must be 64 hex digits');
    this.state = { ...state, server: state.server.replace(/\/+$/, '') };
    this.onStateChange = options.onStateChange;
  }

  /** The key requests are signed with: the terminal key once the terminal has one. */
  signingKey(): Buffer {
    return Buffer.from(this.state.terminalKey ?? this.state.factoryKey, 'hex');
  }

  /** A signed request; answers the status and parsed body, whatever the status. */
  async request<T = any>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<TerminalResponse<T>> {
    const payload = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string> = { ...signedHeaders({ key: this.signingKey(), sn: this.state.sn, method, path, body: payload }) };
    if (payload !== '') headers['content-type'] = 'application/json';
    const response = await fetch(`${this.state.server}${path}`, { method, headers, ...(payload !== '' ? { body: payload } : {}) });
    const text = await response.text();
    let parsed: unknown = text;
    try { parsed = JSON.parse(text); } catch { /* not JSON */ }
    return { status: response.status, body: parsed as T };
  }

  /** Like `request`, but a non-2xx answer throws a TerminalError with the platform's code. */
  async call<T = any>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await this.request<T>(method, path, body);
    if (res.status >= 200 && res.status < 300) return res.body;
    const error = (res.body as { error?: { code: string; message: string; details: Record<string, unknown> } }).error;
    throw new TerminalError(res.status, error?.code ?? 'http_error', error?.message ?? `HTTP ${res.status}`, error?.details ?? {});
  }

  private adoptKey(wrapped: WrappedKey): void {
    const key = unwrapTerminalKey(Buffer.from(this.state.factoryKey, 'hex'), this.state.sn, wrapped);
    this.state = { ...this.state, previousTerminalKey: this.state.terminalKey, terminalKey: key.toString('hex') };
    this.onStateChange?.(this.state);
  }

  async hello(input: HelloInput = {}): Promise<any> {
    const firmwareVersion = input.firmwareVersion ?? this.state.firmwareVersion ?? '1.0.0';
    const body = await this.call('POST', '/terminal/v1/hello', {
      firmwareVersion, ...(input.location ? { location: input.location } : {}), ...(input.battery !== undefined ? { battery: input.battery } : {}),
    });
    if (body.terminalKey) this.adoptKey(body.terminalKey as WrappedKey);
    if (body.tid) this.state = { ...this.state, tid: body.tid as string };
    this.state = { ...this.state, firmwareVersion };
    this.onStateChange?.(this.state);
    return body;
  }

  async activate(activationCode: string): Promise<any> {
    const body = await this.call('POST', '/terminal/v1/activate', { activationCode });
    this.state = { ...this.state, tid: body.tid, mid: body.mid, merchantName: body.merchantName };
    this.adoptKey(body.terminalKey as WrappedKey);
    return body;
  }

  async pairingCode(): Promise<{ pairingCode: string; expiresAt: string }> {
    return this.call('POST', '/terminal/v1/pairing-code');
  }

  async selfTest(results: ComponentResults): Promise<any> {
    return this.call('POST', '/terminal/v1/self-test', { results });
  }

  async messages(): Promise<any> {
    return this.call('GET', '/terminal/v1/messages');
  }

  async sale(input: { method: string; amount: number; idempotencyKey?: string; operatorNo?: string; card?: { bin: string; last4: string } }): Promise<any> {
    return this.call('POST', '/terminal/v1/transactions', {
      idempotencyKey: input.idempotencyKey ?? randomUUID(), method: input.method, amount: input.amount,
      ...(input.operatorNo ? { operatorNo: input.operatorNo } : {}), ...(input.card ? { card: input.card } : {}),
    });
  }
}
