// Proves the six-step progress and the self-test evaluation: step statuses derived from terminal
// and merchant state, progress percentages, required vs optional components and their guidance.
import { describe, expect, it } from 'vitest';
import { activationProgress, type ProgressFacts } from './activation-progress.js';
import { evaluateSelfTest } from './self-test.js';

const base: ProgressFacts = { terminalStatus: 'delivered', merchantStatus: 'approved', seen: false, activated: false, locked: false, lastSelfTestPassed: null };

describe('activationProgress', () => {
  it.each<[Partial<ProgressFacts>, string[], number]>([
    [{ terminalStatus: 'shipped', merchantStatus: 'under_review' }, ['current', 'current', 'pending', 'pending', 'pending', 'pending'], 0],
    [{}, ['done', 'done', 'current', 'pending', 'pending', 'pending'], 33],
    [{ terminalStatus: 'activating', seen: true }, ['done', 'done', 'done', 'current', 'pending', 'pending'], 50],
    [{ terminalStatus: 'activating', seen: true, locked: true }, ['done', 'done', 'done', 'blocked', 'pending', 'pending'], 50],
    [{ terminalStatus: 'self_test', seen: true, activated: true }, ['done', 'done', 'done', 'done', 'current', 'pending'], 67],
    [{ terminalStatus: 'self_test', seen: true, activated: true, lastSelfTestPassed: false }, ['done', 'done', 'done', 'done', 'blocked', 'pending'], 67],
    [{ terminalStatus: 'active', seen: true, activated: true }, ['done', 'done', 'done', 'done', 'done', 'done'], 100],
    [{ terminalStatus: 'reactivation_required', seen: true, activated: true }, ['done', 'done', 'done', 'done', 'done', 'current'], 83],
    [{ merchantStatus: 'rejected' }, ['done', 'blocked', 'pending', 'pending', 'pending', 'pending'], 17],
  ])('%j → %j (%i%%)', (facts, statuses, percent) => {
    const progress = activationProgress({ ...base, ...facts });
    expect(progress.steps.map((s) => s.status)).toEqual(statuses);
    expect(progress.progressPercent).toBe(percent);
    expect(progress.steps.map((s) => s.helpSlug)).toEqual([
      'activation-step-preparation', 'activation-step-account', 'activation-step-device-setup',
      'activation-step-system-activation', 'activation-step-function-test', 'activation-step-in-service',
    ]);
  });
});

describe('evaluateSelfTest', () => {
  it('passes when every required component passes, whatever the optional ones do', () => {
    const result = evaluateSelfTest(['printer', 'network'], { printer: 'pass', network: 'pass', qrScanner: 'fail' });
    expect(result.passed).toBe(true);
    expect(result.components.find((c) => c.component === 'qrScanner')).toMatchObject({ required: false, result: 'fail', helpSlug: 'self-test-qr-scanner' });
  });

  it('fails on a failed or missing required component, with guidance in both languages', () => {
    const result = evaluateSelfTest(['cardReader', 'network'], { network: 'fail' });
    expect(result.passed).toBe(false);
    const reader = result.components.find((c) => c.component === 'cardReader')!;
    expect(reader).toMatchObject({ result: 'not_reported', required: true, helpSlug: 'self-test-card-reader' });
    const network = result.components.find((c) => c.component === 'network')!;
    expect(network.guidance.zh).toContain('SIM');
    expect(network.guidance.en).toContain('SIM');
  });
});
