// Builds the application on an in-memory database and returns its OpenAPI document.
import { SystemClock } from '../src/platform/clock.js';
import { testConfig } from '../src/platform/config.js';
import { createContext } from '../src/platform/context.js';
import { openDatabase } from '../src/platform/db/database.js';
import { buildApp } from '../src/platform/http/app.js';
import { createLogger } from '../src/platform/log.js';
import { modules } from '../src/modules/index.js';

export async function generateOpenApi(): Promise<unknown> {
  const handle = await openDatabase({});
  try {
    const ctx = createContext({ config: testConfig(), db: handle.db, dbKind: handle.kind, clock: new SystemClock(), log: createLogger('silent') });
    const app = await buildApp(ctx, modules, { logger: false });
    await app.ready();
    const document = JSON.parse(JSON.stringify(app.swagger())) as unknown;
    await app.close();
    return document;
  } finally {
    await handle.close();
  }
}
