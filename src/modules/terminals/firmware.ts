// Firmware version rules (SPEC §12): semantic version order and staged-rollout membership.
// Pure functions, shared by the firmware service and the activation / re-activation modules.
import { createHash } from 'node:crypto';

/** Versions we accept from operators: `2`, `2.1`, `2.10.3`, `2.0.0-beta.1`. */
export const versionPattern = /^\d{1,6}(\.\d{1,6}){0,3}(-[0-9A-Za-z.]{1,32})?$/;

export function isVersion(value: string): boolean {
  return versionPattern.test(value);
}

function compareIdentifiers(a: string, b: string): number {
  const aNumeric = /^\d+$/.test(a);
  const bNumeric = /^\d+$/.test(b);
  if (aNumeric && bNumeric) return Math.sign(Number(a) - Number(b));
  if (aNumeric !== bNumeric) return aNumeric ? -1 : 1; // numeric identifiers sort first (SemVer §11)
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Semantic order of two versions: -1, 0 or 1. Numeric parts compare as numbers ("2.10.0" >
 * "2.9.1"), missing parts count as 0 ("2.1" = "2.1.0"), and a pre-release sorts before its
 * release ("2.0.0-beta" < "2.0.0"). Text that is not a version sorts before every version.
 */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  const aValid = isVersion(a);
  const bValid = isVersion(b);
  if (!aValid || !bValid) {
    if (aValid !== bValid) return aValid ? 1 : -1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const [aCore, aPre] = splitPre(a);
  const [bCore, bPre] = splitPre(b);
  const aParts = aCore.split('.').map(Number);
  const bParts = bCore.split('.').map(Number);
  for (let i = 0; i < Math.max(aParts.length, bParts.length); i++) {
    const diff = (aParts[i] ?? 0) - (bParts[i] ?? 0);
    if (diff !== 0) return diff < 0 ? -1 : 1;
  }
  if (aPre === null || bPre === null) {
    if (aPre === bPre) return 0;
    return aPre === null ? 1 : -1;
  }
  const aIds = aPre.split('.');
  const bIds = bPre.split('.');
  for (let i = 0; i < Math.min(aIds.length, bIds.length); i++) {
    const c = compareIdentifiers(aIds[i]!, bIds[i]!);
    if (c !== 0) return c < 0 ? -1 : 1;
  }
  return Math.sign(aIds.length - bIds.length) as -1 | 0 | 1;
}

function splitPre(version: string): [string, string | null] {
  const dash = version.indexOf('-');
  return dash < 0 ? [version, null] : [version.slice(0, dash), version.slice(dash + 1)];
}

/** Width of a core part (`versionPattern` allows 6 digits) and of a numeric pre-release identifier. */
const coreDigits = 6;
const preDigits = 32;

/**
 * A text key whose byte order (SQL `collate "C"`) is `compareVersions` order, so a database can
 * filter version ranges: core parts padded to four zero-filled numbers, then `~` for a release or
 * `-` and the pre-release identifiers (numeric `0` + zero-filled, alphanumeric `1` + text, joined
 * by `.`, which sorts below every identifier character). Null for text that is not a version.
 * `versionKeySql` in terminal-query.service.ts computes the same key in SQL.
 */
export function versionSortKey(version: string): string | null {
  if (!isVersion(version)) return null;
  const [core, pre] = splitPre(version);
  const parts = core.split('.');
  while (parts.length < 4) parts.push('0');
  const head = parts.map((p) => p.padStart(coreDigits, '0')).join('.');
  if (pre === null) return `${head}~`;
  const ids = pre.split('.').map((id) => (/^\d+$/.test(id) ? `0${id.padStart(preDigits, '0')}` : `1${id}`));
  return `${head}-${ids.join('.')}`;
}

/** Buckets of the rollout: percent is whole, so 10,000 buckets give exact shares to 0.01%. */
export const rolloutBuckets = 10_000;

/** The terminal's bucket for a release, 0…9,999: SHA-256 of `releaseId:sn`, stable forever. */
export function rolloutBucket(sn: string, releaseId: string): number {
  const digest = createHash('sha256').update(`${releaseId}:${sn}`, 'utf8').digest();
  return digest.readUInt32BE(0) % rolloutBuckets;
}

/**
 * Whether terminal `sn` receives release `releaseId` at `percent` (0–100) rollout. Deterministic
 * by SN hash, so raising the percentage only ever adds terminals, never drops one.
 */
export function inRollout(sn: string, releaseId: string, percent: number): boolean {
  if (!(percent > 0)) return false;
  if (percent >= 100) return true;
  return rolloutBucket(sn, releaseId) < Math.floor(percent * (rolloutBuckets / 100));
}
