// Proves the terminal simulator against a real listening server: TerminalClient signs with the
// factory key, unwraps the terminal key from /activate and signs later requests with it, runs the
// self-test to `active`, receives a paired key through hello; and the jihuo-terminal CLI does the
// walkthrough (init, boot, activate with a local typo check, self-test) with its JSON state file,
// prompts for the code on stdin (re-asking after a typo), and takes a sale.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/platform/api-keys.js';
import { TerminalClient, TerminalError } from '../src/simulator/terminal-client.js';
import { insertDeviceModel, insertMerchant, insertTerminal } from './fixtures.js';
import { createTestApp, type TestApp } from './harness.js';

const run = promisify(execFile);
let t: TestApp;
let server: string;
let merchant: { id: string; mid: string };
let ownerKey: string;
let model: string;

beforeAll(async () => {
  t = await createTestApp();
  server = await t.app.listen({ port: 0, host: '127.0.0.1' });
  merchant = await insertMerchant(t.ctx, { legalName: '模拟器小店' });
  ownerKey = (await createApiKey(t.ctx, { name: 'owner', role: 'merchant_owner', merchantId: merchant.id })).key;
  model = await insertDeviceModel(t.ctx, { code: 'SIM1', requiredSelfTests: ['cardReader', 'printer', 'network'] });
});
afterAll(async () => { await t.close(); });

async function newTerminal() {
  const terminal = await insertTerminal(t.ctx, { modelCode: model, merchantId: merchant.id, status: 'delivered' });
  const client = new TerminalClient({ server, sn: terminal.sn, factoryKey: terminal.factoryKey.toString('hex'), terminalKey: null });
  return { terminal, client };
}

describe('TerminalClient over HTTP', () => {
  it('activates, switches to the unwrapped terminal key, and passes the self-test', async () => {
    const { terminal, client } = await newTerminal();
    const boot = await client.hello({ firmwareVersion: '2.0.0', location: { cityCode: '110100' } });
    expect(boot).toMatchObject({ status: 'delivered', reason: 'new_device' });
    const code = (await t.request('POST', `/v1/terminals/${terminal.sn}/activation-codes`, { body: { channel: 'portal' } })).body.code as string;

    await expect(client.activate('000000000000')).rejects.toMatchObject({ code: 'activation_code_invalid', status: 400 });
    const activated = await client.activate(code);
    expect(activated).toMatchObject({ status: 'self_test', mid: merchant.mid, merchantName: '模拟器小店' });
    const stored = await t.ctx.db.selectFrom('terminals').select('terminal_key_enc').where('id', '=', terminal.id).executeTakeFirstOrThrow();
    expect(client.state.terminalKey).toBe(t.ctx.cipher.open('terminals.terminal_key', stored.terminal_key_enc!));

    expect((await client.hello()).status).toBe('self_test');
    const failed = await client.selfTest({ cardReader: 'pass', printer: 'fail', network: 'pass' });
    expect(failed.status).toBe('self_test');
    const passed = await client.selfTest({ cardReader: 'pass', printer: 'pass', network: 'pass' });
    expect(passed.status).toBe('active');
    expect((await client.messages()).data).toEqual([]);

    const factoryOnly = new TerminalClient({ ...client.state, terminalKey: null });
    await expect(factoryOnly.hello()).rejects.toMatchObject({ status: 401, code: 'terminal_auth_failed' });
  });

  it('receives the terminal key through hello after portal pairing', async () => {
    const { terminal, client } = await newTerminal();
    const { pairingCode } = await client.pairingCode();
    const paired = await t.request('POST', `/v1/terminals/${terminal.sn}/pair`, { key: ownerKey, body: { pairingCode } });
    expect(paired.status).toBe(200);
    expect(client.state.terminalKey).toBeNull();
    const view = await client.hello();
    expect(view.status).toBe('self_test');
    expect(client.state.terminalKey).toMatch(/^[0-9a-f]{64}$/);
    expect((await client.selfTest({ cardReader: 'pass', printer: 'pass', network: 'pass' })).status).toBe('active');
  });

  it('reports errors with the platform code', async () => {
    const { client } = await newTerminal();
    const error = await client.selfTest({ printer: 'pass' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error).toMatchObject({ status: 409, code: 'activation_not_allowed' });
  });
});

describe('jihuo-terminal CLI', () => {
  it('walks through init, boot, activate and self-test with a JSON state file', async () => {
    const { terminal } = await newTerminal();
    const state = join(mkdtempSync(join(tmpdir(), 'jihuo-terminal-')), 'pos.json');
    const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/simulator/main.ts', '--state', state, ...args], { cwd: process.cwd() });

    await cli('init', '--server', server, '--sn', terminal.sn, '--factory-key', terminal.factoryKey.toString('hex'));
    const boot = await cli('boot', '--firmware', '2.0.0');
    expect(boot.stdout).toContain('new_device');
    expect(boot.stdout).toContain(terminal.sn);

    const code = (await t.request('POST', `/v1/terminals/${terminal.sn}/activation-codes`, { body: { channel: 'portal' } })).body.code as string;
    const typo = code.slice(0, 11) + String((Number(code[11]) + 1) % 10);
    const refused = await cli('activate', '--code', typo).catch((e: { code: number; stderr: string }) => e);
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stderr: string }).stderr).toContain('activation_code_malformed');

    const activated = await cli('activate', '--code', `${code.slice(0, 4)} ${code.slice(4, 8)} ${code.slice(8)}`);
    expect(activated.stdout).toContain('模拟器小店');
    expect(JSON.parse(readFileSync(state, 'utf8')).terminalKey).toMatch(/^[0-9a-f]{64}$/);

    const failed = await cli('self-test', '--fail', 'printer');
    expect(failed.stdout).toContain('self_test');
    expect(failed.stdout).toContain('self-test-printer');
    const passed = await cli('self-test');
    expect(passed.stdout).toContain('Self-test → active');
    const row = await t.ctx.db.selectFrom('terminals').select('status').where('id', '=', terminal.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('active');
  });
});

