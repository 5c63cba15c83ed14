// Walks the Appendix A contract end to end, as a partner system would: device model, merchant KYC,
// import, assignment, activation over the signed terminal protocol (key unwrapping), self-test,
// priced sales with idempotency, fee quotes, settlement, deposits, re-activation and notices.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unwrapTerminalKey } from '../src/platform/crypto/terminal-keys.js';
import { createTestApp, type TestApp } from './harness.js';
import { terminalRequest, type TerminalIdentity } from './terminal-client.js';

/** A PRC resident ID with a valid GB 11643 check character. */
function residentId(body17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body17].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  return body17 + '10X98765432'[sum % 11]!;
}

/** A card number with a valid Luhn check digit. */
function luhn(body: string): string {
  let sum = 0;
  [...body].reverse().forEach((d, i) => { let n = Number(d); if (i % 2 === 0) { n *= 2; if (n > 9) n -= 9; } sum += n; });
  return body + String((10 - (sum % 10)) % 10);
}

/** A 12-digit activation code whose Damm check digit is wrong. */
function breakCheckDigit(code: string): string {
  const last = Number(code.at(-1));
  return code.slice(0, 11) + String((last + 1) % 10);
}

let t: TestApp;
const sn = `ACC${randomBytes(4).toString('hex').toUpperCase()}`;
const factoryKey = randomBytes(32);
let merchantId = '';
let terminalKey: Buffer;

beforeAll(async () => {
  t = await createTestApp();
  await t.request('POST', '/v1/test-clock', { body: { now: '2030-06-01T02:00:00Z' } });
});
afterAll(async () => { await t.close(); });

