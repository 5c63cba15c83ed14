// Proves the web app works in a real browser against a real server: the public notice check
// (not-genuine path), the language switch, API-key log-in into the merchant portal and the
// operations console, merchant sign-up into the KYC wizard, operator TOTP enrolment and log-in,
// documents in the review queue, applications and shipping, pairing, re-activation steps and
// scam reports, announcements, risk hits, pricing plans, the audit log, drafts that survive a
// lost log-in, phone width, and the SPA fallback.
// Screenshots of the main screens go to a temporary directory, or to docs/screenshots/ with
// JIHUO_SCREENSHOTS=1 (how the README's pictures are made).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { generate } from 'otplib';
import { luhnCheckDigit, residentIdCheckChar } from '../src/modules/merchants/validators.js';
import { createApiKey } from '../src/platform/api-keys.js';
import { TerminalClient } from '../src/simulator/terminal-client.js';
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
let terminalFactoryKey: Buffer;
const signupPassword = 'Fresh-Noodles-Every-Morning-31';
const operatorPassword = 'Tea-Garden-Morning-2031';
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** The calendar day in Asia/Shanghai (UTC+8, no daylight saving). */
function shanghaiDay(instant: Date): string {
  return new Date(instant.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

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

/** Newest modification time under a path (files and folders, recursively). */
function newestMtimeMs(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtimeMs(join(path, name))), stat.mtimeMs);
}

/** The built app is missing or older than its sources (a stale build would test old screens). */
function webBuildIsStale(): boolean {
  const built = join(root, 'web', 'dist', 'index.html');
  if (!existsSync(built)) return true;
  const sources = ['src', 'index.html', 'vite.config.ts'].map((name) => newestMtimeMs(join(root, 'web', name)));
  return Math.max(...sources) > statSync(built).mtimeMs;
}

