// Terminal routes (SPEC §4, §12, Appendix A): device models, import, search, lifecycle,
// assignment, replacement and firmware. Transactions start here; rules live in the services.
import type { Actor } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import { actorOf, anyOperator, assertMerchantScope, operatorsAndMerchants } from '../../platform/http/auth.js';
import { AppError } from '../../platform/http/errors.js';
import { Fen, PageQuery, Strict, Type } from '../../platform/http/schema.js';
import type { JihuoApp } from '../../platform/module.js';
import { createDeviceModel, deviceModelView, getDeviceModel, listDeviceModels, selfTestComponents, updateDeviceModel } from './device-model.service.js';
import { createRelease, firmwareStatus, getRelease, listReleases, releaseView, setRollout } from './firmware.service.js';
import { inRollout } from './firmware.js';
import { importTerminals } from './terminal-import.service.js';
import { searchTerminals, terminalTimeline } from './terminal-query.service.js';
import {
  assignTerminal, getTerminalBySn, lockTerminal, replaceTerminal, terminalView, transitionTerminal, type TerminalRow,
} from './terminal.service.js';
import type { Executor } from '../../platform/db/schema.js';
import { deviceKinds, terminalStatuses, type TerminalStatus } from './terminal.state.js';
import { statusOnResume } from '../reactivation/reactivation.hooks.js';

const tags = ['terminals'];
const lit = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const admins = ['ops_admin'] as const;
const SnParams = Strict({ sn: Type.String({ minLength: 1, maxLength: 64 }) });
const Version = () => Type.String({ minLength: 1, maxLength: 48 });
const importBodyBytesMax = 32 * 1024 * 1024;
const importRowsPerRequestMax = 100_000;

/** The terminal, or 404 when it does not exist or belongs to another merchant. */
async function visibleTerminal(ctx: AppContext, actor: Actor, sn: string): Promise<TerminalRow> {
  const row = await getTerminalBySn(ctx.db, sn);
  assertMerchantScope(actor, row.merchant_id, new AppError('terminal_not_found', `Terminal ${sn} was not found`));
  return row;
}

const DeviceModelBody = Strict({
  code: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$' }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  kind: lit(deviceKinds),
  price: Fen(),
  deposit: Type.Union([Strict({ amount: Fen({ minimum: 1 }), threshold: Fen({ minimum: 1 }), windowDays: Type.Integer({ minimum: 1, maximum: 3650 }) }), Type.Null()]),
  requiredSelfTests: Type.Array(lit(selfTestComponents), { maxItems: selfTestComponents.length }),
  minFirmware: Type.Union([Version(), Type.Null()]),
});

