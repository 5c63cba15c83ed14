// The terminal request signature (Appendix A): hex HMAC-SHA256(key, METHOD \n PATH \n TIMESTAMP
// \n NONCE \n hex(SHA-256(raw body))), PATH with its query string. Shared by the server and the
// simulator (and later the ISO 8583 gateway's tests).
import { createHash, createHmac, randomBytes } from 'node:crypto';

export function signingString(method: string, path: string, timestamp: string, nonce: string, body: Buffer | string): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return `${method.toUpperCase()}\n${path}\n${timestamp}\n${nonce}\n${bodyHash}`;
}

export function signRequest(key: Buffer, method: string, path: string, timestamp: string, nonce: string, body: Buffer | string): string {
  return createHmac('sha256', key).update(signingString(method, path, timestamp, nonce, body)).digest('hex');
}

export interface SignedHeaders {
  'x-terminal-sn': string;
  'x-timestamp': string;
  'x-nonce': string;
  'x-signature': string;
}

export function signedHeaders(options: { key: Buffer; sn: string; method: string; path: string; body: string; now?: number }): SignedHeaders {
  const timestamp = String(options.now ?? Date.now());
  const nonce = randomBytes(16).toString('hex');
  return {
    'x-terminal-sn': options.sn,
    'x-timestamp': timestamp,
    'x-nonce': nonce,
    'x-signature': signRequest(options.key, options.method, options.path, timestamp, nonce, options.body),
  };
}
