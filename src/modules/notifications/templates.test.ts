// Proves the anti-scam template check: every template in both locales and all channels passes it,
// and each rule catches the message it exists for.
import { describe, expect, it } from 'vitest';
import { checkAllTemplates, checkTemplate, locales, renderMessage, templates } from './templates.js';

const domain = 'jihuo.example.cn';
const base = { template: 't', locale: 'en', channel: 'sms', subject: 'Notice', carriesActivationCode: false };

describe('every template', () => {
  it('passes the template check in zh-CN and en on every channel', () => {
    expect(checkAllTemplates(domain)).toEqual([]);
  });

  it('exists for every event that messages a merchant', () => {
    for (const key of ['activation_code_issued', 'hotline_verification_code', 'reactivation_required', 'reactivation_reminder',
      'reactivation_completed', 'kyc_approved', 'kyc_rejected', 'kyc_needs_info', 'deposit_refunded', 'deposit_forfeited',
      'settlement_ready', 'ticket_reply', 'ticket_opened', 'ticket_resolved', 'ticket_closed', 'announcement', 'scam_report_received', 'password_reset_code']) {
      expect(templates[key], key).toBeDefined();
    }
  });

  it('puts the notice code with the verify link in ordinary messages and without it beside a code', () => {
    const ordinary = renderMessage({ template: 'kyc_approved', locale: 'zh-CN', channel: 'sms', params: {}, noticeCode: 'K7M2Q9TX', officialDomain: domain });
    expect(ordinary.body).toContain('核验码 K7M2Q9TX，可在 https://jihuo.example.cn/verify 核验');
    for (const locale of locales) {
      const code = renderMessage({ template: 'activation_code_issued', locale, channel: 'sms', params: { code: '123456789014', sn: 'S1', expiresAt: '2030-01-01T00:00:00Z' }, noticeCode: 'K7M2Q9TX', officialDomain: domain });
      expect(code.body).toContain('1234 5678 9014');
      expect(code.body).toContain('K7M2Q9TX');
      expect(code.body).not.toMatch(/https?:|www\./);
    }
  });

  it('removes foreign links from caller-supplied text', () => {
    const m = renderMessage({ template: 'announcement', locale: 'en', channel: 'email', params: { title: 'Hi', body: 'see http://evil.example.com/x and https://jihuo.example.cn/help' }, noticeCode: 'K7M2Q9TX', officialDomain: domain });
    expect(m.body).toContain('[link removed]');
    expect(m.body).toContain('https://jihuo.example.cn/help');
    expect(m.body).not.toContain('evil');
  });
});

describe('checkTemplate', () => {
  const cases: [string, string, boolean, string[]][] = [
    ['foreign link', 'Verify at https://jihuo-verify.com/x now.', false, ['foreign_link']],
    ['bare foreign domain', 'Visit pos-upgrade.cn to continue.', false, ['foreign_link']],
    ['official subdomain', 'See https://portal.jihuo.example.cn/help.', false, []],
    ['asks for a password', 'Please reply with your transaction password to keep the terminal.', false, ['asks_for_secret']],
    ['asks for a PIN in Chinese', '请回复您的交易密码以完成升级。', false, ['asks_for_secret']],
    ['warns about passwords', 'Our staff will never ask for your activation code or passwords.', false, []],
    ['code with a link', 'Code 1234 5678 9012. Our staff will never ask for it. https://jihuo.example.cn/verify', false, ['code_and_link']],
    ['code without warning', 'Your activation code is 1234 5678 9012.', true, ['missing_staff_warning']],
    ['mentions the code without warning', '请在终端输入激活码。', false, ['missing_staff_warning']],
    ['mentions the code with warning', '请在终端输入激活码。工作人员不会索要您的激活码或密码。', false, []],
  ];
  it.each(cases)('%s', (_name, body, carries, rules) => {
    const found = checkTemplate({ ...base, body, carriesActivationCode: carries }, { officialDomain: domain }).map((v) => v.rule);
    expect(found).toEqual(rules);
  });
});