beforeAll(async () => {
  if (webBuildIsStale()) {
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
  const fixtureTerminal = await insertTerminal(t.ctx, { modelCode, merchantId, status: 'delivered', sn: 'SNE2E0000001' });
  terminalSn = fixtureTerminal.sn;
  terminalFactoryKey = fixtureTerminal.factoryKey;
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
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('route_not_found');
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

  it('pages transactions with "load more": the next page is added under the first, newest first', async () => {
    const merchant = await insertMerchant(t.ctx, { legalName: '分页测试小店' });
    const key = (await createApiKey(t.ctx, { name: 'pager', role: 'merchant_owner', merchantId: merchant.id })).key;
    const model = await insertDeviceModel(t.ctx, { kind: 'mobile' });
    const terminal = await insertTerminal(t.ctx, { modelCode: model, merchantId: merchant.id, status: 'active' });
    const at = new Date('2026-03-02T04:00:00Z');
    // 57 sales a minute apart, ¥1.01 … ¥1.57: the newest (¥1.57) heads page one, the oldest (¥1.01) ends page two.
    await sql`
      insert into transactions (id, merchant_id, terminal_id, kind, status, method, amount_fen, fee_fen, net_fen,
        occurred_at, business_date, created_at)
      select 'txn_page' || lpad(g::text, 12, '0'), ${merchant.id}, ${terminal.id}, 'sale', 'approved', 'wechat_qr', 100 + g, 0, 100 + g,
        ${at}::timestamptz + g * interval '1 minute', '2026-03-02', ${at}::timestamptz + g * interval '1 minute'
      from generate_series(1, 57) g`.execute(t.ctx.db);
    const page = await newPage();
    await loginWithKey(page, key);
    await page.waitForURL(`${base}/portal`);
    await page.goto(`${base}/portal/transactions`);
    const rows = page.getByTestId('transactions').locator('tbody tr.ant-table-row');
    await rows.nth(49).waitFor();
    expect(await rows.count()).toBe(50);
    await expect.poll(() => rows.first().textContent()).toContain('¥1.57');
    await page.getByRole('button', { name: '加载更多' }).click();
    await rows.nth(56).waitFor();
    expect(await rows.count()).toBe(57);
    expect(await rows.first().textContent()).toContain('¥1.57');
    expect(await rows.last().textContent()).toContain('¥1.01');
    expect(await page.getByRole('button', { name: '加载更多' }).count()).toBe(0);
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
    // The saved record fills the form first; only then does the user type over its name.
    await page.locator('[data-testid="onboarding-form"][data-loaded="true"]').waitFor();
    expect(await page.getByLabel('商户名称').inputValue()).toBe('老王面馆');
    await page.getByLabel('商户名称').fill('草稿小店');
    await page.screenshot({ path: join(shots, 'portal-onboarding.png'), fullPage: true });
    await t.ctx.db.updateTable('api_keys').set({ revoked_at: new Date() }).where('merchant_id', '=', merchantId).execute();
    await page.getByTestId('onboarding-save').click(); // answered 401: back to log-in, draft kept
    await page.waitForURL(/\/login\?expired=1/);
    await page.getByText('登录已过期，请重新登录。您填写中的表单已保存为草稿。').waitFor();
    const fresh = (await createApiKey(t.ctx, { name: 'owner-3', role: 'merchant_owner', merchantId })).key;
    merchantKey = fresh;
    await page.getByTestId('api-key').fill(fresh);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(`${base}/portal/onboarding`);
    expect(await page.getByLabel('商户名称').inputValue()).toBe('草稿小店');
    await page.context().close();
  });

  it('logs a merchant user in with login name and password (session cookie + CSRF)', async () => {
    const created = await t.request('POST', '/v1/users', { body: {
      login: 'wang.owner', displayName: '王老板', role: 'merchant_owner', merchantId, password: 'Noodles-And-Dumplings-2026!',
    } });
    expect(created.status).toBe(201);
    const page = await newPage();
    await page.goto(`${base}/login`);
    await page.getByRole('tab', { name: '账号密码' }).click();
    await page.getByLabel('登录名').fill('wang.owner');
    await page.getByLabel('密码', { exact: true }).fill('Noodles-And-Dumplings-2026!');
    await page.getByRole('button', { name: '登 录' }).last().click();
    await page.waitForURL(`${base}/portal`);
    await page.getByText('王老板').waitFor();
    await page.getByText('退出登录').click();
    await page.waitForURL(`${base}/login`);
    await page.context().close();
  });

  it('shows the help centre without log-in', async () => {
    const page = await newPage();
    await page.goto(`${base}/help`);
    await page.getByText('帮助中心').first().waitFor();
    await page.locator('.ant-list-item a').first().click();
    await page.waitForURL(/\/help\/.+/);
    await page.locator('h3').first().waitFor();
    await page.screenshot({ path: join(shots, 'help.png'), fullPage: true });
    await page.context().close();
  });

  it('uploads a KYC document from the wizard and then no longer asks for it', async () => {
    const page = await newPage();
    await loginWithKey(page, merchantKey);
    await page.waitForURL(`${base}/portal`);
    await page.goto(`${base}/portal/onboarding`);
    await page.getByText('证件材料').first().click();
    const row = page.locator('.ant-space', { hasText: '身份证人像面' }).filter({ has: page.locator('input[type=file]') }).last();
    await row.locator('input[type=file]').setInputFiles({ name: 'id-front.png', mimeType: 'image/png', buffer: png });
    await page.locator('.ant-upload-list-item-done, .ant-upload-list-item').first().waitFor();
    await expect.poll(async () => (await t.request('GET', `/v1/merchants/${merchantId}/documents`)).body.data
      .map((d: { kind: string }) => d.kind)).toContain('id_front');
    await page.reload();
    await page.getByText('证件材料').first().click();
    await expect.poll(async () => page.getByText('身份证人像面').count()).toBe(0);
    await page.context().close();
  });

  it('shows a failed self-test with guidance per component in the portal', async () => {
    const issued = await t.request('POST', `/v1/terminals/${terminalSn}/activation-codes`, { body: { channel: 'portal' } });
    expect(issued.status).toBe(201);
    const terminal = new TerminalClient({ server: base, sn: terminalSn, factoryKey: terminalFactoryKey.toString('hex'), terminalKey: null });
    await terminal.hello({ firmwareVersion: '2.0.0' });
    expect((await terminal.activate(issued.body.code)).status).toBe('self_test');
    expect((await terminal.selfTest({ cardReader: 'pass', contactless: 'pass', qrScanner: 'pass', printer: 'fail', network: 'pass' })).status).toBe('self_test');
    const page = await newPage();
    await loginWithKey(page, merchantKey);
    await page.goto(`${base}/portal/terminals/${terminalSn}`);
    const selfTest = page.getByTestId('self-test');
    await selfTest.locator('tr', { hasText: '打印机' }).getByText('未通过').waitFor();
    await selfTest.getByText('请检查打印纸是否装反或用完，合上纸仓盖后重试。').waitFor();
    await page.screenshot({ path: join(shots, 'portal-self-test-failed.png'), fullPage: true });
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
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(shots, 'portal-phone.png') });
    await page.context().close();
  });

  it('logs an operator in to the console: review queue, hotline, pricing', async () => {
    const page = await newPage();
    await loginWithKey(page, adminKey);
    await page.waitForURL(`${base}/console`);
    await page.getByText('实名审核队列').waitFor();
    await page.getByRole('menuitem', { name: '热线工作台' }).click();
    await page.getByPlaceholder('来电号码').fill('13800138000');
    await page.getByPlaceholder('来电号码').press('Enter');
    await page.getByText('老王面馆').waitFor();
    await page.getByText(terminalSn).first().click();
    await page.getByText('请勿向来电者索要或读出激活码。').waitFor();
    await page.getByTestId('activation-card').first().waitFor();
    // The same caller found by a terminal SN, with each terminal's progress at a glance.
    await page.locator('.ant-select', { hasText: '按来电号码' }).click();
    await page.locator('.ant-select-item-option[title="按终端 SN"]').click();
    await page.getByPlaceholder('终端 SN').fill(terminalSn);
    await page.getByPlaceholder('终端 SN').press('Enter');
    await page.getByText('老王面馆').waitFor();
    await page.getByTestId(`hotline-progress-${terminalSn}`).waitFor();
    await page.screenshot({ path: join(shots, 'console-hotline.png'), fullPage: true });

    // Pricing: an operator creates a promotion for this merchant and the fee quote explains it.
    await page.goto(`${base}/console/pricing`);
    await page.getByLabel('活动名称').fill('新店开业优惠');
    await page.getByLabel('费率 (%)').fill('0.30');
    await page.getByLabel('商户编号').fill(merchantId);
    await page.getByRole('button', { name: '创建规则' }).click();
    await page.getByText('a promotion has a start date').waitFor(); // the API's field error, next to the field
    await page.getByLabel('开始日期').fill('2020-01-01');
    await page.getByLabel('结束日期').fill('2099-12-31');
    await page.getByRole('button', { name: '创建规则' }).click();
    await page.locator('tr', { hasText: '新店开业优惠' }).getByText('0.3%').waitFor();
    await page.locator('#quote_merchantId').fill(merchantId);
    await page.getByRole('button', { name: '手续费试算' }).click();
    await page.getByText('¥30.00').waitFor(); // ¥10,000.00 × 0.30%
    await page.getByText('活动优惠').first().waitFor();
    await page.screenshot({ path: join(shots, 'console-pricing.png'), fullPage: true });
    await page.context().close();
  });

  it('signs a merchant up, continues into the wizard with a document, and the operator reviews it with the document', async () => {
    const idNumber = `11010819850101123${residentIdCheckChar('11010819850101123')}`;
    const accountNumber = `622202100000000311${luhnCheckDigit('622202100000000311')}`;
    const page = await newPage();
    await page.goto(`${base}/login`);
    await page.getByText('还没有账号？商户注册').click();
    await page.waitForURL(`${base}/signup`);
    await page.getByLabel('商户名称').fill('新开张小馆');
    await page.getByLabel('联系电话').fill('13655550001');
    await page.getByLabel('登录名').fill('xin.shop');
    await page.getByLabel('密码', { exact: true }).fill('short');
    await page.getByLabel('再次输入密码').fill('short');
    await page.getByTestId('signup-submit').click();
    await page.getByText('must have at least 12 characters').waitFor(); // the API's field error, next to the field
    await page.getByLabel('密码', { exact: true }).fill(signupPassword);
    await page.getByLabel('再次输入密码').fill(signupPassword);
    await page.screenshot({ path: join(shots, 'signup.png'), fullPage: true });
    await page.getByTestId('signup-submit').click();
    await page.waitForURL(`${base}/portal/onboarding`);
    await expect.poll(() => page.getByLabel('商户名称').inputValue()).toBe('新开张小馆'); // entered once, pre-filled
    expect(await page.getByLabel('联系电话').inputValue()).toBe('13655550001');
    const signedUp = (await t.request('GET', `/v1/merchants?q=${encodeURIComponent('新开张小馆')}`)).body.data[0] as { id: string; status: string };
    expect(signedUp.status).toBe('draft');

    await page.getByLabel('电子邮箱').fill('xin@example.com');
    await page.getByTestId('onboarding-next').click();
    await page.getByLabel('证件姓名').fill('李四');
    await page.getByLabel('身份证号码').fill(idNumber);
    await page.getByLabel('证件有效期至').fill('2041-01-01');
    await page.getByTestId('onboarding-next').click();
    await page.getByLabel('行业类别（MCC）').fill('5812');
    await page.getByLabel('省').fill('上海市');
    await page.getByLabel('市', { exact: true }).fill('上海市');
    await page.getByLabel('城市代码').fill('310100');
    await page.getByLabel('区县').fill('黄浦区');
    await page.getByLabel('详细地址').fill('南京东路 100 号');
    await page.getByTestId('onboarding-next').click();
    await page.getByLabel('开户银行').fill('中国建设银行');
    await page.getByLabel('银行账号').fill(accountNumber);
    await page.getByLabel('账户名').fill('李四光');
    await page.getByTestId('onboarding-next').click();
    const row = page.locator('.ant-space', { hasText: '身份证人像面' }).filter({ has: page.locator('input[type=file]') }).last();
    await row.locator('input[type=file]').setInputFiles({ name: 'id-front.png', mimeType: 'image/png', buffer: png });
    await expect.poll(async () => (await t.request('GET', `/v1/merchants/${signedUp.id}/documents`)).body.data.length).toBe(1);
    await page.getByTestId('onboarding-next').click();
    await page.getByTestId('onboarding-submit').click();
    await page.getByTestId('onboarding-result').filter({ hasText: '审核中' }).waitFor();
    await page.context().close();

    // The operator sees the uploaded document in the review queue, opens it, reveals the masked
    // ID number (audited), approves, then finds the merchant by search and the approval in the audit log.
    const consolePage = await newPage();
    await loginWithKey(consolePage, adminKey);
    await consolePage.waitForURL(`${base}/console`);
    const queued = consolePage.locator('tr', { hasText: '新开张小馆' });
    await queued.locator('.ant-table-row-expand-icon').click();
    const documents = consolePage.getByTestId('merchant-documents');
    await documents.getByTestId('document-id_front').getByText('身份证人像面').waitFor();
    await documents.getByTestId('document-open-id_front').click();
    await documents.getByTestId('document-image-id_front').locator('img').waitFor();
    await consolePage.getByRole('button', { name: '查看完整号码' }).first().click();
    await consolePage.locator('.ant-modal .ant-btn-primary').click();
    await consolePage.getByText(idNumber, { exact: true }).waitFor();
    await consolePage.screenshot({ path: join(shots, 'console-review-documents.png'), fullPage: true });
    await consolePage.getByTestId(`review-submit-${signedUp.id}`).click();
    await consolePage.getByText('审核结果已保存：已通过').waitFor();

    await consolePage.goto(`${base}/console/merchants`);
    await consolePage.getByPlaceholder('名称、手机号或商户号').fill('新开张');
    await consolePage.getByPlaceholder('名称、手机号或商户号').press('Enter');
    const found = consolePage.locator('tr', { hasText: '新开张小馆' });
    await found.getByText('已通过').waitFor();
    // The new merchant heads the unfiltered list too: wait for the search's answer to replace it.
    await expect.poll(() => consolePage.locator('tr', { hasText: '老王面馆' }).count(), { timeout: 10_000 }).toBe(0);
    expect(await found.count()).toBe(1);

    await consolePage.goto(`${base}/console/audit`);
    await consolePage.getByTestId('audit-row-action').first().waitFor();
    await consolePage.getByTestId('audit-action').fill('merchant.');
    await consolePage.getByTestId('audit-search').click();
    await consolePage.locator('tr', { hasText: 'merchant.reviewed' }).filter({ hasText: signedUp.id }).waitFor();
    await consolePage.locator('tr', { hasText: 'merchant.field_revealed' }).getByText('idNumber').waitFor();
    await consolePage.screenshot({ path: join(shots, 'console-audit.png'), fullPage: true });
    expect(await consolePage.getByText(idNumber).count()).toBe(0); // the log never shows the number itself
    await consolePage.context().close();
  });

  it('makes an operator enrol TOTP at first log-in, then asks for the code at the next log-in', async () => {
    const created = await t.request('POST', '/v1/users', { body: {
      login: 'zhou.ops', displayName: '周运营', role: 'ops_admin', password: operatorPassword,
    } });
    expect(created.status).toBe(201);
    const page = await newPage();
    const passwordLogin = async () => {
      await page.goto(`${base}/login`);
      await page.getByRole('tab', { name: '账号密码' }).click();
      await page.getByLabel('登录名').fill('zhou.ops');
      await page.getByLabel('密码', { exact: true }).fill(operatorPassword);
      await page.getByRole('button', { name: '登 录' }).last().click();
    };
    await passwordLogin();
    await page.waitForURL(/\/enroll-totp/);
    await page.goto(`${base}/console/hotline`); // without TOTP every console page leads back here, not to /login
    await page.waitForURL(/\/enroll-totp\?next=%2Fconsole%2Fhotline/);
    await page.getByTestId('totp-qr').locator('img').waitFor();
    const secret = /[A-Z2-7]{16,}/.exec((await page.getByTestId('totp-secret').textContent()) ?? '')?.[0] ?? '';
    expect(secret).not.toBe('');
    await page.screenshot({ path: join(shots, 'totp-enroll.png'), fullPage: true });
    await page.getByTestId('totp-code').fill('000000');
    await page.getByTestId('totp-confirm').click();
    await page.getByText('the code does not match').waitFor();
    const epoch = Math.floor(Date.now() / 1000);
    await page.getByTestId('totp-code').fill(await generate({ secret, epoch }));
    await page.getByTestId('totp-confirm').click();
    await page.waitForURL(`${base}/console/hotline`);
    await page.getByText('热线工作台').first().waitFor();
    await page.getByText('退出登录').click();
    await page.waitForURL(`${base}/login`);

    await passwordLogin();
    await page.getByTestId('totp-step').waitFor();
    await page.screenshot({ path: join(shots, 'login-totp.png'), fullPage: true });
    // The code of the next time step: the one used at enrolment may not be replayed.
    await page.getByTestId('login-totp').fill(await generate({ secret, epoch: epoch + 30 }));
    await page.getByRole('button', { name: '登 录' }).last().click();
    await page.waitForURL(`${base}/console`);
    await page.getByText('实名审核队列').waitFor();
    await page.getByText('周运营').waitFor();
    await page.context().close();
  });

  it('pairs a terminal by the code on its screen', async () => {
    const sn = 'SNE2E0000002';
    const modelCode = await insertDeviceModel(t.ctx, { code: 'MPOS-E2E', kind: 'mobile', depositFen: null, thresholdFen: null, windowDays: null });
    const { factoryKey } = await insertTerminal(t.ctx, { modelCode, merchantId, status: 'delivered', sn });
    const terminal = new TerminalClient({ server: base, sn, factoryKey: factoryKey.toString('hex'), terminalKey: null });
    await terminal.hello({ firmwareVersion: '2.0.0' });
    const { pairingCode } = await terminal.pairingCode();
    const page = await newPage();
    await loginWithKey(page, merchantKey);
    await page.goto(`${base}/portal/terminals/${sn}`);
    await page.getByPlaceholder('配对码').fill('00000000');
    await page.getByRole('button', { name: '配 对' }).click();
    await page.locator('.ant-alert-error, .ant-form-item-explain-error').first().waitFor(); // a wrong code is refused
    await page.getByPlaceholder('配对码').fill(pairingCode);
    await page.getByRole('button', { name: '配 对' }).click();
    await page.getByText('配对成功，终端将进入功能测试。').waitFor();
    await page.getByText('自检中').first().waitFor();
    expect((await t.request('GET', `/v1/terminals/${sn}`)).body.status).toBe('self_test');
    await page.context().close();
  });

  it('completes a re-activation step in the portal and reports the case as unexpected, then shows the outcome', async () => {
    const sn = 'SNE2E0000003';
    const modelCode = await insertDeviceModel(t.ctx, { code: 'QR-E2E', kind: 'qr_box', depositFen: null, thresholdFen: null, windowDays: null });
    await insertTerminal(t.ctx, { modelCode, merchantId, status: 'active', sn });
    expect((await t.request('PUT', `/v1/terminals/${sn}/supervisor-password`, { body: { password: '246810' } })).status).toBe(200);
    const opened = await t.request('POST', `/v1/terminals/${sn}/reactivations`, { body: { reason: 'security_verification', note: 'annual check' } });
    expect(opened.status).toBe(201);
    const caseId = opened.body.id as string;
    const page = await newPage();
    await loginWithKey(page, merchantKey);
    await page.goto(`${base}/portal/terminals/${sn}`);
    const card = page.getByTestId('reactivation-card');
    await card.getByText(caseId).waitFor();
    await card.getByText('安全核验').first().waitFor();
    await card.getByPlaceholder('交易密码').fill('135790');
    await card.getByRole('button', { name: '完成此步骤' }).click();
    await card.getByText('supervisor', { exact: false }).first().waitFor(); // the wrong password is refused
    await card.getByPlaceholder('交易密码').fill('246810');
    await card.getByRole('button', { name: '完成此步骤' }).click();
    await page.getByText('步骤已完成').first().waitFor();
    await card.getByPlaceholder('交易密码').waitFor({ state: 'detached' }); // the step shows its completion time instead
    const steps = (await t.request('GET', `/v1/reactivations/${caseId}`)).body.steps as { kind: string; status: string }[];
    expect(steps.find((s) => s.kind === 'confirm_transaction_password')?.status).toBe('completed');

    await card.getByTestId('scam-report').click();
    await card.getByTestId('scam-reported').waitFor();
    await card.getByTestId('dispute-outcome').getByText('正在核实').waitFor();
    await page.screenshot({ path: join(shots, 'portal-reactivation.png'), fullPage: true });
    expect((await t.request('POST', `/v1/reactivations/${caseId}/dispute/resolve`, { body: { decision: 'genuine' } })).status).toBe(200);
    await page.reload();
    await page.getByTestId('reactivation-card').getByTestId('dispute-outcome').getByText('经核实为真实通知').waitFor();
    await page.context().close();
  });

  it('shows an active announcement as a banner in the portal', async () => {
    const now = Date.now();
    const drafted = await t.request('POST', '/v1/announcements', { body: {
      kind: 'update', title: { zh: '系统升级预告', en: 'Planned system update' }, body: { zh: '本周六凌晨升级，期间无需任何操作。', en: 'We update on Saturday night; you need not do anything.' },
      startsAt: new Date(now - 3_600_000).toISOString(), endsAt: new Date(now + 3 * 3_600_000).toISOString(), channels: ['portal'],
    } });
    expect(drafted.status).toBe(201);
    expect((await t.request('POST', `/v1/announcements/${drafted.body.id}/publish`, { body: {} })).status).toBe(200);
    const page = await newPage();
    await loginWithKey(page, merchantKey);
    await page.waitForURL(`${base}/portal`);
    const banner = page.getByTestId('announcement');
    await banner.getByText('系统升级预告').waitFor();
    await banner.getByText('本周六凌晨升级，期间无需任何操作。').waitFor();
    await page.screenshot({ path: join(shots, 'portal-announcement.png'), fullPage: true });
    await banner.locator('.ant-alert-close-icon').click();
    await page.reload();
    await page.getByTestId('terminal-sn').first().waitFor();
    await page.waitForLoadState('networkidle');
    expect(await page.getByTestId('announcement').count()).toBe(0); // dismissed on this device
    await page.context().close();
  });

  it('reviews risk hits and assigns a pricing plan in the console', async () => {
    const rule = await t.request('POST', '/v1/risk/rules', { body: { kind: 'velocity', name: 'E2E velocity', action: 'flag', params: { windowMinutes: 10, maxCount: 50 } } });
    expect(rule.status).toBe(201);
    const hitIds = ['hit_e2eapprove0000000001', 'hit_e2edismiss0000000001'];
    for (const [index, id] of hitIds.entries()) {
      await t.ctx.db.insertInto('risk_hits').values({
        id, rule_id: rule.body.id, rule_version: 1, kind: 'velocity', merchant_id: merchantId, terminal_id: null, action: 'flag',
        dedupe_key: `e2e-${index}`, evidence: JSON.stringify({ count: 60 + index, windowMinutes: 10 }), merchant_visible: '{}',
        status: 'open', case_id: null, review_note: null, reviewed_by: null, reviewed_at: null, created_at: new Date(),
      }).execute();
    }
    const page = await newPage();
    await loginWithKey(page, adminKey);
    await page.goto(`${base}/console/risk`);
    await page.getByTestId(`hit-approve-${hitIds[0]}`).waitFor();
    await page.screenshot({ path: join(shots, 'console-risk.png'), fullPage: true });
    await page.getByTestId(`hit-approve-${hitIds[0]}`).click();
    await page.getByTestId(`hit-approve-${hitIds[0]}`).waitFor({ state: 'detached' });
    await page.getByTestId(`hit-dismiss-${hitIds[1]}`).click();
    await page.getByTestId(`hit-dismiss-${hitIds[1]}`).waitFor({ state: 'detached' });
    const hits = (await t.request('GET', `/v1/risk/hits?merchantId=${merchantId}`)).body.data as { id: string; status: string }[];
    expect(Object.fromEntries(hits.map((h) => [h.id, h.status]))).toEqual({ [hitIds[0]!]: 'approved', [hitIds[1]!]: 'dismissed' });

    const plan = await t.request('POST', '/v1/pricing/plans', { body: { name: '连锁门店方案', rates: { credit_card: { rate: 5500 }, debit_card: { rate: 4500, cap: 2000 } } } });
    expect(plan.status).toBe(201);
    await page.goto(`${base}/console/pricing`);
    const planRow = page.getByTestId('plans').locator('tr', { hasText: '连锁门店方案' });
    await planRow.getByText('0.55%').waitFor();
    await page.getByTestId('assign-merchant').fill(merchantId);
    await page.locator('.ant-select', { hasText: '默认方案' }).click();
    await page.locator('.ant-select-item-option', { hasText: '连锁门店方案' }).click();
    await page.getByTestId('assign-submit').click();
    await page.getByTestId('assigned-plan').filter({ hasText: '连锁门店方案' }).waitFor();
    const audit = (await t.request('GET', `/v1/audit?action=pricing.plan_assigned&merchantId=${merchantId}`)).body.data as { details: { planId: string } }[];
    expect(audit[0]?.details.planId).toBe(plan.body.id);
    await page.context().close();
  });

  it('runs the whole path: registration → operator approval → activation with the simulator → a sale in the portal', async () => {
    const factoryKey = 'ab'.repeat(32);
    const sn = 'SNFLOW000001';
    const model = await t.request('POST', '/v1/device-models', { body: {
      code: 'SMART-FLOW', name: 'Smart POS', kind: 'smart', price: 50000, deposit: { amount: 59800, threshold: 99_000_000, windowDays: 365 },
      requiredSelfTests: ['cardReader', 'contactless', 'printer', 'network'], minFirmware: '1.0.0',
    } });
    expect(model.status).toBe(201);

    // 1. An operator registers the merchant with the portal wizard (no documents, account holder ≠ ID name → review).
    const page = await newPage();
    await loginWithKey(page, adminKey);
    await page.waitForURL(`${base}/console`);
    await page.goto(`${base}/portal/onboarding`);
    await page.getByLabel('商户名称').fill('激活便利店');
    await page.getByLabel('联系电话').fill('13912345678');
    await page.getByLabel('电子邮箱').fill('shop@example.com');
    await page.getByTestId('onboarding-next').click();
    await page.getByLabel('证件姓名').fill('张三');
    await page.getByLabel('身份证号码').fill('110105199003071239');
    await page.getByLabel('证件有效期至').fill('2040-03-07');
    await page.getByTestId('onboarding-next').click();
    await page.getByLabel('行业类别（MCC）').fill('5411');
    await page.getByLabel('省').fill('北京市');
    await page.getByLabel('市', { exact: true }).fill('北京市');
    await page.getByLabel('城市代码').fill('110100');
    await page.getByLabel('区县').fill('朝阳区');
    await page.getByLabel('详细地址').fill('建国路 88 号');
    await page.getByTestId('onboarding-next').click();
    await page.getByLabel('开户银行').fill('中国工商银行');
    await page.getByLabel('银行账号').fill('6222021000000000017');
    await page.getByLabel('账户名').fill('张三丰');
    await page.getByTestId('onboarding-next').click();
    await page.getByTestId('onboarding-next').click();
    await page.getByTestId('onboarding-submit').click();
    await page.getByTestId('onboarding-result').filter({ hasText: '审核中' }).waitFor();
    await page.screenshot({ path: join(shots, 'portal-onboarding-submitted.png'), fullPage: true });
    const found = await t.request('GET', `/v1/merchants?q=${encodeURIComponent('激活便利店')}`);
    const merchant = found.body.data[0] as { id: string; status: string };
    expect(merchant.status).toBe('under_review');

    // 2. The operator approves it in the review queue, seeing the risk reasons.
    await page.goto(`${base}/console`);
    const row = page.locator('tr', { hasText: '激活便利店' });
    await row.getByText('holder_name_mismatch', { exact: false }).first().waitFor();
    await row.locator('.ant-table-row-expand-icon').click();
    await page.screenshot({ path: join(shots, 'console-review.png'), fullPage: true });
    await page.getByTestId(`review-submit-${merchant.id}`).click();
    await page.getByText('审核结果已保存：已通过').waitFor();
    expect((await t.request('GET', `/v1/merchants/${merchant.id}`)).body.status).toBe('approved');

    // 3. The terminal comes into stock through the console import screen and is assigned.
    await page.goto(`${base}/console/import`);
    await page.getByTestId('import-text').fill(`sn,modelCode,factoryKey\n${sn},SMART-FLOW,${factoryKey}\nBAD,SMART-FLOW,123`);
    await page.getByTestId('import-run').click();
    await page.getByTestId('import-result').waitFor();
    await page.screenshot({ path: join(shots, 'console-import.png'), fullPage: true });
    expect(await page.getByTestId('import-result').textContent()).toContain('成功导入 1 台，拒绝 1 行');

    // 4. The owner applies for a terminal (address pre-filled), the operator approves and ships it
    //    (SN allocated from stock, carrier and tracking number), the owner confirms delivery.
    const ownerKey = (await createApiKey(t.ctx, { name: 'flow-owner', role: 'merchant_owner', merchantId: merchant.id })).key;
    const portal = await newPage();
    await loginWithKey(portal, ownerKey);
    await portal.waitForURL(`${base}/portal`);
    await portal.goto(`${base}/portal/applications`);
    await expect.poll(() => portal.getByLabel('详细地址').inputValue()).toBe('建国路 88 号');
    await portal.locator('.ant-form-item', { hasText: '型号' }).locator('.ant-select').click();
    await portal.locator('.ant-select-item-option', { hasText: 'SMART-FLOW' }).click();
    await portal.getByTestId('application-submit').click();
    await portal.getByTestId('applications').getByTestId('application-status').filter({ hasText: '待审核' }).waitFor();

    await page.goto(`${base}/console/applications`);
    const application = (await t.request('GET', `/v1/terminal-applications?merchantId=${merchant.id}`)).body.data[0] as { id: string };
    await page.getByTestId(`application-approve-${application.id}`).click();
    await page.getByTestId(`ship-carrier-${application.id}`).fill('顺丰');
    await page.getByTestId(`ship-tracking-${application.id}`).fill('SF1234567890');
    await page.screenshot({ path: join(shots, 'console-applications.png'), fullPage: true });
    await page.getByTestId(`ship-submit-${application.id}`).click();
    await page.locator('tr', { hasText: '激活便利店' }).getByTestId('tracking-number').filter({ hasText: 'SF1234567890' }).waitFor();
    await page.context().close();

    await portal.reload();
    const shipment = portal.getByTestId('applications').getByTestId('shipment');
    await shipment.getByText(sn).waitFor();
    await shipment.getByTestId('tracking-number').filter({ hasText: 'SF1234567890' }).waitFor();
    await portal.screenshot({ path: join(shots, 'portal-applications.png'), fullPage: true });
    await shipment.getByRole('button', { name: '确认收货' }).click();
    await portal.getByTestId('applications').getByTestId('application-status').filter({ hasText: '已签收' }).waitFor();
    expect((await t.request('GET', `/v1/terminals/${sn}`)).body).toMatchObject({ status: 'delivered', merchantId: merchant.id });

    // 5. The terminal is in the owner's list; the owner gets an activation code (shown once, with a countdown).
    await portal.goto(`${base}/portal`);
    await portal.getByTestId('terminal-sn').filter({ hasText: sn }).click();
    await portal.waitForURL(`${base}/portal/terminals/${sn}`);
    await portal.getByTestId('get-code').click();
    const shown = (await portal.getByTestId('activation-code').textContent()) ?? '';
    expect(shown).toMatch(/^\d{4} \d{4} \d{4}/);
    await portal.getByText('剩余有效时间').waitFor();
    await portal.screenshot({ path: join(shots, 'portal-activation-code.png'), fullPage: true });

    // 6. The simulator boots, activates with that code, passes its self-test and takes a sale.
    const terminal = new TerminalClient({ server: base, sn, factoryKey, terminalKey: null });
    await terminal.hello({ firmwareVersion: '2.0.0', location: { cityCode: '110100' } });
    const activated = await terminal.activate(shown.replace(/\s+/g, '').slice(0, 12));
    expect(activated.status).toBe('self_test');
    expect((await terminal.selfTest({ cardReader: 'pass', contactless: 'pass', qrScanner: 'pass', printer: 'pass', network: 'pass' })).status).toBe('active');
    const sale = await terminal.sale({ method: 'credit_card', amount: 1_000_000, card: { bin: '622588', last4: '1234' } });
    expect(sale).toMatchObject({ status: 'approved', amount: 1_000_000, fee: 6000, net: 994_000 });

    // 7. The portal shows the terminal in service, its deposit progress, and the sale with its fee.
    await portal.reload();
    await portal.getByText('使用中').first().waitFor();
    await portal.getByTestId('deposit-card').getByText('¥598.00').waitFor();
    await portal.screenshot({ path: join(shots, 'portal-terminal-active.png'), fullPage: true });
    await portal.goto(`${base}/portal/transactions`);
    await portal.getByText('¥10,000.00').waitFor();
    await portal.getByText('¥60.00').first().waitFor();
    // Filters: by method (credit card keeps the sale, WeChat finds nothing), then by terminal.
    const pickMethod = async (label: string) => {
      await portal.locator('.ant-select', { hasText: /支付方式|贷记卡|微信扫码/ }).first().click();
      await portal.locator(`.ant-select-item-option[title="${label}"]`).click();
      await portal.getByRole('button', { name: '搜 索' }).click();
    };
    await pickMethod('贷记卡');
    await portal.getByTestId('transactions').getByText('¥10,000.00').waitFor();
    await portal.screenshot({ path: join(shots, 'portal-transactions.png'), fullPage: true });
    await pickMethod('微信扫码');
    await portal.getByTestId('transactions').getByText('暂无数据').waitFor();
    await portal.getByPlaceholder('终端').fill(sn);
    await pickMethod('贷记卡');
    await portal.getByTestId('transactions').getByText('¥10,000.00').waitFor();
    await portal.goto(`${base}/portal/reports`);
    await portal.getByTestId('volume-chart').locator('canvas').waitFor();
    await portal.getByText('¥10,000.00').first().waitFor();
    await portal.screenshot({ path: join(shots, 'portal-reports.png'), fullPage: true });

    // 8. T+1: the day is settled; the statement is on screen and as CSV, and its inbox notice is genuine.
    const saleDate = shanghaiDay(new Date());
    await t.setNow(new Date(Date.now() + 86_400_000).toISOString());
    expect((await t.request('POST', '/v1/settlements/run', { body: { date: saleDate } })).status).toBe(200);
    await portal.goto(`${base}/portal/settlements`);
    const statementRow = portal.locator('tr', { hasText: saleDate });
    await statementRow.getByText('¥10,000.00').waitFor();
    await portal.screenshot({ path: join(shots, 'portal-settlements.png'), fullPage: true });
    const [download] = await Promise.all([portal.waitForEvent('download'), portal.getByTestId('csv').click()]);
    const csv = readFileSync(await download.path(), 'utf8');
    expect(csv).toContain(saleDate);
    expect(csv).toContain('1000000');
    await portal.goto(`${base}/portal/inbox`);
    await portal.getByTestId('inbox-item').first().waitFor();
    await portal.screenshot({ path: join(shots, 'portal-inbox.png'), fullPage: true });
    await portal.getByTestId('inbox-item').first().getByTestId('scam-report').click(); // "I did not expect this"
    await portal.getByTestId('inbox-item').first().getByTestId('scam-reported').waitFor();
    const fraudTickets = (await t.request('GET', `/v1/tickets?merchantId=${merchant.id}`)).body.data as { category: string; priority: string; fraud: boolean }[];
    expect(fraudTickets).toEqual([expect.objectContaining({ category: 'fraud', priority: 'urgent', fraud: true })]);
    await portal.getByText('核验这条消息').first().click();
    await portal.waitForURL(/\/verify\?code=/);
    await portal.getByText('这条消息是真实的').waitFor();
    await portal.getByTestId('notice-result').getByText('站内信').waitFor();
    await portal.screenshot({ path: join(shots, 'verify-genuine.png'), fullPage: true });
    await portal.context().close();
  });

  it('plans a re-activation campaign: dry-run count and sample, start, pause', async () => {
    const page = await newPage();
    await loginWithKey(page, adminKey);
    await page.waitForURL(`${base}/console`);
    await page.goto(`${base}/console/campaigns`);
    await page.getByLabel('活动名称').fill('固件升级 3.0');
    await page.getByLabel('型号').fill('SMART-FLOW');
    await page.getByLabel('固件低于').fill('3.0.0');
    await page.getByTestId('campaign-dry-run').click();
    await page.getByTestId('campaign-count').filter({ hasText: '预计影响 1 台终端' }).waitFor();
    await page.getByText('SNFLOW000001').waitFor();
    await page.getByRole('button', { name: '创建活动' }).click();
    await page.getByTestId('campaign-status').filter({ hasText: '进行中' }).waitFor();
    await page.getByRole('button', { name: '暂 停' }).click();
    await page.getByTestId('campaign-status').filter({ hasText: '已暂停' }).waitFor();
    await page.screenshot({ path: join(shots, 'console-campaigns.png'), fullPage: true });
    await page.context().close();
  });
});
