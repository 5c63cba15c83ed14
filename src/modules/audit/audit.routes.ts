// The audit log viewer's endpoint: operators with oversight duties page through the log.
import type { Role } from '../../platform/actor.js';
import type { AppContext } from '../../platform/context.js';
import { Page, PageQuery, Strict, Type } from '../../platform/http/schema.js';
import type { JihuoApp } from '../../platform/module.js';
import { listAuditEntries } from './audit.service.js';

// Agents answer calls; reading who did what across all merchants is for risk and administrators.
const auditReaders: readonly Role[] = ['ops_admin', 'ops_risk'];
const Id = Type.String({ minLength: 1, maxLength: 128 });

const AuditEntry = Type.Object({
  id: Type.String(), seq: Type.Integer(), at: Type.String(),
  actor: Type.Object({ kind: Type.String(), id: Type.Union([Type.String(), Type.Null()]), role: Type.Union([Type.String(), Type.Null()]) }),
  action: Type.String(), subjectType: Type.Union([Type.String(), Type.Null()]), subjectId: Type.Union([Type.String(), Type.Null()]),
  merchantId: Type.Union([Type.String(), Type.Null()]), requestId: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
});

export function auditRoutes(app: JihuoApp, ctx: AppContext): void {
  app.get('/v1/audit', {
    schema: {
      tags: ['audit'], summary: 'The audit log, newest first; details are redacted (no secrets, personal numbers masked)',
      querystring: Strict({
        ...PageQuery.properties,
        action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Exact action, or a prefix ending in "." (merchant.)' })),
        subjectType: Type.Optional(Id), subjectId: Type.Optional(Id), actorId: Type.Optional(Id), merchantId: Type.Optional(Id),
        from: Type.Optional(Type.String({ format: 'date-time' })), to: Type.Optional(Type.String({ format: 'date-time' })),
      }),
      response: { 200: Page(AuditEntry) },
    },
    config: { access: { roles: auditReaders } },
  }, async (request) => {
    const { limit, cursor, ...filters } = request.query;
    return listAuditEntries(ctx.db, filters, { limit, cursor });
  });
}
