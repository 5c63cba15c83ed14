// Proves terminal request authentication (SPEC §6, Appendix A): the signed PATH includes the query
// string, every 401 names its reason (and an unknown SN looks like a bad signature), a rejected
// /activate changes nothing, and after a key rotation the previous key works only until the new
// key has signed one request.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedHeaders, signRequest } from '../src/platform/crypto/request-signature.js';
import { unwrapTerminalKey } from '../src/platform/crypto/terminal-keys.js';
import { insertDeviceModel, insertMerchant, insertTerminal, type InsertedTerminal } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';
import { terminalRequest } from './terminal-client.js';

let t: TestApp;
let merchantId: string;
let model: string;

beforeAll(async () => {
  t = await createTestApp();
  merchantId = (await insertMerchant(t.ctx)).id;
  model = await insertDeviceModel(t.ctx, { requiredSelfTests: ['network'] });
});
afterAll(async () => { await t.close(); });

/** Sends a request with exactly these headers (no signing of its own). */
async function send(method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload = '') {
  const response = await t.app.inject({
    method, url, headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload } : {}),
  });
  return { status: response.statusCode, body: response.json() };
}

function signWith(input: { key: Buffer; sn: string; method: string; path: string; body: string; nonce: string; now?: number }) {
  const timestamp = String(input.now ?? Date.now());
  return {
    'x-terminal-sn': input.sn, 'x-timestamp': timestamp, 'x-nonce': input.nonce,
    'x-signature': signRequest(input.key, input.method, input.path, timestamp, input.nonce, input.body),
  };
}

describe('the signed PATH', () => {
  it('includes the query string: signed with it verifies, signed without it fails', async () => {
    const terminal = await insertTerminal(t.ctx, { modelCode: model, merchantId, status: 'delivered' });
    const who = { sn: terminal.sn, key: terminal.factoryKey };
    const withQuery = await terminalRequest(t, who, 'GET', '/terminal/v1/messages?limit=5');
    expect(withQuery.status).toBe(200);
    expect(withQuery.body).toEqual({ data: [], hasMore: false, nextCursor: null });

    const overBarePath = signedHeaders({ key: terminal.factoryKey, sn: terminal.sn, method: 'GET', path: '/terminal/v1/messages', body: '' });
    const mismatch = await send('GET', '/terminal/v1/messages?limit=5', { ...overBarePath });
    expect(mismatch.status).toBe(401);
    expect(mismatch.body.error).toMatchObject({ code: 'terminal_auth_failed', details: { reason: 'bad_signature' } });
    const overQuery = signedHeaders({ key: terminal.factoryKey, sn: terminal.sn, method: 'GET', path: '/terminal/v1/messages?limit=5', body: '' });
    expect((await send('GET', '/terminal/v1/messages?limit=6', { ...overQuery })).body.error.details.reason).toBe('bad_signature');
  });
});

describe('nonces', () => {
  it('are used up by a correctly signed request only: a forged request with a nonce leaves it to its terminal', async () => {
    const terminal = await insertTerminal(t.ctx, { modelCode: model, merchantId, status: 'delivered' });
    const nonce = randomBytes(16).toString('hex');
    const path = '/terminal/v1/messages';
    const forged = await send('GET', path, signWith({ key: randomBytes(32), sn: terminal.sn, method: 'GET', path, body: '', nonce }));
    expect(forged.body.error.details.reason).toBe('bad_signature');
    const stored = () => t.ctx.db.selectFrom('terminal_nonces').select('nonce').where('sn', '=', terminal.sn).where('nonce', '=', nonce).execute();
    expect(await stored()).toEqual([]);
    const genuine = await send('GET', path, signWith({ key: terminal.factoryKey, sn: terminal.sn, method: 'GET', path, body: '', nonce }));
    expect(genuine.status).toBe(200);
    expect(await stored()).toEqual([{ nonce }]);
    const replayed = await send('GET', path, signWith({ key: terminal.factoryKey, sn: terminal.sn, method: 'GET', path, body: '', nonce }));
    expect(replayed.body.error.details.reason).toBe('nonce_reused');
  });
});

