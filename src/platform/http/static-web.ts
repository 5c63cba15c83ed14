// Serves the built web app (web/dist: merchant portal, operations console, the public /verify
// page) under `/`, with the SPA fallback: a GET for any other path that is not an API, docs or
// platform path answers index.html, so deep links like /portal/terminals/SN123 work on reload.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { AppContext } from '../context.js';
import type { JihuoApp } from '../module.js';
import { AppError } from './errors.js';
import { sendError } from './app.js';

/** Paths that belong to the API and the platform: never answered with the web app. */
const reservedPrefixes = ['/v1', '/terminal', '/docs', '/healthz', '/readyz', '/metrics', '/openapi.json'];

export function isReservedPath(path: string): boolean {
  return reservedPrefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}?`));
}

/** Where the built assets are: `JIHUO_WEB_DIR`, else web/dist of the package (from src/ or dist/src/). */
export function webDistDir(): string {
  if (process.env.JIHUO_WEB_DIR) return resolve(process.env.JIHUO_WEB_DIR);
  const here = new URL('.', import.meta.url).pathname;
  const candidates = [resolve(here, '../../../web/dist'), resolve(here, '../../../../web/dist'), resolve('web/dist')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!;
}

/**
 * Registers the static web app when it has been built (web/dist/index.html exists); otherwise
 * the server runs API-only. Call after the module routes.
 */
export async function registerWeb(app: JihuoApp, ctx: AppContext, root: string = webDistDir()): Promise<boolean> {
  const indexFile = join(root, 'index.html');
  if (!existsSync(indexFile)) {
    ctx.log.debug({ root }, 'web app not built; serving the API only');
    return false;
  }
  const indexHtml = readFileSync(indexFile, 'utf8');
  await app.register(fastifyStatic, {
    root, prefix: '/', wildcard: false, index: false,
    // Hashed asset names never change: cache them for a year; index.html is never cached.
    setHeaders(reply, path) {
      reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const sendIndex = (reply: { header(n: string, v: string): unknown; type(t: string): { send(b: string): unknown } }) => {
    reply.header('cache-control', 'no-cache');
    return reply.type('text/html; charset=utf-8').send(indexHtml);
  };
  app.get('/', { schema: { hide: true } }, async (_request, reply) => sendIndex(reply));
  // A catch-all GET below every concrete route (find-my-way prefers static routes): app pages get
  // index.html; unknown API and platform paths keep the API's 404 shape.
  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (isReservedPath(path) || /\.[a-z0-9]{1,8}$/i.test(path)) {
      return sendError(request, reply, new AppError('route_not_found', `No route ${request.method} ${path}`));
    }
    return sendIndex(reply);
  });
  return true;
}