export function deviceModelRoutes(app: JihuoApp, ctx: AppContext): void {
  app.post('/v1/device-models', {
    schema: { tags, summary: 'Create a device model (price, deposit policy, self-tests, minimum firmware)', body: DeviceModelBody },
    config: { access: { roles: admins } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const row = await ctx.db.transaction().execute((trx) => createDeviceModel(ctx, trx, actor, request.body));
    return reply.status(201).send(deviceModelView(row));
  });

  app.get('/v1/device-models', {
    schema: { tags, summary: 'List device models' },
    config: { access: { roles: operatorsAndMerchants } },
  }, async () => {
    const rows = await listDeviceModels(ctx.db);
    return { data: rows.map(deviceModelView), hasMore: false, nextCursor: null };
  });

  app.get('/v1/device-models/:code', {
    schema: { tags, summary: 'A device model', params: Strict({ code: Type.String() }) },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => deviceModelView(await getDeviceModel(ctx.db, request.params.code)));

  app.patch('/v1/device-models/:code', {
    schema: {
      tags, summary: 'Change a device model (e.g. its minimum firmware, which feeds system_upgrade)',
      params: Strict({ code: Type.String() }),
      body: Strict({
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), price: Type.Optional(Fen()),
        minFirmware: Type.Optional(Type.Union([Version(), Type.Null()])),
        requiredSelfTests: Type.Optional(Type.Array(lit(selfTestComponents), { maxItems: selfTestComponents.length })),
      }),
    },
    config: { access: { roles: admins } },
  }, async (request) => {
    const actor = actorOf(request);
    const row = await ctx.db.transaction().execute((trx) => updateDeviceModel(ctx, trx, actor, request.params.code, request.body));
    return deviceModelView(row);
  });

  app.post('/v1/device-models/:code/firmware-releases', {
    schema: {
      tags, summary: 'Publish a firmware release for a model, with a staged rollout percentage',
      params: Strict({ code: Type.String() }),
      body: Strict({
        version: Version(), notes: Type.Optional(Type.String({ maxLength: 5000 })),
        rolloutPercent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
      }),
    },
    config: { access: { roles: admins } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const row = await ctx.db.transaction().execute((trx) => createRelease(ctx, trx, actor, {
      modelCode: request.params.code, version: request.body.version, notes: request.body.notes ?? '',
      rolloutPercent: request.body.rolloutPercent ?? 0,
    }));
    return reply.status(201).send(releaseView(row));
  });

  app.get('/v1/device-models/:code/firmware-releases', {
    schema: { tags, summary: 'Firmware releases of a model, newest first', params: Strict({ code: Type.String() }) },
    config: { access: { roles: anyOperator } },
  }, async (request) => {
    await getDeviceModel(ctx.db, request.params.code);
    const rows = await listReleases(ctx.db, request.params.code);
    return { data: rows.map(releaseView), hasMore: false, nextCursor: null };
  });

  app.patch('/v1/firmware-releases/:id', {
    schema: {
      tags, summary: 'Change the rollout percentage of a release (raising it only adds terminals)',
      params: Strict({ id: Type.String() }), body: Strict({ rolloutPercent: Type.Integer({ minimum: 0, maximum: 100 }) }),
    },
    config: { access: { roles: admins } },
  }, async (request) => {
    const actor = actorOf(request);
    const row = await ctx.db.transaction().execute((trx) => setRollout(ctx, trx, actor, request.params.id, request.body.rolloutPercent));
    return releaseView(row);
  });

  app.get('/v1/firmware-releases/:id/rollout/:sn', {
    schema: { tags, summary: 'Whether a terminal is in a release\'s rollout', params: Strict({ id: Type.String(), sn: Type.String() }) },
    config: { access: { roles: anyOperator } },
  }, async (request) => {
    const release = await getRelease(ctx.db, request.params.id);
    const terminal = await getTerminalBySn(ctx.db, request.params.sn);
    return {
      releaseId: release.id, sn: terminal.sn, rolloutPercent: release.rollout_percent,
      inRollout: terminal.model_code === release.model_code && inRollout(terminal.sn, release.id, release.rollout_percent),
    };
  });
}

/** Where a resumed terminal goes; only a suspended terminal asks re-activation (else the 409 says why). */
async function resumeTarget(ctx: AppContext, trx: Executor, sn: string): Promise<Awaited<ReturnType<typeof statusOnResume>> | null> {
  const terminal = await lockTerminal(trx, sn);
  return terminal.status === 'suspended' ? statusOnResume(ctx, trx, terminal) : null;
}

export function terminalRoutes(app: JihuoApp, ctx: AppContext): void {
  app.post('/v1/terminals/import', {
    bodyLimit: importBodyBytesMax,
    schema: {
      tags, summary: 'Import terminals into stock; bad rows are reported per row (or none import with atomic)',
      body: Strict({
        terminals: Type.Array(Strict({
          sn: Type.String({ maxLength: 100 }), modelCode: Type.String({ maxLength: 100 }), factoryKey: Type.String({ maxLength: 200 }),
        }), { minItems: 1, maxItems: importRowsPerRequestMax }),
        atomic: Type.Optional(Type.Boolean()),
      }),
    },
    config: { access: { roles: anyOperator } },
  }, async (request) => {
    const actor = actorOf(request);
    const result = await importTerminals(ctx, actor, request.body.terminals, { atomic: request.body.atomic ?? false });
    return { imported: result.imported, rejected: result.rejected.map((r) => ({ index: r.index, sn: r.sn, error: r.error })) };
  });

  app.get('/v1/terminals', {
    schema: {
      tags, summary: 'Search terminals (status, model, merchant, firmware range, city), cursor-paginated',
      querystring: Strict({
        ...PageQuery.properties,
        status: Type.Optional(lit(terminalStatuses)), modelCode: Type.Optional(Type.String()), merchantId: Type.Optional(Type.String()),
        cityCode: Type.Optional(Type.String()), city: Type.Optional(Type.String()),
        firmwareMin: Type.Optional(Type.String()), firmwareMax: Type.Optional(Type.String()),
      }),
    },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const actor = actorOf(request);
    const { limit, cursor, ...filters } = request.query;
    const page = await searchTerminals(ctx.db, { ...filters, merchantId: actor.merchantId ?? filters.merchantId }, { limit, cursor });
    const data = [];
    for (const row of page.data) data.push(await terminalView(ctx.db, row));
    return { ...page, data };
  });

  app.get('/v1/terminals/:sn', {
    schema: { tags, summary: 'A terminal with its open re-activation case', params: SnParams },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => terminalView(ctx.db, await visibleTerminal(ctx, actorOf(request), request.params.sn)));

  app.get('/v1/terminals/:sn/timeline', {
    schema: { tags, summary: 'The terminal\'s timeline: every transition with who, when and why', params: SnParams, querystring: PageQuery },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const terminal = await visibleTerminal(ctx, actorOf(request), request.params.sn);
    return terminalTimeline(ctx.db, terminal.id, request.query);
  });

  app.get('/v1/terminals/:sn/firmware', {
    schema: { tags, summary: 'Firmware status: below the model minimum? which release is offered?', params: SnParams },
    config: { access: { roles: operatorsAndMerchants } },
  }, async (request) => {
    const terminal = await visibleTerminal(ctx, actorOf(request), request.params.sn);
    return { sn: terminal.sn, firmwareVersion: terminal.firmware_version, ...(await firmwareStatus(ctx.db, terminal)) };
  });

  app.post('/v1/terminals/:sn/assign', {
    schema: { tags, summary: 'Assign an in-stock terminal to an approved merchant (in_stock → delivered)', params: SnParams, body: Strict({ merchantId: Type.String({ minLength: 1 }) }) },
    config: { access: { roles: anyOperator } },
  }, async (request) => {
    const actor = actorOf(request);
    const row = await ctx.db.transaction().execute((trx) =>
      assignTerminal(ctx, trx, actor, { sn: request.params.sn, merchantId: request.body.merchantId }));
    return terminalView(ctx.db, row);
  });

  app.post('/v1/terminals/:sn/replace', {
    schema: {
      tags, summary: 'Replace a terminal (换机): retire it and hand an in-stock one to the same merchant',
      params: SnParams, body: Strict({ newSn: Type.String({ minLength: 1, maxLength: 64 }), reason: Type.Optional(Type.String({ maxLength: 500 })) }),
    },
    config: { access: { roles: anyOperator } },
  }, async (request) => {
    const actor = actorOf(request);
    const { old, replacement } = await ctx.db.transaction().execute((trx) =>
      replaceTerminal(ctx, trx, actor, { sn: request.params.sn, newSn: request.body.newSn, reason: request.body.reason ?? null }));
    return { old: await terminalView(ctx.db, old), replacement: await terminalView(ctx.db, replacement), activationReason: 'device_replacement' };
  });

  const lifecycle: { path: string; to: TerminalStatus; from: readonly TerminalStatus[]; summary: string }[] = [
    { path: 'suspend', to: 'suspended', from: ['active', 'reactivation_required'], summary: 'Suspend a terminal' },
    { path: 'resume', to: 'active', from: ['suspended'], summary: 'Resume a suspended terminal (to reactivation_required while a blocking case is open)' },
    { path: 'retire', to: 'retired', from: terminalStatuses.filter((s) => s !== 'retired'), summary: 'Retire a terminal' },
  ];
  for (const step of lifecycle) {
    app.post(`/v1/terminals/:sn/${step.path}`, {
      schema: { tags, summary: step.summary, params: SnParams, body: Strict({ reason: Type.String({ minLength: 1, maxLength: 500 }) }) },
      config: { access: { roles: anyOperator } },
    }, async (request) => {
      const actor = actorOf(request);
      const row = await ctx.db.transaction().execute(async (trx) => {
        // Resuming returns to `reactivation_required` while a blocking case is open (Appendix B).
        const resume = step.path === 'resume' ? await resumeTarget(ctx, trx, request.params.sn) : null;
        const updated = await transitionTerminal(trx, {
          sn: request.params.sn, to: resume?.status ?? step.to, from: step.from, actor, at: ctx.clock.now(), reason: request.body.reason,
          ...(resume?.caseId ? { details: { caseId: resume.caseId, caseReason: resume.reason } } : {}),
        });
        await ctx.audit(trx, actor, {
          action: `terminal.${step.path}`, subjectType: 'terminal', subjectId: updated.id, merchantId: updated.merchant_id,
          details: { reason: request.body.reason },
        });
        return updated;
      });
      return terminalView(ctx.db, row);
    });
  }
}
