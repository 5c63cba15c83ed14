// Proves replacement (换机, SPEC §4) through the real endpoints: the old SN retires, the new SN gets
// the merchant, operators (PINs) and supervisor password without the old lockouts, activates with
// reason `device_replacement`, and GET /v1/terminals/{new}/deposit shows the predecessor's deposit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../src/platform/clock.js';
import { createApiKey } from '../src/platform/api-keys.js';
import { unwrapTerminalKey } from '../src/platform/crypto/terminal-keys.js';
import { insertDeviceModel, insertMerchant, insertTerminal } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';
import { terminalRequest, type TerminalIdentity } from './terminal-client.js';

let t: TestApp;
let keySeq = 0;
const nextKey = () => `rep-${++keySeq}`;
const now = '2031-03-03T04:00:00.000Z'; // 12:00 in Shanghai

beforeAll(async () => {
  t = await createTestApp();
  t.ctx.clock.set(new Date(now));
});
afterAll(async () => { await t.close(); });

function sale(who: TerminalIdentity, body: Record<string, unknown>) {
  return terminalRequest(t, who, 'POST', '/terminal/v1/transactions', { idempotencyKey: nextKey(), method: 'wechat_qr', amount: 10_000, ...body });
}

function voidSale(who: TerminalIdentity, id: string, supervisorPassword: string) {
  return terminalRequest(t, who, 'POST', `/terminal/v1/transactions/${id}/void`, { idempotencyKey: nextKey(), supervisorPassword });
}

