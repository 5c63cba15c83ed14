// Proves the HTTP hardening of SPEC §13: security headers on every answer, CORS closed by default,
// the request body limit (413), per-IP rate limits on log-in and on the public notice check (429
// with Retry-After) and on the public help routes, and that terminal routes (activation has its own
// per-IP limit) are not throttled below Appendix A's 600 a minute.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  helpRequestsPerMinuteMax, requestBodyBytesMax, terminalActivateRequestsPerMinuteMax, terminalRouteRequestsPerMinuteMin,
} from '../src/platform/limits.js';
import { noticeLookupsPerMinuteMax } from '../src/modules/notifications/notification.limits.js';
import { modules as allModules } from '../src/modules/index.js';
import { buildApp } from '../src/platform/http/app.js';
import { createTestApp, type TestApp } from './harness.js';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

describe('HTTP hardening', () => {
  it('sends the helmet security headers', async () => {
    for (const url of ['/healthz', '/v1/merchants']) {
      const res = await t.request('GET', url);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('keeps CORS closed: no allow-origin on a preflight or a cross-origin request', async () => {
    const preflight = await t.app.inject({ method: 'OPTIONS', url: '/v1/merchants', headers: {
      origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
    const cross = await t.request('GET', '/v1/merchants', { headers: { origin: 'https://evil.example' } });
    expect(cross.status).toBe(200);
    expect(cross.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a body over the limit with 413', async () => {
    const big = JSON.stringify({ type: 'individual', legalName: 'x'.repeat(requestBodyBytesMax + 10) });
    const res = await t.request('POST', '/v1/merchants', { rawBody: big });
    expect(res.status).toBe(413);
  });

  it('rate-limits log-in per client (429 with Retry-After)', async () => {
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<TestApp['request']>> | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
      const res = await t.request('POST', '/v1/auth/login', { key: null, body: { login: 'nobody', password: 'wrong-password' } });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses[0]).toBe(401);
    expect(limited, `statuses: ${statuses.join(',')}`).toBeDefined();
    expect(statuses.length).toBe(31);
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('shares a client\'s limit across server instances: the counters are in the database', async () => {
    // A second instance on the same database (as behind a balancer); one client alternates.
    const second = await buildApp(t.ctx, allModules, { logger: false });
    await second.ready();
    try {
      const statuses: number[] = [];
      for (let i = 0; i <= noticeLookupsPerMinuteMax; i++) {
        const app = i % 2 === 0 ? t.app : second;
        statuses.push((await app.inject({ method: 'GET', url: `/v1/public/notices/SHARED${i}`, remoteAddress: '10.9.8.7' })).statusCode);
      }
      expect(statuses.slice(0, noticeLookupsPerMinuteMax).every((s) => s === 404), statuses.join(',')).toBe(true);
      expect(statuses.at(-1)).toBe(429);
      const stored = await t.ctx.db.selectFrom('rate_limit_counters').select(['scope', 'count']).where('key', '=', '10.9.8.7').execute();
      expect(stored).toEqual([{ scope: 'GET /v1/public/notices/:code', count: noticeLookupsPerMinuteMax + 1 }]);
    } finally {
      await second.close();
    }
  });

  it('rate-limits the public notice check per client (429 with Retry-After)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= noticeLookupsPerMinuteMax; i++) {
      statuses.push((await t.request('GET', `/v1/public/notices/NOTREAL${i}`, { key: null })).status);
    }
    expect(statuses.slice(0, noticeLookupsPerMinuteMax).every((s) => s === 404)).toBe(true);
    const last = await t.request('GET', '/v1/public/notices/NOTREAL', { key: null });
    expect(statuses.at(-1)).toBe(429);
    expect(last.status).toBe(429);
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('rate-limits the public help routes per client (429 with Retry-After)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < helpRequestsPerMinuteMax; i++) {
      statuses.push((await t.request('GET', '/v1/help/articles?q=activation', { key: null })).status);
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
    const limited = await t.request('GET', '/v1/help/articles?q=activation', { key: null });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another client address still gets its answers.
    const other = await t.app.inject({ method: 'GET', url: '/v1/help/articles?q=activation', remoteAddress: '10.9.8.7' });
    expect(other.statusCode).toBe(200);
    const article = await t.request('GET', '/v1/help/articles/nope', { key: null });
    expect(article.headers['x-ratelimit-limit']).toBe(String(helpRequestsPerMinuteMax));
  });

  it('limits activation per IP above 600 a minute (Appendix A)', async () => {
    expect(terminalActivateRequestsPerMinuteMax).toBeGreaterThan(terminalRouteRequestsPerMinuteMin);
    const res = await t.app.inject({ method: 'POST', url: '/terminal/v1/activate', headers: { 'content-type': 'application/json' },
      payload: '{"activationCode":"123456789012"}', remoteAddress: '10.1.2.3' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['x-ratelimit-limit']).toBe(String(terminalActivateRequestsPerMinuteMax));
    expect(Number(res.headers['x-ratelimit-remaining'])).toBe(terminalActivateRequestsPerMinuteMax - 1);
  });

  it('does not throttle terminal routes by IP below 600 requests a minute', async () => {
    // Unsigned requests are refused by the signature check (401), never by an IP limit (429).
    const statuses = await Promise.all(Array.from({ length: 120 }, () =>
      t.app.inject({ method: 'POST', url: '/terminal/v1/activate', headers: { 'content-type': 'application/json' }, payload: '{"activationCode":"123456789012"}' })
        .then((r) => r.statusCode)));
    expect(statuses.filter((s) => s === 429)).toHaveLength(0);
    expect(new Set(statuses)).toEqual(new Set([401]));
  });
});
