// Firmware releases per model with staged rollout, and the minimum-version policy that feeds
// `system_upgrade` re-activation (SPEC §7, §12). `firmwareStatus` is the contract for the
// activation and re-activation modules (hello).
import type { Selectable } from 'kysely';
import type { Actor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import { AppError, validationError } from '../../platform/http/errors.js';
import { newId } from '../../platform/ids.js';
import { getDeviceModel } from './device-model.service.js';
import { compareVersions, inRollout, isVersion } from './firmware.js';
import type { TerminalRow } from './terminal.service.js';
import type { FirmwareReleaseTable } from './terminal.table.js';

export type FirmwareReleaseRow = Selectable<FirmwareReleaseTable>;

export function releaseView(row: FirmwareReleaseRow) {
  return {
    id: row.id, modelCode: row.model_code, version: row.version, notes: row.notes, rolloutPercent: row.rollout_percent,
    createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString(),
  };
}

export async function createRelease(ctx: AppContext, trx: Executor, actor: Actor, input: {
  modelCode: string; version: string; notes: string; rolloutPercent: number;
}): Promise<FirmwareReleaseRow> {
  if (!isVersion(input.version)) throw validationError([{ field: 'version', rule: 'version', message: 'must be a version such as 2.1.0' }]);
  await getDeviceModel(trx, input.modelCode);
  const now = ctx.clock.now();
  const row = await trx.insertInto('firmware_releases').values({
    id: newId('fw'), model_code: input.modelCode, version: input.version, notes: input.notes,
    rollout_percent: input.rolloutPercent, created_at: now, updated_at: now,
  }).onConflict((oc) => oc.columns(['model_code', 'version']).doNothing()).returningAll().executeTakeFirst();
  if (!row) throw new AppError('firmware_release_exists', `Release ${input.version} of ${input.modelCode} already exists`);
  await ctx.audit(trx, actor, {
    action: 'firmware_release.created', subjectType: 'firmware_release', subjectId: row.id,
    details: { modelCode: input.modelCode, version: input.version, rolloutPercent: input.rolloutPercent },
  });
  return row;
}

export async function getRelease(db: Executor, id: string): Promise<FirmwareReleaseRow> {
  const row = await db.selectFrom('firmware_releases').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('firmware_release_not_found', `Firmware release ${id} was not found`);
  return row;
}

export async function setRollout(ctx: AppContext, trx: Executor, actor: Actor, id: string, percent: number): Promise<FirmwareReleaseRow> {
  const before = await getRelease(trx, id);
  const row = await trx.updateTable('firmware_releases').set({ rollout_percent: percent, updated_at: ctx.clock.now() })
    .where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  await ctx.audit(trx, actor, {
    action: 'firmware_release.rollout_changed', subjectType: 'firmware_release', subjectId: id,
    details: { from: before.rollout_percent, to: percent },
  });
  return row;
}

export async function listReleases(db: Executor, modelCode: string): Promise<FirmwareReleaseRow[]> {
  const rows = await db.selectFrom('firmware_releases').selectAll().where('model_code', '=', modelCode).execute();
  return rows.sort((a, b) => compareVersions(b.version, a.version));
}

/** The newest release of the model that this terminal is in the rollout of and does not run yet. */
export function offeredRelease(sn: string, current: string | null, releases: readonly FirmwareReleaseRow[]): FirmwareReleaseRow | null {
  const candidates = releases
    .filter((r) => inRollout(sn, r.id, r.rollout_percent))
    .filter((r) => current === null || compareVersions(r.version, current) > 0)
    .sort((a, b) => compareVersions(b.version, a.version));
  return candidates[0] ?? null;
}

export interface FirmwareStatus {
  /** The terminal reports a version below its model's minimum (feeds `system_upgrade`). */
  belowMinimum: boolean;
  minFirmware: string | null;
  /** The update to offer this terminal (staged rollout by SN hash), or null. */
  latestRelease: { id: string; version: string; notes: string } | null;
}

export async function firmwareStatus(db: Executor, terminal: Pick<TerminalRow, 'sn' | 'model_code' | 'firmware_version'>): Promise<FirmwareStatus> {
  const model = await getDeviceModel(db, terminal.model_code);
  const current = terminal.firmware_version;
  const belowMinimum = current !== null && model.min_firmware !== null && compareVersions(current, model.min_firmware) < 0;
  const offered = offeredRelease(terminal.sn, current, await listReleases(db, terminal.model_code));
  return {
    belowMinimum, minFirmware: model.min_firmware,
    latestRelease: offered ? { id: offered.id, version: offered.version, notes: offered.notes } : null,
  };
}

/** The update `hello` offers a terminal (SPEC §6 "pending messages and updates"). */
export interface FirmwareUpdate { version: string; notes: string; mandatory: boolean }

/**
 * Which update to offer: the newest release the terminal is in the staged rollout of and does not
 * run yet. A terminal below the model's minimum must update (it has a `system_upgrade` case), so
 * the stage does not hold it back: it gets the newest started release (rollout above 0%) that
 * reaches the minimum, marked mandatory. Pure: the caller loads the releases.
 */
export function updateFor(sn: string, current: string | null, minFirmware: string | null,
  releases: readonly FirmwareReleaseRow[]): { release: FirmwareReleaseRow; mandatory: boolean } | null {
  const offered = offeredRelease(sn, current, releases);
  const below = current !== null && minFirmware !== null && compareVersions(current, minFirmware) < 0;
  if (!below) return offered ? { release: offered, mandatory: false } : null;
  const reaches = (r: FirmwareReleaseRow) => compareVersions(r.version, minFirmware) >= 0;
  if (offered && reaches(offered)) return { release: offered, mandatory: true };
  const sufficient = releases.filter((r) => r.rollout_percent > 0 && reaches(r))
    .sort((a, b) => compareVersions(b.version, a.version))[0];
  if (sufficient) return { release: sufficient, mandatory: true };
  return offered ? { release: offered, mandatory: false } : null;
}

/** The update for a terminal as `hello` reports it, or null (read-only). */
export async function firmwareUpdateFor(db: Executor, terminal: Pick<TerminalRow, 'sn' | 'model_code' | 'firmware_version'>): Promise<FirmwareUpdate | null> {
  const model = await getDeviceModel(db, terminal.model_code);
  const chosen = updateFor(terminal.sn, terminal.firmware_version, model.min_firmware, await listReleases(db, terminal.model_code));
  return chosen ? { version: chosen.release.version, notes: chosen.release.notes, mandatory: chosen.mandatory } : null;
}