describe('Appendix A, end to end', () => {
  it('creates a device model', async () => {
    const res = await t.request('POST', '/v1/device-models', { body: {
      code: 'ACC-TRAD', name: '传统大POS', kind: 'traditional', price: 30000,
      deposit: { amount: 29800, threshold: 60_000_000, windowDays: 180 },
      requiredSelfTests: ['cardReader', 'printer', 'network'], minFirmware: '1.0.0' } });
    expect(res.status).toBe(201);
  });

  it('registers, submits and auto-approves a low-risk merchant with masked numbers', async () => {
    const idNumber = residentId('11010519900307123');
    const created = await t.request('POST', '/v1/merchants', { body: {
      type: 'individual', legalName: '王记小面馆', phone: '13800138000', email: 'wang@example.com',
      idNumber, idName: '王小明', idExpiry: '2040-01-01', mcc: '5812',
      address: { province: '北京市', city: '北京市', cityCode: '110100', district: '朝阳区', line: '建国路 88 号' },
      settlementAccount: { bank: '中国银行', number: luhn('622202123456789'), holder: '王小明' } } });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('draft');
    expect(JSON.stringify(created.body)).not.toContain(idNumber);
    merchantId = created.body.id;
    const submitted = await t.request('POST', `/v1/merchants/${merchantId}/submit`);
    expect(submitted.status).toBe(200);
    expect(submitted.body.risk.level).toBe('low');
    expect(submitted.body.status).toBe('approved');
  });

  it('imports and assigns a terminal', async () => {
    const imported = await t.request('POST', '/v1/terminals/import', { body: { terminals: [
      { sn, modelCode: 'ACC-TRAD', factoryKey: factoryKey.toString('hex') },
      { sn, modelCode: 'ACC-TRAD', factoryKey: factoryKey.toString('hex') },
      { sn: 'BAD1', modelCode: 'NOPE', factoryKey: 'xyz' }] } });
    expect(imported.status).toBe(200);
    expect(imported.body.imported).toBe(1);
    expect(imported.body.rejected.map((r: { index: number }) => r.index)).toEqual([1, 2]);
    const assigned = await t.request('POST', `/v1/terminals/${sn}/assign`, { body: { merchantId } });
    expect(assigned.status).toBe(200);
    const terminal = await t.request('GET', `/v1/terminals/${sn}`);
    expect(terminal.body).toMatchObject({ sn, modelCode: 'ACC-TRAD', status: 'delivered', merchantId, reactivation: null });
    expect(terminal.body.tid).toMatch(/^\d{8}$/);
  });

  it('activates over the signed protocol and unwraps the terminal key', async () => {
    const device: TerminalIdentity = { sn, key: factoryKey };
    const hello = await terminalRequest(t, device, 'POST', '/terminal/v1/hello', { firmwareVersion: '2.1.0', location: { cityCode: '110100' } });
    expect(hello.status).toBe(200);
    expect(hello.body.reason).toBe('new_device');
    expect(hello.body.message.zh.length).toBeGreaterThan(0);

    const issued = await t.request('POST', `/v1/terminals/${sn}/activation-codes`, { body: { channel: 'portal' } });
    expect(issued.status).toBe(201);
    expect(issued.body.code).toMatch(/^\d{12}$/);
    const malformed = await terminalRequest(t, device, 'POST', '/terminal/v1/activate', { activationCode: breakCheckDigit(issued.body.code) });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('activation_code_malformed');

    const activated = await terminalRequest(t, device, 'POST', '/terminal/v1/activate', { activationCode: issued.body.code });
    expect(activated.status).toBe(200);
    expect(activated.body).toMatchObject({ status: 'self_test', tid: expect.stringMatching(/^\d{8}$/), mid: expect.stringMatching(/^\d{15}$/), merchantName: '王记小面馆' });
    terminalKey = unwrapTerminalKey(factoryKey, sn, activated.body.terminalKey);
    expect(terminalKey).toHaveLength(32);

    const reused = await terminalRequest(t, { sn, key: terminalKey }, 'POST', '/terminal/v1/activate', { activationCode: issued.body.code });
    expect(reused.status).toBe(400);
    expect(reused.body.error.code).toBe('activation_code_invalid');
  });

  it('passes the self-test and becomes active', async () => {
    const res = await terminalRequest(t, { sn, key: terminalKey }, 'POST', '/terminal/v1/self-test',
      { results: { cardReader: 'pass', contactless: 'pass', qrScanner: 'pass', printer: 'pass', network: 'pass' } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('active');
    const terminal = await t.request('GET', `/v1/terminals/${sn}`);
    expect(terminal.body.status).toBe('active');
    expect(terminal.body.activatedAt).toBeTruthy();
  });

  it('takes priced, idempotent sales', async () => {
    const body = { idempotencyKey: 'acc-sale-1', method: 'credit_card', amount: 1_000_000, card: { bin: '622588', last4: '1234' } };
    const first = await terminalRequest(t, { sn, key: terminalKey }, 'POST', '/terminal/v1/transactions', body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'approved', amount: 1_000_000, fee: 6000, net: 994_000, training: false });
    const again = await terminalRequest(t, { sn, key: terminalKey }, 'POST', '/terminal/v1/transactions', body);
    expect(again.text).toBe(first.text);
    const qr = await terminalRequest(t, { sn, key: terminalKey }, 'POST', '/terminal/v1/transactions', { idempotencyKey: 'acc-sale-2', method: 'wechat_qr', amount: 1_000_000 });
    expect(qr.body.fee).toBe(3800);
    const quote = await t.request('POST', '/v1/fees/quote', { body: { merchantId, method: 'debit_card', amount: 1_000_000 } });
    expect(quote.body).toMatchObject({ fee: 2500, rate: 5000, cap: 2500, rule: { kind: 'plan' } });
  });

  it('settles the day and starts collecting the deposit', async () => {
    const early = await t.request('POST', '/v1/settlements/run', { body: { date: '2030-06-01' } });
    expect(early.status).toBe(400);
    await t.request('POST', '/v1/test-clock', { body: { now: '2030-06-02T02:00:00Z' } });
    const run = await t.request('POST', '/v1/settlements/run', { body: { date: '2030-06-01' } });
    expect(run.status).toBeLessThan(300);
    const statements = await t.request('GET', `/v1/merchants/${merchantId}/settlements?date=2030-06-01`);
    expect(statements.body).toEqual([{ date: '2030-06-01', gross: 2_000_000, fees: 9800, voids: 0, refunds: 0, depositDeduction: 29800, net: 2_000_000 - 9800 - 29800 }]);
    const again = await t.request('POST', '/v1/settlements/run', { body: { date: '2030-06-01' } });
    expect(again.status).toBeLessThan(300);
    expect((await t.request('GET', `/v1/merchants/${merchantId}/settlements?date=2030-06-01`)).body).toEqual(statements.body);
    const deposit = await t.request('GET', `/v1/terminals/${sn}/deposit`);
    expect(deposit.body).toMatchObject({ amount: 29800, collected: 29800, status: 'held', volume: 1_000_000, threshold: 60_000_000 });
  });

  it('blocks the terminal with a risk_control case and declines with the reason', async () => {
    const opened = await t.request('POST', `/v1/terminals/${sn}/reactivations`, { body: { reason: 'risk_control', note: 'acceptance' } });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({ reason: 'risk_control', policy: 'blocking', status: 'open' });
    const terminal = await t.request('GET', `/v1/terminals/${sn}`);
    expect(terminal.body.status).toBe('reactivation_required');
    expect(terminal.body.reactivation).toMatchObject({ caseId: opened.body.id, reason: 'risk_control', policy: 'blocking' });
    const declined = await terminalRequest(t, { sn, key: terminalKey }, 'POST', '/terminal/v1/transactions', { idempotencyKey: 'acc-sale-3', method: 'alipay_qr', amount: 500 });
    expect(declined.status).toBe(201);
    expect(declined.body).toMatchObject({ status: 'declined', declineCode: 'risk_control' });
    const unknown = await t.request('POST', `/v1/terminals/${sn}/reactivations`, { body: { reason: 'bored', note: '' } });
    expect(unknown.status).toBe(400);
  });

  it('answers notice checks without login', async () => {
    const res = await t.request('GET', '/v1/public/notices/NOTREAL1', { key: null });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ genuine: false });
  });
});
