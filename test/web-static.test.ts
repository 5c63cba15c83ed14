// Proves which paths the SPA fallback may answer with index.html: never API, terminal, docs or
// platform paths, always app pages.
import { describe, expect, it } from 'vitest';
import { isReservedPath } from '../src/platform/http/static-web.js';

describe('isReservedPath', () => {
  it.each([
    '/v1', '/v1/terminals', '/terminal/v1/hello', '/docs', '/docs/static/index.html', '/healthz', '/readyz', '/metrics', '/openapi.json',
  ])('%s belongs to the API or the platform', (path) => {
    expect(isReservedPath(path)).toBe(true);
  });

  it.each(['/', '/verify', '/login', '/portal/terminals/SN1', '/console/hotline', '/help/activation-step-preparation', '/v1x', '/documents'])(
    '%s is an app page', (path) => {
      expect(isReservedPath(path)).toBe(false);
    });
});
