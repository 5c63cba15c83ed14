// Proves that the log output of a real app never contains secrets or personal data: ID and account numbers, factory keys, activation codes, passwords and bearer keys, at any depth.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/platform/log.js';
import { adminKey, createTestApp, type TestApp } from './harness.js';
import { validCardNumber, validResidentId } from './fixtures.js';
import { terminalRequest } from './terminal-client.js';

const lines: string[] = [];
const destination = { write(line: string) { lines.push(line); } };
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ log: createLogger('trace', destination) });
});
afterAll(async () => { await t.close(); });

describe('log redaction', () => {
  it('keeps every secret of a merchant, terminal, activation and log-in flow out of the log', async () => {
    const idNumber = validResidentId('11010519850612345');
    const accountNumber = validCardNumber('621700123498765');
    const factoryKey = randomBytes(32).toString('hex');
    const password = 'Log-Redaction-Passphrase-7';
    const sn = `LOG${randomBytes(4).toString('hex').toUpperCase()}`;

    const created = await t.request('POST', '/v1/merchants', { body: {
      type: 'individual', legalName: '日志测试店', phone: '13800138077', email: 'log@example.com',
      idNumber, idName: '李四', idExpiry: '2040-01-01', mcc: '5812',
      address: { province: '北京市', city: '北京市', cityCode: '110100', district: '朝阳区', line: '建国路 9 号' },
      settlementAccount: { bank: '中国银行', number: accountNumber, holder: '李四' } } });
    expect(created.status).toBe(201);
    const merchantId = created.body.id as string;
    expect((await t.request('POST', `/v1/merchants/${merchantId}/submit`)).body.status).toBe('approved');

    expect((await t.request('POST', '/v1/device-models', { body: {
      code: 'LOG-SMART', name: '智能POS', kind: 'smart', price: 50000, deposit: null,
      requiredSelfTests: ['network'], minFirmware: '1.0.0' } })).status).toBe(201);
    const imported = await t.request('POST', '/v1/terminals/import', { body: { terminals: [{ sn, modelCode: 'LOG-SMART', factoryKey }] } });
    expect(imported.body.imported).toBe(1);
    expect((await t.request('POST', `/v1/terminals/${sn}/assign`, { body: { merchantId } })).status).toBe(200);
    const device = { sn, key: Buffer.from(factoryKey, 'hex') };
    expect((await terminalRequest(t, device, 'POST', '/terminal/v1/hello', { firmwareVersion: '1.2.0', location: {} })).status).toBe(200);
    const issued = await t.request('POST', `/v1/terminals/${sn}/activation-codes`, { body: { channel: 'portal' } });
    expect(issued.status).toBe(201);
    const code = issued.body.code as string;
    const activated = await terminalRequest(t, device, 'POST', '/terminal/v1/activate', { activationCode: code });
    expect(activated.status).toBe(200);

    const user = await t.request('POST', '/v1/users', { body: { login: 'log-agent@example.com', displayName: 'Log', role: 'ops_agent', password } });
    expect(user.status).toBe(201);
    const loggedIn = await t.request('POST', '/v1/auth/login', { key: null, body: { login: 'log-agent@example.com', password } });
    expect(loggedIn.status).toBe(200);
    const wrong = await t.request('POST', '/v1/auth/login', { key: null, body: { login: 'log-agent@example.com', password: `${password}x` } });
    expect(wrong.status).toBe(401);

    // A careless log line with the secrets nested deep must be masked as well.
    t.ctx.log.info({ request: { body: { idNumber, settlementAccount: { number: accountNumber } } },
      terminals: [{ sn, factoryKey }], activation: { code }, auth: { headers: { authorization: `Bearer ${adminKey}` } },
      login: { credentials: { password } } }, 'careless line');

    const output = lines.join('');
    expect(output).toContain('incoming request');
    expect(output).toContain('careless line');
    expect(output).toContain('[redacted]');
    for (const secret of [idNumber, accountNumber, factoryKey, code, password, `${password}x`, adminKey]) {
      expect(output).not.toContain(secret);
    }
  });
});
