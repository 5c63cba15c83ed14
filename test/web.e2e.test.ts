// Proves the web app works in a real browser against a real server: the public notice check
// (not-genuine path), the language switch, API-key log-in into the merchant portal and the
// operations console, drafts that survive a lost log-in, phone width, and the SPA fallback.
// Screenshots of the main screens go to a temporary directory, or to docs/screenshots/ with
// JIHUO_SCREENSHOTS=1 (how the README's pictures are made).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createApiKey } from '../src/platform/api-keys.js';
import { adminKey, createTestApp, type TestApp } from './harness.js';
import { insertDeviceModel, insertMerchant, insertTerminal } from './fixtures.js';

const root = join(import.meta.dirname, '..');
const shots = process.env.JIHUO_SCREENSHOTS === '1'
  ? join(root, 'docs', 'screenshots') : mkdtempSync(join(tmpdir(), 'jihuo-screens-'));
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let t: TestApp;
let base: string;
let browser: Browser;
let merchantKey: string;
let merchantId: string;
let terminalSn: string;

async function routeExists(method: string, url: string): Promise<boolean> {
  const res = await t.request(method, url);
  return !(res.status === 404 && res.body?.error?.code === 'route_not_found');
}

async function newPage(options: { width?: number; height?: number; locale?: string } = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 }, locale: options.locale ?? 'zh-CN',
    deviceScaleFactor: 1,
  });
  return context.newPage();
}

async function loginWithKey(page: Page, key: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByTestId('api-key').fill(key);
  await page.getByTestId('login-submit').click();
}

