// Proves re-activation through the terminal protocol, driven by the terminal simulator
// (TerminalClient over real HTTP) and the test clock (POST /v1/test-clock): an old firmware on
// `hello` opens a grace `system_upgrade` case with the reason, explanation and deadline; sales go
// on during grace and in business hours past the deadline, and stop at the next quiet window; the
// hello that reports the new firmware completes the case and returns the rotated terminal key in
// that same response, which the simulator unwraps and signs with from then on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerminalClient, TerminalError } from '../src/simulator/terminal-client.js';
import { insertDeviceModel, insertMerchant, insertTerminal, type InsertedTerminal } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';

let t: TestApp;
let device: InsertedTerminal;
let client: TerminalClient;
let caseId: string;
const location = { cityCode: '110100' };

async function setClock(now: string): Promise<void> {
  const res = await t.request('POST', '/v1/test-clock', { key: null, body: { now } });
  expect(res.status).toBe(200);
  expect(Math.abs(Date.parse(res.body.now) - Date.parse(now))).toBeLessThan(5_000);
}

beforeAll(async () => {
  t = await createTestApp();
  const server = await t.app.listen({ port: 0, host: '127.0.0.1' });
  await setClock('2030-07-01T02:00:00.000Z'); // 10:00 in Shanghai
  const merchant = await insertMerchant(t.ctx, { cityCode: '110100' });
  const model = await insertDeviceModel(t.ctx, { minFirmware: '2.5.0' });
  device = await insertTerminal(t.ctx, { modelCode: model, merchantId: merchant.id, status: 'active', firmwareVersion: '2.5.0' });
  client = new TerminalClient({
    server, sn: device.sn, factoryKey: device.factoryKey.toString('hex'), terminalKey: device.terminalKey!.toString('hex'), firmwareVersion: '2.5.0',
  });
});
afterAll(async () => { await t.close(); });

let saleNo = 0;
const sale = () => client.sale({ method: 'wechat_qr', amount: 1000, idempotencyKey: `hello-sale-${saleNo++}` });

describe('re-activation over hello, on the simulator', () => {
  it('explains a grace system_upgrade case on the terminal and keeps it selling', async () => {
    const hello = await client.hello({ firmwareVersion: '2.4.9', location });
    const view = (await t.request('GET', `/v1/terminals/${device.sn}`)).body;
    caseId = view.reactivation.caseId;
    expect(caseId).toMatch(/^rea_/);
    expect(hello).toMatchObject({
      status: 'active', reason: 'system_upgrade', caseId, deadline: view.reactivation.deadline,
      helpSlug: 'reactivation-system-upgrade',
      message: {
        zh: '系统升级：请在截止时间前更新终端程序，升级期间可正常收款。',
        en: 'System upgrade: update the terminal software before the deadline. You can keep taking payments meanwhile.',
      },
    });
    expect(hello.terminalKey).toBeUndefined();
    // Seven days from the test clock's 10:00; blocking waits for that evening's quiet window.
    expect(Math.abs(Date.parse(hello.deadline) - Date.parse('2030-07-08T02:00:00.000Z'))).toBeLessThan(60_000);
    const opened = (await t.request('GET', `/v1/reactivations/${caseId}`)).body;
    expect(opened).toMatchObject({ reason: 'system_upgrade', policy: 'grace', status: 'open', blocking: false,
      blocksAt: '2030-07-08T14:00:00.000Z', steps: [{ kind: 'update_firmware', status: 'pending' }] });
    // The terminal screen gets the same policy, blocking start and steps as the portal.
    expect(hello.reactivation).toEqual({ policy: 'grace', blocksAt: opened.blocksAt, steps: [{ kind: 'update_firmware', status: 'pending' }] });
    expect(await sale()).toMatchObject({ status: 'approved', amount: 1000 });
  });

  it('sells past the deadline in business hours and blocks at the first quiet window (22:00), never before', async () => {
    await setClock('2030-07-08T06:00:00.000Z'); // 14:00 Shanghai, past the 10:00 deadline
    expect(await sale()).toMatchObject({ status: 'approved' });
    expect(await client.hello({ firmwareVersion: '2.4.9', location })).toMatchObject({ status: 'active', reason: 'system_upgrade', caseId });
    await setClock('2030-07-08T13:59:00.000Z'); // 21:59
    expect(await sale()).toMatchObject({ status: 'approved' });
    await setClock('2030-07-08T14:01:00.000Z'); // 22:01
    expect(await sale()).toMatchObject({ status: 'declined', declineCode: 'system_upgrade', helpSlug: 'reactivation-system-upgrade' });
    expect(await client.hello({ firmwareVersion: '2.4.9', location })).toMatchObject({ status: 'reactivation_required', reason: 'system_upgrade', caseId });
  });

  it('completes the case on the hello that reports the new firmware and rotates the key in that same response', async () => {
    const oldKey = client.state.terminalKey;
    const updated = await client.hello({ firmwareVersion: '2.6.0', location });
    expect(updated).toMatchObject({ status: 'active', reason: null, caseId: null, deadline: null, message: null });
    expect(updated.terminalKey).toEqual({ iv: expect.any(String), ciphertext: expect.any(String), tag: expect.any(String) });
    // The simulator unwrapped it and now signs with it; the platform holds the same key.
    expect(client.state.terminalKey).not.toBe(oldKey);
    expect(client.state.previousTerminalKey).toBe(oldKey);
    const stored = await t.ctx.db.selectFrom('terminals').select(['terminal_key_enc', 'key_version', 'status'])
      .where('id', '=', device.id).executeTakeFirstOrThrow();
    expect(t.ctx.cipher.open('terminals.terminal_key', stored.terminal_key_enc!)).toBe(client.state.terminalKey);
    expect(stored).toMatchObject({ key_version: 1, status: 'active' });
    const done = (await t.request('GET', `/v1/reactivations/${caseId}`)).body;
    expect(done).toMatchObject({ status: 'completed', blocking: false, steps: [{ kind: 'update_firmware', status: 'completed' }] });
    expect((await t.request('GET', `/v1/terminals/${device.sn}`)).body.reactivation).toBeNull();

    const next = await client.hello({ firmwareVersion: '2.6.0', location });
    expect(next).toMatchObject({ status: 'active', reason: null });
    expect(next.terminalKey).toBeUndefined();
    expect(await sale()).toMatchObject({ status: 'approved' });
    const unsigned = new TerminalClient({ ...client.state, terminalKey: '0'.repeat(64) });
    const refused = await unsigned.hello({ firmwareVersion: '2.6.0', location }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TerminalError);
    expect(refused).toMatchObject({ status: 401, code: 'terminal_auth_failed' });
  });
});
