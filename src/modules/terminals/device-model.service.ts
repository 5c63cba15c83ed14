// Device models (SPEC §4, §9): price, deposit policy, required self-tests, minimum firmware.
import type { Selectable } from 'kysely';
import type { Actor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError, validationError } from '../../platform/http/errors.js';
import { isVersion } from './firmware.js';
import type { DeviceKind } from './terminal.state.js';
import type { DeviceModelTable } from './terminal.table.js';

export const selfTestComponents = ['cardReader', 'contactless', 'qrScanner', 'printer', 'network'] as const;
export type SelfTestComponent = (typeof selfTestComponents)[number];

export type DeviceModelRow = Selectable<DeviceModelTable>;

export interface DeviceModelInput {
  code: string; name: string; kind: DeviceKind; price: number;
  deposit: { amount: number; threshold: number; windowDays: number } | null;
  requiredSelfTests: SelfTestComponent[]; minFirmware: string | null;
}

export interface DeviceModelView extends DeviceModelInput { createdAt: string }

export function deviceModelView(row: DeviceModelRow): DeviceModelView {
  return {
    code: row.code, name: row.name, kind: row.kind, price: Number(row.price_fen),
    deposit: row.deposit_fen === null ? null : {
      amount: Number(row.deposit_fen), threshold: Number(row.deposit_threshold_fen), windowDays: Number(row.deposit_window_days),
    },
    requiredSelfTests: row.required_self_tests as SelfTestComponent[], minFirmware: row.min_firmware,
    createdAt: row.created_at.toISOString(),
  };
}

export async function findDeviceModel(db: Executor, code: string): Promise<DeviceModelRow | undefined> {
  return db.selectFrom('device_models').selectAll().where('code', '=', code).executeTakeFirst();
}

export async function listDeviceModels(db: Executor): Promise<DeviceModelRow[]> {
  return db.selectFrom('device_models').selectAll().orderBy('code').execute();
}

export async function getDeviceModel(db: Executor, code: string): Promise<DeviceModelRow> {
  const row = await findDeviceModel(db, code);
  if (!row) throw new AppError('device_model_not_found', `Device model ${code} was not found`);
  return row;
}

function checkMinFirmware(value: string | null): void {
  if (value !== null && !isVersion(value)) {
    throw validationError([{ field: 'minFirmware', rule: 'version', message: 'must be a version such as 2.0.0' }]);
  }
}

/** Inserts a model; `ifMissing` makes it idempotent (the demo seed), otherwise a repeat is 409. */
export async function createDeviceModel(ctx: AppContext, trx: Executor, actor: Actor | null, input: DeviceModelInput,
  options: { ifMissing?: boolean } = {}): Promise<DeviceModelRow> {
  checkMinFirmware(input.minFirmware);
  const inserted = await trx.insertInto('device_models').values({
    code: input.code, name: input.name, kind: input.kind, price_fen: input.price,
    deposit_fen: input.deposit?.amount ?? null, deposit_threshold_fen: input.deposit?.threshold ?? null,
    deposit_window_days: input.deposit?.windowDays ?? null,
    required_self_tests: JSON.stringify([...new Set(input.requiredSelfTests)]), min_firmware: input.minFirmware,
    created_at: ctx.clock.now(),
  }).onConflict((oc) => oc.column('code').doNothing()).returningAll().executeTakeFirst();
  if (!inserted) {
    if (options.ifMissing) return getDeviceModel(trx, input.code);
    throw new AppError('device_model_exists', `Device model ${input.code} already exists`);
  }
  if (actor) {
    await ctx.audit(trx, actor, { action: 'device_model.created', subjectType: 'device_model', subjectId: input.code, details: { kind: input.kind } });
  }
  return inserted;
}

export async function updateDeviceModel(ctx: AppContext, trx: Executor, actor: Actor, code: string,
  patch: { name?: string; minFirmware?: string | null; requiredSelfTests?: SelfTestComponent[]; price?: number }): Promise<DeviceModelRow> {
  if (patch.minFirmware !== undefined) checkMinFirmware(patch.minFirmware);
  const before = await getDeviceModel(trx, code);
  const row = await trx.updateTable('device_models').set({
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.minFirmware !== undefined ? { min_firmware: patch.minFirmware } : {}),
    ...(patch.requiredSelfTests !== undefined ? { required_self_tests: JSON.stringify([...new Set(patch.requiredSelfTests)]) } : {}),
    ...(patch.price !== undefined ? { price_fen: patch.price } : {}),
  }).where('code', '=', code).returningAll().executeTakeFirstOrThrow();
  await ctx.audit(trx, actor, {
    action: 'device_model.updated', subjectType: 'device_model', subjectId: code,
    details: { patch, previousMinFirmware: before.min_firmware },
  });
  return row;
}

/** The demo seed's models (Appendix B): one per kind. */
export const demoDeviceModels: DeviceModelInput[] = [
  { code: 'TRAD-T100', name: '传统大POS T100', kind: 'traditional', price: 30_000,
    deposit: { amount: 29_800, threshold: 60_000_000, windowDays: 180 },
    requiredSelfTests: ['cardReader', 'contactless', 'printer', 'network'], minFirmware: '2.0.0' },
  { code: 'SMART-S200', name: '智能POS S200', kind: 'smart', price: 50_000,
    deposit: { amount: 59_800, threshold: 99_000_000, windowDays: 365 },
    requiredSelfTests: ['cardReader', 'contactless', 'qrScanner', 'printer', 'network'], minFirmware: '2.0.0' },
  { code: 'ESIGN-E300', name: '电签POS E300', kind: 'esign', price: 9_900, deposit: null,
    requiredSelfTests: ['cardReader', 'contactless', 'network'], minFirmware: '2.0.0' },
  { code: 'MPOS-M400', name: '手机POS M400', kind: 'mobile', price: 0, deposit: null,
    requiredSelfTests: ['cardReader', 'network'], minFirmware: '2.0.0' },
  { code: 'QRBOX-Q500', name: '扫码盒子 Q500', kind: 'qr_box', price: 4_900, deposit: null,
    requiredSelfTests: ['qrScanner', 'network'], minFirmware: '2.0.0' },
];