beforeAll(async () => {
  if (!existsSync(join(root, 'web', 'dist', 'index.html'))) {
    execFileSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts'], { cwd: root, stdio: 'ignore' });
  }
  mkdirSync(shots, { recursive: true });
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const merchant = await insertMerchant(t.ctx, { legalName: '老王面馆', phone: '13800138000' });
  merchantId = merchant.id;
  merchantKey = (await createApiKey(t.ctx, { name: 'owner', role: 'merchant_owner', merchantId })).key;
  const modelCode = await insertDeviceModel(t.ctx, { code: 'SMART-E2E', kind: 'smart' });
  terminalSn = (await insertTerminal(t.ctx, { modelCode, merchantId, status: 'delivered', sn: 'SNE2E0000001' })).sn;
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('web app in Chromium', () => {
  it('serves the app under / with an SPA fallback, and keeps API 404s as JSON', async () => {
    const page = await fetch(`${base}/portal/terminals/SN1`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<div id="root">');
    const api = await fetch(`${base}/v1/nope`);
    expect(api.status).toBe(404);
    expect((await api.json()).error.code).toBe('route_not_found');
    const health = await fetch(`${base}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const missingAsset = await fetch(`${base}/assets/nope.js`);
    expect(missingAsset.status).toBe(404);
  });

  it('checks a notice code: an unknown code is "not genuine" with scam guidance', async () => {
    const page = await newPage();
    await page.goto(`${base}/login`);
    await page.getByText('收到可疑的激活短信？核验通知真伪').click();
    await page.waitForURL(`${base}/verify`);
    await page.getByTestId('notice-code').fill('FAKE-0000');
    await page.getByTestId('notice-check').click();
    await expect(page.getByTestId('notice-result')).toBeDefined();
    await page.getByText('未找到该核验码——这可能是诈骗').waitFor();
    await page.getByText('请通过商户门户或终端背面印刷的官方客服热线联系我们。').waitFor();
    await page.screenshot({ path: join(shots, 'verify-not-genuine.png'), fullPage: true });
    await page.context().close();
  });

  it('switches between Chinese and English', async () => {
    const page = await newPage();
    await page.goto(`${base}/verify`);
    await page.getByRole('heading', { name: '激活 · 终端服务平台' }).waitFor();
    await page.getByTestId('lang-switch').click();
    await page.getByText('Check whether a message is genuine').waitFor();
    await page.getByTestId('notice-code').fill('NOPE-1234');
    await page.getByTestId('notice-check').click();
    await page.getByText('Not genuine — this may be a scam').waitFor();
    await page.screenshot({ path: join(shots, 'verify-en.png'), fullPage: true });
    await page.reload();
    await page.getByText('Check whether a message is genuine').waitFor(); // remembered
    await page.getByTestId('lang-switch').click();
    await page.getByText('核验通知真伪').first().waitFor();
    await page.context().close();
  });

  it('logs a merchant in with an API key and shows the terminals list', async () => {
    const page = await newPage();
    await page.goto(`${base}/login`);
    await page.screenshot({ path: join(shots, 'login.png'), fullPage: true });
    await loginWithKey(page, merchantKey);
    await page.waitForURL(`${base}/portal`);
    await page.getByText('商户门户').waitFor();
    if (await routeExists('GET', `/v1/terminals?merchantId=${merchantId}`)) {
      await page.getByTestId('terminal-sn').filter({ hasText: terminalSn }).waitFor();
      await page.getByText('已签收').first().waitFor();
    } else {
      await page.getByText('该功能的服务端接口尚未上线，请稍后再试。').waitFor();
    }
    await page.screenshot({ path: join(shots, 'portal-terminals.png'), fullPage: true });
    await page.context().close();
  });

  it('rejects a wrong key with the API\'s message and stays on the log-in page', async () => {
    const page = await newPage();
    await loginWithKey(page, 'jk_not_a_real_key');
    await page.getByTestId('login-error').waitFor();
    expect(page.url()).toBe(`${base}/login`);
    await page.context().close();
  });

  it('keeps a form draft when the log-in is lost, and restores it after logging in again', async () => {
    const page = await newPage();
    const key = (await createApiKey(t.ctx, { name: 'owner-2', role: 'merchant_owner', merchantId })).key;
    await loginWithKey(page, key);
    await page.waitForURL(`${base}/portal`);
    await page.goto(`${base}/portal/onboarding`);
    await page.getByLabel('商户名称').fill('草稿小店');
    await page.screenshot({ path: join(shots, 'portal-onboarding.png'), fullPage: true });
    await t.ctx.db.updateTable('api_keys').set({ revoked_at: new Date() }).where('merchant_id', '=', merchantId).execute();
    await page.reload();
    await page.waitForURL(/\/login/);
    const fresh = (await createApiKey(t.ctx, { name: 'owner-3', role: 'merchant_owner', merchantId })).key;
    merchantKey = fresh;
    await page.getByTestId('api-key').fill(fresh);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(`${base}/portal/onboarding`);
    expect(await page.getByLabel('商户名称').inputValue()).toBe('草稿小店');
    await page.context().close();
  });

  it('works at phone width', async () => {
    const page = await newPage({ width: 390, height: 844 });
    await loginWithKey(page, merchantKey);
    await page.waitForURL(`${base}/portal`);
    await page.getByRole('button', { name: 'menu' }).click();
    await page.getByRole('menuitem', { name: '交易查询' }).click();
    await page.waitForURL(`${base}/portal/transactions`);
    await page.locator('.ant-drawer-content-wrapper').waitFor({ state: 'hidden' });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(shots, 'portal-phone.png') });
    await page.context().close();
  });

  it('logs an operator in to the console: review queue, hotline, import', async () => {
    const page = await newPage();
    await loginWithKey(page, adminKey);
    await page.waitForURL(`${base}/console`);
    await page.getByText('实名审核队列').waitFor();
    await page.screenshot({ path: join(shots, 'console-review.png'), fullPage: true });
    await page.getByRole('menuitem', { name: '热线工作台' }).click();
    await page.getByPlaceholder('来电号码').fill('13800138000');
    await page.getByPlaceholder('来电号码').press('Enter');
    await page.getByText('老王面馆').waitFor();
    await page.getByText(terminalSn).first().click();
    await page.getByText('请勿向来电者索要或读出激活码。').waitFor();
    await page.screenshot({ path: join(shots, 'console-hotline.png'), fullPage: true });
    await page.context().close();
  });
});
