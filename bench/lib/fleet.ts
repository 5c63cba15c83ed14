// Sets up what the terminal scenarios need through the public API of a running bench server, as a
// partner would: a device model, an approved merchant (valid ID and Luhn card numbers), terminals
// imported with known factory keys, assigned, given portal codes, activated over the signed
// terminal protocol (key unwrapped) and passed through the self-test. Bounded concurrency, 127.0.0.1.
import { randomBytes, randomInt } from 'node:crypto';
import { signedHeaders } from '../../src/platform/crypto/request-signature.js';
import { unwrapTerminalKey, type WrappedKey } from '../../src/platform/crypto/terminal-keys.js';
import { benchSecrets, type BenchServer } from './server.js';

export interface BenchTerminal { sn: string; factoryKey: Buffer; terminalKey: Buffer | null; code: string | null }

export async function api<T = any>(server: BenchServer, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${benchSecrets.JIHUO_BOOTSTRAP_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: parsed as T };
}

export async function terminalCall<T = any>(server: BenchServer, who: { sn: string; key: Buffer }, method: string, path: string, body: unknown): Promise<{ status: number; body: T }> {
  const payload = JSON.stringify(body);
  const res = await fetch(`${server.url}${path}`, {
    method, body: payload,
    headers: { 'content-type': 'application/json', ...signedHeaders({ key: who.key, sn: who.sn, method, path, body: payload }) },
  });
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: parsed as T };
}

function expectStatus(what: string, res: { status: number; body: unknown }, ok: number[]): void {
  if (!ok.includes(res.status)) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
}

/** Runs `fn` over items with at most `concurrency` in flight; none start after `deadline` (ms). Returns how many ran. */
export async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>, deadline = Infinity): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && Date.now() < deadline) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return Math.min(next, items.length);
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

export const selfTestPass = { cardReader: 'pass', contactless: 'pass', qrScanner: 'pass', printer: 'pass', network: 'pass' };

/** A device model (no deposit) and one approved merchant, through the API. */
export async function createModelAndMerchant(server: BenchServer): Promise<{ modelCode: string; merchantId: string }> {
  const modelCode = `BENCH-${randomBytes(3).toString('hex').toUpperCase()}`;
  expectStatus('device model', await api(server, 'POST', '/v1/device-models', {
    code: modelCode, name: 'Bench POS', kind: 'traditional', price: 30000, deposit: null,
    requiredSelfTests: ['cardReader', 'printer', 'network'], minFirmware: '1.0.0' }), [201]);
  const created = await api(server, 'POST', '/v1/merchants', {
    type: 'individual', legalName: '压测小店', phone: '13800138000', email: 'bench@example.com',
    idNumber: residentId(`110105${1960 + randomInt(0, 40)}${String(randomInt(1, 13)).padStart(2, '0')}${String(randomInt(1, 29)).padStart(2, '0')}${randomInt(100, 1000)}`), idName: '王小明', idExpiry: '2040-01-01', mcc: '5812',
    address: { province: '北京市', city: '北京市', cityCode: '110100', district: '朝阳区', line: '建国路 88 号' },
    settlementAccount: { bank: '中国银行', number: luhn('622202123456789'), holder: '王小明' } });
  expectStatus('merchant', created, [201]);
  const merchantId = (created.body as { id: string }).id;
  const submitted = await api(server, 'POST', `/v1/merchants/${merchantId}/submit`);
  expectStatus('merchant submit', submitted, [200]);
  if ((submitted.body as { status: string }).status !== 'approved') {
    // Not auto-approved (e.g. medium risk): an operator approves it, as in production.
    const reviewed = await api<{ status: string }>(server, 'POST', `/v1/merchants/${merchantId}/review`, { decision: 'approve', note: 'bench' });
    expectStatus('merchant review', reviewed, [200]);
    if (reviewed.body.status !== 'approved') throw new Error(`merchant not approved: ${JSON.stringify(reviewed.body)}`);
  }
  return { modelCode, merchantId };
}

/** Imports `count` terminals with known factory keys and assigns them to the merchant. */
export async function importAndAssign(server: BenchServer, modelCode: string, merchantId: string, count: number, prefix: string): Promise<BenchTerminal[]> {
  const terminals: BenchTerminal[] = Array.from({ length: count }, (_, i) => ({
    sn: `${prefix}${String(i).padStart(7, '0')}`, factoryKey: randomBytes(32), terminalKey: null, code: null,
  }));
  for (let i = 0; i < terminals.length; i += 5000) {
    const chunk = terminals.slice(i, i + 5000);
    const res = await api<{ imported: number }>(server, 'POST', '/v1/terminals/import', {
      terminals: chunk.map((t) => ({ sn: t.sn, modelCode, factoryKey: t.factoryKey.toString('hex') })) });
    expectStatus('import', res, [200]);
    if (res.body.imported !== chunk.length) throw new Error(`import: ${JSON.stringify(res.body).slice(0, 300)}`);
  }
  await pool(terminals, 16, async (t) => {
    expectStatus(`assign ${t.sn}`, await api(server, 'POST', `/v1/terminals/${t.sn}/assign`, { merchantId }), [200]);
  });
  return terminals;
}

export async function issueCode(server: BenchServer, t: BenchTerminal): Promise<void> {
  const res = await api<{ code: string }>(server, 'POST', `/v1/terminals/${t.sn}/activation-codes`, { channel: 'portal' });
  expectStatus(`code ${t.sn}`, res, [201]);
  t.code = res.body.code;
}

export async function redeem(server: BenchServer, t: BenchTerminal): Promise<void> {
  const res = await terminalCall<{ terminalKey: WrappedKey }>(server, { sn: t.sn, key: t.factoryKey }, 'POST', '/terminal/v1/activate', { activationCode: t.code });
  expectStatus(`activate ${t.sn}`, res, [200]);
  t.terminalKey = unwrapTerminalKey(t.factoryKey, t.sn, res.body.terminalKey);
}

export async function selfTest(server: BenchServer, t: BenchTerminal): Promise<void> {
  const res = await terminalCall<{ status: string }>(server, { sn: t.sn, key: t.terminalKey! }, 'POST', '/terminal/v1/self-test', { results: selfTestPass });
  expectStatus(`self-test ${t.sn}`, res, [200]);
  if (res.body.status !== 'active') throw new Error(`self-test ${t.sn}: ${JSON.stringify(res.body)}`);
}

/** The whole path to `active` for `count` terminals. */
export async function activeFleet(server: BenchServer, count: number): Promise<{ merchantId: string; terminals: BenchTerminal[] }> {
  const { modelCode, merchantId } = await createModelAndMerchant(server);
  const terminals = await importAndAssign(server, modelCode, merchantId, count, 'BTX');
  await pool(terminals, 8, async (t) => { await issueCode(server, t); await redeem(server, t); await selfTest(server, t); });
  return { merchantId, terminals };
}
