// The terminals module's entry point: routes, demo seed and workers (see src/platform/module.ts).
import { createHash } from 'node:crypto';
import { systemActor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import type { JihuoModule } from '../../platform/module.js';
import { applicationRoutes } from './application.routes.js';
import { createDeviceModel, demoDeviceModels } from './device-model.service.js';
import { importTerminals } from './terminal-import.service.js';
import { deviceModelRoutes, terminalRoutes } from './terminals.routes.js';

/** Demo terminals per model: deterministic SNs, e.g. `DEMO-TRAD-T100-001`. */
export const demoTerminalsPerModel = 3;

/**
 * Demo factory keys are derived from the SN, so the simulator can sign as a demo terminal
 * without a key file. Demo data only: real keys come from the manufacturer's import file.
 */
export function demoFactoryKey(sn: string): string {
  return createHash('sha256').update(`jihuo demo factory key:${sn}`, 'utf8').digest('hex');
}

export function demoTerminalSns(modelCode: string): string[] {
  return Array.from({ length: demoTerminalsPerModel }, (_, i) => `DEMO-${modelCode}-${String(i + 1).padStart(3, '0')}`);
}

async function seed(ctx: AppContext): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    for (const model of demoDeviceModels) await createDeviceModel(ctx, trx, null, model, { ifMissing: true });
  });
  const rows = demoDeviceModels.flatMap((m) => demoTerminalSns(m.code).map((sn) => ({ sn, modelCode: m.code, factoryKey: demoFactoryKey(sn) })));
  const existing = new Set((await ctx.db.selectFrom('terminals').select('sn').where('sn', 'in', rows.map((r) => r.sn)).execute()).map((r) => r.sn));
  const missing = rows.filter((r) => !existing.has(r.sn));
  if (missing.length > 0) await importTerminals(ctx, systemActor, missing);
}

export const terminalsModule: JihuoModule = {
  name: 'terminals',
  routes(app, ctx) {
    deviceModelRoutes(app, ctx);
    terminalRoutes(app, ctx);
    applicationRoutes(app, ctx);
  },
  seed,
  sealedColumns: [
    { table: 'terminals', key: 'id', column: 'factory_key_enc', field: 'terminals.factory_key' },
    { table: 'terminals', key: 'id', column: 'terminal_key_enc', field: 'terminals.terminal_key' },
    { table: 'terminals', key: 'id', column: 'previous_terminal_key_enc', field: 'terminals.terminal_key' },
  ],
};
