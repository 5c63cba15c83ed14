#!/usr/bin/env node
// `npm test`: type-check, then every test project (unit; database tests on PGlite and on a
// throw-away PostgreSQL; browser tests). Ends with one plain line: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const extra = process.argv.slice(2);
const tsc = spawnSync('npx', ['tsc', '--noEmit', '-p', '.'], { stdio: 'inherit' });
if (tsc.status !== 0) {
  process.stdout.write('type check failed\n0 passed, 1 failed\n');
  process.exit(1);
}
// The web app (React, DOM types) has its own compiler options.
const webTsc = spawnSync('npx', ['tsc', '--noEmit', '-p', 'web/tsconfig.json'], { stdio: 'inherit' });
if (webTsc.status !== 0) {
  process.stdout.write('web type check failed\n0 passed, 1 failed\n');
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), 'jihuo-test-'));
const report = join(dir, 'report.json');
const run = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra],
  { stdio: 'inherit', env: { ...process.env, JIHUO_LOG_LEVEL: 'silent' } });
let passed = 0; let failed = 0; let skipped = 0;
try {
  const result = JSON.parse(readFileSync(report, 'utf8'));
  passed = result.numPassedTests; failed = result.numFailedTests; skipped = result.numPendingTests + (result.numTodoTests ?? 0);
  if (!result.success && failed === 0) failed = 1; // a suite failed to load or a hook failed
} catch {
  failed = Math.max(failed, 1);
}
rmSync(dir, { recursive: true, force: true });
const status = run.status === 0 && failed === 0 ? 0 : 1;
process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(status);
