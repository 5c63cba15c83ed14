// Real `jihuo serve` processes for multi-process tests (PostgreSQL, or PGlite in a data directory):
// spawn on a free port with the test secrets, wait for /readyz, kill (SIGTERM or SIGKILL) and always
// reap in afterAll; plus a small JSON client for the API and a local SMS webhook receiver that records
// every message.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../src/platform/config.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  url: string;
  output(): string;
  /** Sends the signal and waits for the exit (SIGKILL after `graceMs` if it does not go). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface ServeOptions {
  /** PostgreSQL; without it the process uses PGlite in `dataDir` (the `npm start` default). */
  databaseUrl?: string;
  /** The secrets to pass; without them a PGlite process generates its own beside the data. */
  config?: Config;
  /** `JIHUO_DATA_DIR`; a fresh temp directory when not given. */
  dataDir?: string;
  /** Load the demo data as `npm start` does (default: no seed). */
  seed?: boolean;
  bootstrapKey?: string;
  port?: number;
  workers?: boolean;
  env?: Record<string, string>;
}

/** The environment that gives a child the same secrets as `config` (testConfig). */
export function secretsEnv(config: Config): Record<string, string> {
  const fieldKeys = [...config.secrets.fieldKeys.entries()].map(([id, key]) => `${id}:${key.toString('hex')}`).join(',');
  return {
    JIHUO_SECRET_KEY: config.secrets.hmacKey.toString('hex'),
    JIHUO_FIELD_KEYS: fieldKeys,
    JIHUO_FIELD_KEY_ID: config.secrets.activeFieldKeyId,
  };
}

const children = new Set<ChildProcess>();

/** Starts `jihuo serve` (`--no-seed` unless `seed`) from source and resolves once /readyz answers 200. */
export async function startServeProcess(options: ServeOptions): Promise<ServerProcess> {
  const port = options.port ?? await freePort();
  let out = '';
  const env: Record<string, string | undefined> = {
    ...process.env, PORT: String(port), HOST: '127.0.0.1',
    JIHUO_WORKERS: options.workers === false ? '0' : '1', LOG_LEVEL: 'warn', JIHUO_LOG_LEVEL: 'warn',
    JIHUO_SEED: options.seed ? '1' : '0',
    JIHUO_DATA_DIR: options.dataDir ?? mkdtempSync(join(tmpdir(), 'jihuo-proc-')),
    ...(options.bootstrapKey ? { JIHUO_BOOTSTRAP_KEY: options.bootstrapKey } : {}),
    ...(options.config ? secretsEnv(options.config) : {}),
    ...(options.env ?? {}),
  };
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl; else delete env.DATABASE_URL;
  if (!options.config) { delete env.JIHUO_SECRET_KEY; delete env.JIHUO_FIELD_KEYS; delete env.JIHUO_FIELD_KEY_ID; }
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'serve', ...(options.seed ? [] : ['--no-seed'])];
  const child = spawn(process.execPath, args, { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'], env });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const keep = (d: Buffer) => { out = (out + d.toString()).slice(-20_000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const proc: ServerProcess = {
    child, port, url, output: () => out,
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`jihuo serve exited (${child.exitCode ?? child.signalCode}): ${out}`);
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return proc;
    } catch { /* not listening yet */ }
    await sleep(200);
  }
  await proc.stop('SIGKILL');
  throw new Error(`jihuo serve did not become ready on ${url}: ${out}`);
}

/** Kills every child still running (for afterAll, whatever happened). */
export async function killAllServeProcesses(): Promise<void> {
  await Promise.all([...children].map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  })));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns a truthy value or the timeout passes (then throws `what`). */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface JsonResponse<T = any> { status: number; body: T; text: string; headers: Headers }

/** A JSON call to a server with a Bearer key. */
export async function apiCall<T = any>(base: string, key: string | null, method: string, path: string, body?: unknown,
  headers: Record<string, string> = {}): Promise<JsonResponse<T>> {
  const h: Record<string, string> = { ...headers };
  if (key) h.authorization = `Bearer ${key}`;
  if (body !== undefined) h['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers: h, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: parsed as T, text, headers: res.headers };
}

export interface SmsMessage { to: string; text: string; noticeCode: string }
export interface SmsReceiver { url: string; messages: SmsMessage[]; close(): Promise<void> }

/** A local SMS gateway (Appendix A webhook body) that records every message; `delayMs` slows each answer. */
export async function startSmsReceiver(options: { delayMs?: number } = {}): Promise<SmsReceiver> {
  const messages: SmsMessage[] = [];
  const server: Server = createHttpServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => { raw += d.toString(); });
    req.on('end', () => {
      try { messages.push(JSON.parse(raw) as SmsMessage); } catch { /* recorded as nothing */ }
      setTimeout(() => { res.writeHead(200, { 'x-message-id': `gw_${randomBytes(4).toString('hex')}` }); res.end('ok'); }, options.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/sms`, messages,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** A PRC resident ID with a valid GB 11643 check character. */
export function residentId(body17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body17].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  return body17 + '10X98765432'[sum % 11]!;
}

/** A card number with a valid Luhn check digit. */
export function luhn(body: string): string {
  let sum = 0;
  [...body].reverse().forEach((d, i) => { let n = Number(d); if (i % 2 === 0) { n *= 2; if (n > 9) n -= 9; } sum += n; });
  return body + String((10 - (sum % 10)) % 10);
}

/** The low-risk individual merchant of the acceptance test (auto-approved on submit). */
export function lowRiskMerchant(suffix = ''): Record<string, unknown> {
  return {
    type: 'individual', legalName: `王记小面馆${suffix}`, phone: '13800138000', email: 'wang@example.com',
    idNumber: residentId('11010519900307123'), idName: '王小明', idExpiry: '2040-01-01', mcc: '5812',
    address: { province: '北京市', city: '北京市', cityCode: '110100', district: '朝阳区', line: '建国路 88 号' },
    settlementAccount: { bank: '中国银行', number: luhn('622202123456789'), holder: '王小明' },
  };
}