/** Runs the CLI with `input` on stdin (all at once, as a pipe would), whatever its exit code. */
function cliWithInput(state: string, args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/simulator/main.ts', '--state', state, ...args], { cwd: process.cwd() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('jihuo-terminal prompt and sale', () => {
  const stateFile = () => join(mkdtempSync(join(tmpdir(), 'jihuo-terminal-')), 'pos.json');

  it('reads the activation code from stdin, asking again after a typo that never reaches the server', async () => {
    const { terminal } = await newTerminal();
    const state = stateFile();
    await run(process.execPath, ['--import', 'tsx', 'src/simulator/main.ts', '--state', state, 'init', '--server', server,
      '--sn', terminal.sn, '--factory-key', terminal.factoryKey.toString('hex')], { cwd: process.cwd() });
    const code = (await t.request('POST', `/v1/terminals/${terminal.sn}/activation-codes`, { body: { channel: 'portal' } })).body.code as string;
    const typo = code.slice(0, 11) + String((Number(code[11]) + 1) % 10);

    const nothing = await cliWithInput(state, ['activate'], `${typo}\n`);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('no_input');

    const result = await cliWithInput(state, ['activate'], `${typo}\n${code.slice(0, 4)} ${code.slice(4, 8)} ${code.slice(8)}\n`);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.split('Enter activation code:').length - 1).toBe(2);
    expect(result.stdout).toContain('That code has a typo');
    expect(result.stdout).toContain('激活成功 Activated: 模拟器小店');
    expect(JSON.parse(readFileSync(state, 'utf8')).terminalKey).toMatch(/^[0-9a-f]{64}$/);
    const stored = await t.ctx.db.selectFrom('activation_codes').select(['status', 'failed_attempts']).where('terminal_id', '=', terminal.id).execute();
    expect(stored).toEqual([{ status: 'used', failed_attempts: 0 }]);
    expect(await t.ctx.db.selectFrom('activation_attempts').select('id').where('terminal_id', '=', terminal.id).execute()).toEqual([]);
  });

  it('takes a sale and prints the result; the same idempotency key returns the same sale', async () => {
    const terminal = await insertTerminal(t.ctx, { modelCode: model, merchantId: merchant.id, status: 'active' });
    const state = stateFile();
    writeFileSync(state, JSON.stringify({
      server, sn: terminal.sn, factoryKey: terminal.factoryKey.toString('hex'), terminalKey: terminal.terminalKey!.toString('hex'),
    }));
    const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/simulator/main.ts', '--state', state, ...args], { cwd: process.cwd() });
    const args = ['sale', '--method', 'credit_card', '--amount', '1000000', '--card', '622588:1234', '--idempotency-key', `sim-${terminal.sn}`];
    const printed = JSON.parse((await cli(...args)).stdout) as Record<string, unknown>;
    expect(printed).toMatchObject({ kind: 'sale', status: 'approved', method: 'credit_card', amount: 1_000_000, fee: 6000, net: 994_000, training: false });
    expect(printed.id).toMatch(/^txn_/);
    const row = await t.ctx.db.selectFrom('transactions').select(['terminal_id', 'card_bin', 'card_last4']).where('id', '=', String(printed.id)).executeTakeFirstOrThrow();
    expect(row).toEqual({ terminal_id: terminal.id, card_bin: '622588', card_last4: '1234' });
    expect(JSON.parse((await cli(...args)).stdout)).toEqual(printed);

    const refused = await cli('sale', '--method', 'wechat_qr', '--amount', '12.5').catch((e: { code: number; stderr: string }) => e);
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stderr: string }).stderr).toContain('validation_failed');
  });
});
