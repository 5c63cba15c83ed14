// Direct-insert fixtures for tests of one module that need rows owned by another (an approved
// merchant, a device model, a terminal in a given state). End-to-end tests use the API instead.
import { randomBytes, randomInt } from 'node:crypto';
import { sql } from 'kysely';
import type { AppContext } from '../src/platform/context.js';
import { newId } from '../src/platform/ids.js';
import type { TerminalStatus } from '../src/modules/terminals/terminal.state.js';
import { luhnCheckDigit, residentIdCheckChar } from '../src/modules/merchants/validators.js';

/** A PRC resident ID number with its GB 11643 check character, from its first 17 digits. */
export function validResidentId(first17: string): string {
  return first17 + residentIdCheckChar(first17);
}

/** A card or account number with its Luhn check digit. */
export function validCardNumber(payload: string): string {
  return payload + luhnCheckDigit(payload);
}

export async function insertMerchant(ctx: AppContext, overrides: Partial<{
  status: 'draft' | 'approved' | 'under_review'; legalName: string; phone: string; email: string; mcc: string;
  province: string; city: string; cityCode: string; riskLevel: 'low' | 'medium' | 'high';
}> = {}): Promise<{ id: string; mid: string }> {
  const id = newId('mch');
  const mid = `898${String(randomInt(0, 1e9)).padStart(9, '0')}${String(randomInt(0, 1000)).padStart(3, '0')}`;
  const now = ctx.clock.now();
  await ctx.db.insertInto('merchants').values({
    id, mid, type: 'individual', status: overrides.status ?? 'approved', legal_name: overrides.legalName ?? '测试小店',
    phone: overrides.phone ?? `138${String(randomInt(0, 1e8)).padStart(8, '0')}`, email: overrides.email ?? 'shop@example.com',
    id_number_enc: null, id_number_hash: null, id_number_mask: '110***********1234', id_name: '张三', id_expiry: '2040-01-01',
    uscc: null, license_name: null, license_expiry: null, mcc: overrides.mcc ?? '5812', province: overrides.province ?? '北京市',
    city: overrides.city ?? '北京市', city_code: overrides.cityCode ?? '110100', district: '朝阳区', address_line: '建国路 1 号',
    bank_name: '中国银行', account_number_enc: null, account_number_hash: null, account_number_mask: '6222********1234',
    account_holder: '张三', risk_score: 10, risk_level: overrides.riskLevel ?? 'low', risk_reasons: '[]',
    pricing_plan_id: null, submitted_at: now, approved_at: overrides.status === 'approved' || !overrides.status ? now : null,
    created_at: now, updated_at: now,
  }).execute();
  return { id, mid };
}

/** `count` approved merchants in one INSERT … SELECT (scale tests); ids are returned in order. */
export async function insertMerchantsBulk(ctx: AppContext, count: number): Promise<string[]> {
  const tag = randomBytes(4).toString('hex');
  const now = ctx.clock.now();
  const rows = await sql<{ id: string }>`
    insert into merchants (id, mid, type, status, legal_name, phone, email, id_number_mask, id_name, mcc, province, city,
      city_code, district, address_line, bank_name, account_number_mask, account_holder, risk_score, risk_level,
      submitted_at, approved_at, created_at, updated_at)
    select 'mch_b' || ${tag} || lpad(g::text, 11, '0'), '897' || lpad((${randomInt(0, 10_000)} + g * 10000)::text, 12, '0'),
      'individual', 'approved', '批量小店' || g, '139' || lpad(g::text, 8, '0'), 'bulk@example.com', '110***********1234', '张三',
      '5812', '北京市', '北京市', '110100', '朝阳区', '建国路 1 号', '中国银行', '6222********1234', '张三', 10, 'low',
      ${now}, ${now}, ${now}, ${now}
    from generate_series(1, ${count}) g
    returning id`.execute(ctx.db);
  return rows.rows.map((r) => r.id).sort();
}

export async function insertDeviceModel(ctx: AppContext, overrides: Partial<{
  code: string; kind: 'traditional' | 'smart' | 'esign' | 'mobile' | 'qr_box'; depositFen: number | null;
  thresholdFen: number | null; windowDays: number | null; requiredSelfTests: string[]; minFirmware: string | null;
}> = {}): Promise<string> {
  const code = overrides.code ?? `M${randomBytes(3).toString('hex').toUpperCase()}`;
  await ctx.db.insertInto('device_models').values({
    code, name: `Model ${code}`, kind: overrides.kind ?? 'traditional', price_fen: 30000,
    deposit_fen: overrides.depositFen === undefined ? 29800 : overrides.depositFen,
    deposit_threshold_fen: overrides.thresholdFen === undefined ? 60_000_000 : overrides.thresholdFen,
    deposit_window_days: overrides.windowDays === undefined ? 180 : overrides.windowDays,
    required_self_tests: JSON.stringify(overrides.requiredSelfTests ?? ['cardReader', 'contactless', 'printer', 'network']),
    min_firmware: overrides.minFirmware ?? '1.0.0', created_at: ctx.clock.now(),
  }).onConflict((oc) => oc.column('code').doNothing()).execute();
  return code;
}

export interface InsertedTerminal { id: string; sn: string; factoryKey: Buffer; terminalKey: Buffer | null; tid: string | null }

/** A terminal in any status; `active` terminals get a terminal key and activation time. */
export async function insertTerminal(ctx: AppContext, input: {
  modelCode: string; merchantId?: string | null; status?: TerminalStatus; sn?: string; firmwareVersion?: string;
}): Promise<InsertedTerminal> {
  const id = newId('trm');
  const sn = input.sn ?? `SN${randomBytes(6).toString('hex').toUpperCase()}`;
  const factoryKey = randomBytes(32);
  const status = input.status ?? (input.merchantId ? 'delivered' : 'in_stock');
  const activated = ['active', 'reactivation_required', 'suspended', 'self_test'].includes(status);
  const terminalKey = activated ? randomBytes(32) : null;
  const tid = input.merchantId ? String(randomInt(10_000_000, 99_999_999)) : null;
  const now = ctx.clock.now();
  await ctx.db.insertInto('terminals').values({
    id, sn, model_code: input.modelCode, status, merchant_id: input.merchantId ?? null, tid,
    factory_key_enc: ctx.cipher.seal('terminals.factory_key', factoryKey.toString('hex')),
    terminal_key_enc: terminalKey ? ctx.cipher.seal('terminals.terminal_key', terminalKey.toString('hex')) : null,
    previous_terminal_key_enc: null, firmware_version: input.firmwareVersion ?? '2.0.0', last_city_code: null,
    last_lat: null, last_lng: null, last_battery: null, last_seen_at: null,
    activated_at: activated ? now : null, last_transaction_at: null, replaced_by: null, created_at: now, updated_at: now,
  }).execute();
  return { id, sn, factoryKey, terminalKey, tid };
}