describe('replacement through POST /v1/terminals/{sn}/replace', () => {
  it('moves merchant, operators, supervisor password and deposit to the new SN, which activates as device_replacement', async () => {
    const model = await insertDeviceModel(t.ctx, { kind: 'traditional', depositFen: 29_800, thresholdFen: 60_000_000, windowDays: 180, requiredSelfTests: ['cardReader', 'network'] });
    const merchant = await insertMerchant(t.ctx, { legalName: '换机小店' });
    const owner = (await createApiKey(t.ctx, { name: 'owner', role: 'merchant_owner', merchantId: merchant.id })).key;
    const old = await insertTerminal(t.ctx, { modelCode: model, merchantId: merchant.id, status: 'active' });
    const oldWho = { sn: old.sn, key: old.terminalKey! };
    const fresh = await insertTerminal(t.ctx, { modelCode: model });

    // The merchant configures the old terminal; then wrong secrets lock its supervisor and operator.
    expect((await t.request('PUT', `/v1/terminals/${old.sn}/supervisor-password`, { key: owner, body: { password: '654321' } })).status).toBe(200);
    expect((await t.request('POST', `/v1/terminals/${old.sn}/operators`, { key: owner, body: { operatorNo: '01', name: '小王', pin: '1234' } })).status).toBe(201);
    expect((await t.request('POST', `/v1/terminals/${old.sn}/operators`, { key: owner, body: { operatorNo: '02', pin: '5678' } })).status).toBe(201);
    expect((await terminalRequest(t, oldWho, 'POST', '/terminal/v1/operators/sign-in', { operatorNo: '01', pin: '1234' })).status).toBe(200);
    const oldSale = await sale(oldWho, { operatorNo: '01' });
    expect(oldSale.body.status).toBe('approved');
    for (let i = 0; i < 5; i++) await voidSale(oldWho, oldSale.body.id, '000000');
    expect((await voidSale(oldWho, oldSale.body.id, '654321')).body.error.code).toBe('supervisor_locked');
    for (let i = 0; i < 5; i++) await terminalRequest(t, oldWho, 'POST', '/terminal/v1/operators/sign-in', { operatorNo: '01', pin: '0000' });
    expect((await terminalRequest(t, oldWho, 'POST', '/terminal/v1/operators/sign-in', { operatorNo: '01', pin: '1234' })).body.error.code).toBe('account_locked');

    const replaced = await t.request('POST', `/v1/terminals/${old.sn}/replace`, { body: { newSn: fresh.sn, reason: 'screen broken' } });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      old: { sn: old.sn, status: 'retired', replacedBy: fresh.sn },
      replacement: { sn: fresh.sn, status: 'delivered', merchantId: merchant.id, trainingMode: false },
      activationReason: 'device_replacement',
    });
    const timeline = await t.request('GET', `/v1/terminals/${fresh.sn}/timeline`);
    expect(timeline.body.data.at(-1)).toMatchObject({ kind: 'replacement', details: { replacesSn: old.sn, operators: 2, supervisorPassword: true } });

    // The old SN is retired: its sales are declined.
    expect((await t.request('GET', `/v1/terminals/${old.sn}`)).body.status).toBe('retired');
    expect((await sale(oldWho, {})).body).toMatchObject({ status: 'declined', declineCode: 'terminal_not_active' });

    const oldRow = await t.ctx.db.selectFrom('terminals').select('activated_at').where('id', '=', old.id).executeTakeFirstOrThrow();
    // The deposit follows, though nothing had read or settled the old terminal's deposit yet.
    const deposit = await t.request('GET', `/v1/terminals/${fresh.sn}/deposit`, { key: owner });
    expect(deposit.status).toBe(200);
    expect(deposit.body).toMatchObject({
      sn: fresh.sn, amount: 29_800, collected: 0, status: 'pending', threshold: 60_000_000,
      deadline: addDays(oldRow.activated_at!, 180).toISOString(),
    });
    const listed = await t.request('GET', `/v1/merchants/${merchant.id}/deposits`, { key: owner });
    expect(listed.body.data.map((d: { sn: string }) => d.sn)).toEqual([fresh.sn]);

    // The new SN boots with its factory key and is told why it needs a code.
    const freshFactory = { sn: fresh.sn, key: fresh.factoryKey };
    const hello = await terminalRequest(t, freshFactory, 'POST', '/terminal/v1/hello', { firmwareVersion: '2.0.0' });
    expect(hello.body).toMatchObject({ status: 'delivered', reason: 'device_replacement', helpSlug: 'reactivation-device-replacement' });
    const code = (await t.request('POST', `/v1/terminals/${fresh.sn}/activation-codes`, { body: { channel: 'portal' } })).body.code as string;
    const activated = await terminalRequest(t, freshFactory, 'POST', '/terminal/v1/activate', { activationCode: code });
    expect(activated.body).toMatchObject({ status: 'self_test', mid: merchant.mid, merchantName: '换机小店' });
    const freshWho = { sn: fresh.sn, key: unwrapTerminalKey(fresh.factoryKey, fresh.sn, activated.body.terminalKey) };
    const selfTest = await terminalRequest(t, freshWho, 'POST', '/terminal/v1/self-test', { results: { cardReader: 'pass', network: 'pass' } });
    expect(selfTest.body.status).toBe('active');

    // Operators and PINs work on the new SN, unlocked; an unknown operator is refused.
    expect((await t.request('GET', `/v1/terminals/${fresh.sn}/operators`, { key: owner })).body.data.map((o: { operatorNo: string }) => o.operatorNo)).toEqual(['01', '02']);
    const signIn = await terminalRequest(t, freshWho, 'POST', '/terminal/v1/operators/sign-in', { operatorNo: '01', pin: '1234' });
    expect(signIn.status).toBe(200);
    expect(signIn.body).toMatchObject({ operatorNo: '01', name: '小王' });
    expect((await sale(freshWho, { operatorNo: '09' })).body).toMatchObject({ status: 'declined', declineCode: 'operator_unknown' });
    const freshSale = await sale(freshWho, { operatorNo: '01' });
    expect(freshSale.body.status).toBe('approved');

    // The supervisor password is the merchant's, not the factory default, and not locked.
    const factoryPassword = await voidSale(freshWho, freshSale.body.id, '123456');
    expect(factoryPassword.status).toBe(403);
    expect(factoryPassword.body.error).toMatchObject({ code: 'supervisor_password_invalid', details: { attemptsRemaining: 4 } });
    const voided = await voidSale(freshWho, freshSale.body.id, '654321');
    expect(voided.status).toBe(201);
    expect(voided.body).toMatchObject({ kind: 'void', status: 'approved', amount: 10_000 });

    // Activation did not open a second deposit: the new SN still carries the old one's.
    const after = await t.request('GET', `/v1/terminals/${fresh.sn}/deposit`);
    expect(after.body).toMatchObject({ id: deposit.body.id, status: 'pending', deadline: deposit.body.deadline });
  });
});