describe('401 reasons', () => {
  async function snapshot(terminal: InsertedTerminal) {
    const row = await t.ctx.db.selectFrom('terminals').select(['status', 'terminal_key_enc', 'key_version', 'tid'])
      .where('id', '=', terminal.id).executeTakeFirstOrThrow();
    const codes = await t.ctx.db.selectFrom('activation_codes').select(['status', 'failed_attempts', 'used_at'])
      .where('terminal_id', '=', terminal.id).execute();
    const attempts = await t.ctx.db.selectFrom('activation_attempts').select('id').where('terminal_id', '=', terminal.id).execute();
    const events = await t.ctx.db.selectFrom('terminal_events').select('id').where('terminal_id', '=', terminal.id).execute();
    const locks = await t.ctx.db.selectFrom('activation_locks').select('terminal_id').where('terminal_id', '=', terminal.id).execute();
    return { row, codes, attempts: attempts.length, events: events.length, locks: locks.length };
  }

  it('names each reason, hides whether an SN exists, and a rejected /activate changes nothing', async () => {
    const terminal = await insertTerminal(t.ctx, { modelCode: model, merchantId, status: 'delivered' });
    const code = (await t.request('POST', `/v1/terminals/${terminal.sn}/activation-codes`, { body: { channel: 'portal' } })).body.code as string;
    // Another last digit: always a different code (and a wrong Damm check digit), never sent validly.
    const wrong = code.slice(0, 11) + String((Number(code[11]) + 1) % 10);
    const path = '/terminal/v1/activate';
    const body = (activationCode: string) => JSON.stringify({ activationCode });
    // A valid hello first: its nonce is then reused below.
    const usedNonce = randomBytes(16).toString('hex');
    const helloBody = JSON.stringify({ firmwareVersion: '2.0.0' });
    expect((await send('POST', '/terminal/v1/hello', signWith({ key: terminal.factoryKey, sn: terminal.sn, method: 'POST', path: '/terminal/v1/hello', body: helloBody, nonce: usedNonce }), helloBody)).status).toBe(200);
    const before = await snapshot(terminal);
    expect(before.row.status).toBe('activating');
    expect(before.codes).toEqual([{ status: 'active', failed_attempts: 0, used_at: null }]);

    const sign = (overrides: Partial<Parameters<typeof signWith>[0]> = {}) =>
      signWith({ key: terminal.factoryKey, sn: terminal.sn, method: 'POST', path, body: body(code), nonce: randomBytes(16).toString('hex'), ...overrides });
    const full = sign();
    const { 'x-nonce': _nonce, ...withoutNonce } = full;
    const cases: Array<[string, Record<string, string>, string, string]> = [
      ['no headers', {}, body(code), 'missing_headers'],
      ['no nonce', withoutNonce, body(code), 'missing_headers'],
      ['6 minutes old', sign({ now: Date.now() - 6 * 60_000 }), body(code), 'stale_timestamp'],
      ['6 minutes ahead', sign({ now: Date.now() + 6 * 60_000 }), body(code), 'stale_timestamp'],
      ['timestamp not a number', { ...sign(), 'x-timestamp': 'yesterday' }, body(code), 'stale_timestamp'],
      ['wrong key', sign({ key: Buffer.alloc(32, 7) }), body(code), 'bad_signature'],
      ['body changed after signing', sign({ body: body(wrong) }), body(code), 'bad_signature'],
      ['signature of another path', sign({ path: '/terminal/v1/hello' }), body(code), 'bad_signature'],
      ['unknown SN', sign({ sn: 'SN-NOT-IN-STOCK' }), body(code), 'bad_signature'],
      ['nonce reused', sign({ nonce: usedNonce }), body(code), 'nonce_reused'],
      ['nonce reused, wrong code', sign({ nonce: usedNonce, body: body(wrong) }), body(wrong), 'nonce_reused'],
    ];
    const messages = new Map<string, string>();
    for (const [name, headers, payload, reason] of cases) {
      const res = await send('POST', path, headers, payload);
      expect(res.status, name).toBe(401);
      expect(res.body.error, name).toMatchObject({ code: 'terminal_auth_failed', details: { reason } });
      expect(Object.keys(res.body.error.details), name).toEqual(['reason']);
      messages.set(name, res.body.error.message as string);
    }
    // An unknown SN answers exactly like a bad signature on a known one.
    expect(messages.get('unknown SN')).toBe(messages.get('wrong key'));
    expect(await snapshot(terminal)).toEqual(before);

    // The code was never spent: a properly signed request redeems it.
    const ok = await terminalRequest(t, { sn: terminal.sn, key: terminal.factoryKey }, 'POST', path, { activationCode: code });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('self_test');
  });
});

describe('terminal key rotation', () => {
  it('accepts the previous key until the new key has signed once, then refuses it', async () => {
    const terminal = await insertTerminal(t.ctx, { modelCode: model, merchantId, status: 'active' });
    const oldKey = { sn: terminal.sn, key: terminal.terminalKey! };
    const hello = (who: { sn: string; key: Buffer }) => terminalRequest(t, who, 'POST', '/terminal/v1/hello', { firmwareVersion: '2.0.0' });
    const opened = await t.request('POST', `/v1/terminals/${terminal.sn}/reactivations`, { body: { reason: 'risk_control', note: 'check' } });
    expect(opened.status).toBe(201);
    // The case's other steps (identity by SMS, hotline call: tested in activation.db.test.ts) are done.
    await t.ctx.db.updateTable('reactivation_steps').set({ status: 'completed', completed_at: new Date() })
      .where('case_id', '=', opened.body.id).where('kind', '!=', 'enter_activation_code').execute();
    const code = (await t.request('POST', `/v1/terminals/${terminal.sn}/activation-codes`, { body: { channel: 'portal' } })).body.code as string;
    const activated = await terminalRequest(t, oldKey, 'POST', '/terminal/v1/activate', { activationCode: code });
    expect(activated.status).toBe(200);
    const newKey = { sn: terminal.sn, key: unwrapTerminalKey(terminal.factoryKey, terminal.sn, activated.body.terminalKey) };
    const previous = async () => (await t.ctx.db.selectFrom('terminals').select('previous_terminal_key_enc')
      .where('id', '=', terminal.id).executeTakeFirstOrThrow()).previous_terminal_key_enc;

    // The response may have been lost: the old key still works, as often as needed, and each such
    // hello sends the current key again, wrapped as /activate does.
    for (let i = 0; i < 2; i++) {
      const lost = await hello(oldKey);
      expect(lost.status).toBe(200);
      expect(unwrapTerminalKey(terminal.factoryKey, terminal.sn, lost.body.terminalKey).equals(newKey.key)).toBe(true);
    }
    expect(await previous()).not.toBeNull();

    const current = await hello(newKey);
    expect(current.status).toBe(200);
    expect(current.body.terminalKey).toBeUndefined();
    expect(await previous()).toBeNull();
    const refused = await hello(oldKey);
    expect(refused.status).toBe(401);
    expect(refused.body.error.details.reason).toBe('bad_signature');
    expect((await hello(newKey)).status).toBe(200);
  });
});
