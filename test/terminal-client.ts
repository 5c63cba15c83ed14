// Signed terminal requests for tests, in-process through `app.inject` (the simulator uses the same
// signing code over real HTTP).
import { signedHeaders } from '../src/platform/crypto/request-signature.js';
import type { TestApp, TestResponse } from './harness.js';

export interface TerminalIdentity { sn: string; key: Buffer }

export async function terminalRequest<T = any>(t: TestApp, who: TerminalIdentity, method: string, path: string, body?: unknown,
  options: { now?: number; headers?: Record<string, string> } = {}): Promise<TestResponse<T>> {
  const payload = body === undefined ? '' : JSON.stringify(body);
  const headers: Record<string, string> = {
    ...signedHeaders({ key: who.key, sn: who.sn, method, path, body: payload, ...(options.now !== undefined ? { now: options.now } : {}) }),
    ...(options.headers ?? {}),
  };
  if (payload !== '') headers['content-type'] = 'application/json';
  const response = await t.app.inject({ method: method as 'POST', url: path, headers, ...(payload !== '' ? { payload } : {}) });
  let parsed: unknown = response.body;
  try { parsed = response.json(); } catch { /* not JSON */ }
  return { status: response.statusCode, body: parsed as T, headers: response.headers, text: response.body };
}
