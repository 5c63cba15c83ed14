// Proves semantic version order (not string order), deterministic, monotone rollout membership,
// and which update hello offers (rollout stage, mandatory below the model minimum).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareVersions, inRollout, isVersion, rolloutBucket, versionSortKey } from './firmware.js';
import { updateFor, type FirmwareReleaseRow } from './firmware.service.js';

const core = fc.array(fc.integer({ min: 0, max: 999 }), { minLength: 1, maxLength: 4 }).map((p) => p.join('.'));
const version = fc.tuple(core, fc.option(fc.constantFrom('alpha', 'beta.1', 'rc.2', '1'), { nil: undefined }))
  .map(([c, pre]) => (pre ? `${c}-${pre}` : c));
const sn = fc.stringMatching(/^[A-Z0-9]{6,20}$/);

describe('compareVersions', () => {
  it.each([
    ['2.10.0', '2.9.1', 1],
    ['2.9.1', '2.10.0', -1],
    ['2.0.0', '2.0.0', 0],
    ['2.1', '2.1.0', 0],
    ['10.0.0', '9.99.99', 1],
    ['2.0.0-beta', '2.0.0', -1],
    ['2.0.0-beta.2', '2.0.0-beta.10', -1],
    ['2.0.0-alpha', '2.0.0-beta', -1],
    ['1.0.0', 'garbage', 1],
  ] as const)('%s vs %s → %i', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
  });

  it('is antisymmetric and reflexive', () => {
    fc.assert(fc.property(version, version, (a, b) => {
      expect(compareVersions(a, a)).toBe(0);
      expect(compareVersions(a, b)).toBe(-compareVersions(b, a) || 0);
    }));
  });

  it('is transitive', () => {
    fc.assert(fc.property(version, version, version, (a, b, c) => {
      if (compareVersions(a, b) <= 0 && compareVersions(b, c) <= 0) expect(compareVersions(a, c)).toBeLessThanOrEqual(0);
    }));
  });

  it('orders release cores as integer tuples', () => {
    fc.assert(fc.property(fc.array(fc.nat(99_999), { minLength: 3, maxLength: 3 }), fc.array(fc.nat(99_999), { minLength: 3, maxLength: 3 }), (x, y) => {
      const expected = x[0] !== y[0] ? Math.sign(x[0]! - y[0]!) : x[1] !== y[1] ? Math.sign(x[1]! - y[1]!) : Math.sign(x[2]! - y[2]!);
      expect(compareVersions(x.join('.'), y.join('.'))).toBe(expected || 0);
    }));
  });

  it('accepts versions and refuses other text', () => {
    expect(isVersion('2.0.0')).toBe(true);
    expect(isVersion('v2')).toBe(false);
    expect(isVersion('2..0')).toBe(false);
  });
});

describe('versionSortKey', () => {
  const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  it('orders like compareVersions', () => {
    fc.assert(fc.property(version, version, (a, b) => {
      expect(byteOrder(versionSortKey(a)!, versionSortKey(b)!)).toBe(compareVersions(a, b));
    }));
  });

  it.each([
    ['2.10.0-beta.1', '2.9.9'], ['2.10.0', '2.10.0-rc.1'], ['2.10.0-rc.1', '2.10.0-beta.2'],
    ['2.0.0-beta.10', '2.0.0-beta.2'], ['2.0.0-alpha.1', '2.0.0-alpha'], ['2.0.0-a', '2.0.0-1'],
  ] as const)('%s sorts after %s', (high, low) => {
    expect(versionSortKey(high)! > versionSortKey(low)!).toBe(true);
  });

  it('is null for text that is not a version', () => {
    expect(versionSortKey('latest')).toBeNull();
    expect(versionSortKey('2.1')).toBe(versionSortKey('2.1.0.0'));
  });
});

describe('inRollout', () => {
  it('is never in at 0% and always in at 100%', () => {
    fc.assert(fc.property(sn, fc.string(), (s, release) => {
      expect(inRollout(s, release, 0)).toBe(false);
      expect(inRollout(s, release, 100)).toBe(true);
    }));
  });

  it('is deterministic and monotone in the percentage', () => {
    fc.assert(fc.property(sn, fc.string(), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), (s, release, p, q) => {
      const [low, high] = p <= q ? [p, q] : [q, p];
      expect(inRollout(s, release, low)).toBe(inRollout(s, release, low));
      if (inRollout(s, release, low)) expect(inRollout(s, release, high)).toBe(true);
    }));
  });

  it('puts about the given share of terminals in the rollout', () => {
    const sns = Array.from({ length: 20_000 }, (_, i) => `SN${String(i).padStart(8, '0')}`);
    const share = sns.filter((s) => inRollout(s, 'fw_release', 25)).length / sns.length;
    expect(share).toBeGreaterThan(0.23);
    expect(share).toBeLessThan(0.27);
  });

  it('gives a terminal independent buckets for different releases', () => {
    expect(rolloutBucket('SN00000001', 'fw_a')).not.toBe(rolloutBucket('SN00000001', 'fw_b'));
    expect(rolloutBucket('SN00000001', 'fw_a')).toBe(rolloutBucket('SN00000001', 'fw_a'));
  });
});

describe('updateFor', () => {
  const at = new Date('2030-01-01T00:00:00Z');
  const release = (id: string, version: string, rolloutPercent: number): FirmwareReleaseRow => ({
    id, model_code: 'M', version, notes: `notes ${version}`, rollout_percent: rolloutPercent, created_at: at, updated_at: at,
  });
  const all = [release('fw_a', '2.5.0', 100), release('fw_b', '3.0.0', 0), release('fw_c', '2.6.0-beta.1', 100)];
  it.each([
    ['on 2.4, min 2.0: newest in rollout, optional', '2.4.0', '2.0.0', '2.6.0-beta.1', false],
    ['on the newest already: nothing', '2.6.0-beta.1', '2.0.0', null, false],
    ['below min 2.5: the rollout release reaches it, mandatory', '2.1.0', '2.5.0', '2.6.0-beta.1', true],
    ['below min 3.0: only a 0% release reaches it: optional offer', '2.1.0', '3.0.0', '2.6.0-beta.1', false],
    ['unknown version: newest in rollout', null, '2.0.0', '2.6.0-beta.1', false],
  ] as const)('%s', (_name, current, min, version, mandatory) => {
    const chosen = updateFor('SN1', current, min, all);
    expect(chosen ? { version: chosen.release.version, mandatory: chosen.mandatory } : null)
      .toEqual(version === null ? null : { version, mandatory });
  });

  it('gives a terminal below the minimum a started release even outside its rollout share', () => {
    const staged = [release('fw_x', '4.0.0', 1)];
    const outside = ['SNA', 'SNB', 'SNC', 'SND'].find((sn) => !inRollout(sn, 'fw_x', 1))!;
    expect(updateFor(outside, '3.9.0', '3.0.0', staged)).toBeNull();
    expect(updateFor(outside, '2.0.0', '3.0.0', staged)).toEqual({ release: staged[0], mandatory: true });
  });
});
