// Message templates for every event that messages a merchant, in zh-CN and en (SPEC §11).
// Callers name a template and pass its parameters; the renderer adds the staff warning where an
// activation code is carried or mentioned, and the notice-code footer (with the verify link only
// where no one-time code is carried). `checkTemplate` enforces the anti-scam rules.
//
// Template keys and their params (all values string or number; times are ISO 8601 strings,
// amounts integer fen):
//   activation_code_issued     code (12 digits), sn, expiresAt            — carries the code, no link
//   hotline_verification_code  code, minutes? | expiresAt?, sn?             — identity check code (hotline or
//                              re-activation SMS step); carries a code, no link
//   password_reset_code        code, minutes?                               — carries a code, no link
//   reactivation_required      reason (§7 code), caseId, deadline?, sn?
//   reactivation_reminder      reason, caseId, deadline, daysLeft?, sn?
//   reactivation_completed     reason, caseId, sn?
//   terminal_shipped           carrier, trackingNumber, count?
//   terminal_activated         sn
//   kyc_approved               (none)
//   kyc_rejected               note?
//   kyc_needs_info             note?
//   deposit_refunded           sn, amount (fen)
//   deposit_forfeited          sn, amount (fen)
//   settlement_ready           date (YYYY-MM-DD), net (fen)
//   ticket_reply               ticketId, subject
//   ticket_opened              ticketId, subject                            — opened for the merchant (hotline, system)
//   ticket_resolved            ticketId, subject
//   ticket_closed              ticketId, subject
//   announcement               title, titleEn?, body, bodyEn?, startsAt?, endsAt?
//   scam_report_received       ticketId
import { isReasonCode, reasonText } from '../reactivation/reasons.js';
import type { Channel } from './notification.table.js';

export type Locale = 'zh-CN' | 'en';
export const locales: readonly Locale[] = ['zh-CN', 'en'];
export type Params = Record<string, string | number>;

export interface RenderedText { subject: string; body: string }

interface TemplateDefinition {
  /** The template carries a one-time secret (activation or verification code): no link at all. */
  carriesCode: boolean;
  /** The carried code is an activation code (the staff warning is then mandatory). */
  carriesActivationCode: boolean;
  /** Parameters used by the template check to render a sample. */
  sample: Params;
  render: Record<Locale, (p: Params, channel: Channel) => RenderedText>;
}

const p = (params: Params, name: string, fallback = ''): string => {
  const value = params[name];
  return value === undefined || value === null ? fallback : String(value);
};

/** `1234 5678 9012` for 12 digits; anything else as given. */
export function formatActivationCode(code: string): string {
  return /^\d{12}$/.test(code) ? `${code.slice(0, 4)} ${code.slice(4, 8)} ${code.slice(8)}` : code;
}

/** A time in Asia/Shanghai, `YYYY-MM-DD HH:mm`; text that is not a time stays as given. */
export function formatTime(iso: string, locale: Locale): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const local = new Date(at + 8 * 3_600_000).toISOString();
  const text = `${local.slice(0, 10)} ${local.slice(11, 16)}`;
  return locale === 'zh-CN' ? `${text}（北京时间）` : `${text} (Beijing time)`;
}

export function formatFen(amount: string | number): string {
  const fen = Number(amount);
  if (!Number.isSafeInteger(fen)) return String(amount);
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

function reason(params: Params, channel: Channel, locale: Locale): { text: string } {
  const code = p(params, 'reason');
  if (!isReasonCode(code)) return { text: '' };
  // The catalogue's email text of security_verification names the transaction password, which the
  // template check refuses; the SMS texts are safe and short, so every channel but the screen uses them.
  const textChannel = channel === 'terminal' ? 'terminal' : 'sms';
  const localized = reasonText(code, textChannel);
  return { text: locale === 'zh-CN' ? localized.zh : localized.en };
}

const validityZh = (x: Params) => (x.minutes !== undefined ? `${p(x, 'minutes')}分钟内有效` : x.expiresAt ? `${formatTime(p(x, 'expiresAt'), 'zh-CN')}前有效` : '10分钟内有效');
const validityEn = (x: Params) => (x.minutes !== undefined ? `valid for ${p(x, 'minutes')} minutes` : x.expiresAt ? `valid until ${formatTime(p(x, 'expiresAt'), 'en')}` : 'valid for 10 minutes');
const deadlineZh = (params: Params) => (params.deadline ? `截止时间 ${formatTime(p(params, 'deadline'), 'zh-CN')}。` : '');
const deadlineEn = (params: Params) => (params.deadline ? ` Deadline: ${formatTime(p(params, 'deadline'), 'en')}.` : '');

export const templates: Record<string, TemplateDefinition> = {
  activation_code_issued: {
    carriesCode: true, carriesActivationCode: true,
    sample: { code: '123456789012', sn: 'SN0001', expiresAt: '2030-01-01T00:00:00Z' },
    render: {
      'zh-CN': (x) => ({
        subject: 'POS终端激活码',
        body: `您的POS终端（SN ${p(x, 'sn')}）的激活码为 ${formatActivationCode(p(x, 'code'))}，${formatTime(p(x, 'expiresAt'), 'zh-CN')}前有效，仅可使用一次。请只在终端上输入，不要告诉任何人。`,
      }),
      en: (x) => ({
        subject: 'Your POS terminal activation code',
        body: `The activation code for your POS terminal (SN ${p(x, 'sn')}) is ${formatActivationCode(p(x, 'code'))}, valid once until ${formatTime(p(x, 'expiresAt'), 'en')}. Type it only on the terminal and share it with no one.`,
      }),
    },
  },
  hotline_verification_code: {
    carriesCode: true, carriesActivationCode: false,
    sample: { code: '482913', minutes: 10, sn: 'SN0001' },
    render: {
      'zh-CN': (x) => ({
        subject: '身份验证码',
        body: `您正在办理POS终端${x.sn ? `（SN ${p(x, 'sn')}）` : ''}的激活或重新激活，身份验证码 ${p(x, 'code')}，${validityZh(x)}。激活码只会以短信单独发送到本手机。`,
      }),
      en: (x) => ({
        subject: 'Identity check code',
        body: `You are activating or re-activating a POS terminal${x.sn ? ` (SN ${p(x, 'sn')})` : ''}. Your identity check code is ${p(x, 'code')}, ${validityEn(x)}. An activation code only ever comes to this phone in a separate SMS.`,
      }),
    },
  },
  password_reset_code: {
    carriesCode: true, carriesActivationCode: false,
    sample: { code: '551234', minutes: 10 },
    render: {
      'zh-CN': (x) => ({
        subject: '重置登录密码验证码',
        body: `您正在重置激活平台登录密码，验证码 ${p(x, 'code')}，${p(x, 'minutes', '10')}分钟内有效。如非本人操作请忽略。`,
      }),
      en: (x) => ({
        subject: 'Sign-in reset code',
        body: `You asked to reset your Jihuo sign-in. Your code is ${p(x, 'code')}, valid for ${p(x, 'minutes', '10')} minutes. If this was not you, ignore this message.`,
      }),
    },
  },
  reactivation_required: {
    carriesCode: false, carriesActivationCode: false,
    sample: { reason: 'system_upgrade', caseId: 'rea_sample', deadline: '2030-01-08T00:00:00Z', sn: 'SN0001' },
    render: {
      'zh-CN': (x, c) => ({
        subject: `终端需要重新激活（案件 ${p(x, 'caseId')}）`,
        body: `${reason(x, c, 'zh-CN').text}案件号 ${p(x, 'caseId')}。${deadlineZh(x)}`,
      }),
      en: (x, c) => ({
        subject: `Your terminal needs re-activation (case ${p(x, 'caseId')})`,
        body: `${reason(x, c, 'en').text} Case ${p(x, 'caseId')}.${deadlineEn(x)}`,
      }),
    },
  },
  reactivation_reminder: {
    carriesCode: false, carriesActivationCode: false,
    sample: { reason: 'security_verification', caseId: 'rea_sample', deadline: '2030-01-08T00:00:00Z', daysLeft: 3 },
    render: {
      'zh-CN': (x, c) => ({
        subject: `提醒：终端重新激活即将到期（案件 ${p(x, 'caseId')}）`,
        body: `提醒：${reason(x, c, 'zh-CN').text}案件号 ${p(x, 'caseId')}。${deadlineZh(x)}`,
      }),
      en: (x, c) => ({
        subject: `Reminder: re-activation due soon (case ${p(x, 'caseId')})`,
        body: `Reminder: ${reason(x, c, 'en').text} Case ${p(x, 'caseId')}.${deadlineEn(x)}`,
      }),
    },
  },
  reactivation_completed: {
    carriesCode: false, carriesActivationCode: false,
    sample: { reason: 'system_upgrade', caseId: 'rea_sample', sn: 'SN0001' },
    render: {
      'zh-CN': (x) => ({ subject: '终端已恢复正常', body: `案件 ${p(x, 'caseId')} 已完成，您的POS终端可正常使用。` }),
      en: (x) => ({ subject: 'Your terminal is back in service', body: `Case ${p(x, 'caseId')} is complete; your POS terminal is ready to use.` }),
    },
  },
  terminal_shipped: {
    carriesCode: false, carriesActivationCode: false,
    sample: { carrier: 'SF Express', trackingNumber: 'SF123456789', count: 2 },
    render: {
      'zh-CN': (x) => ({ subject: 'POS终端已发货', body: `您申请的POS终端已由${p(x, 'carrier')}发出，运单号 ${p(x, 'trackingNumber')}。` }),
      en: (x) => ({ subject: 'Your POS terminals are on their way', body: `Your POS terminals were shipped with ${p(x, 'carrier')}, tracking number ${p(x, 'trackingNumber')}.` }),
    },
  },
  terminal_activated: {
    carriesCode: false, carriesActivationCode: false,
    sample: { sn: 'SN0001' },
    render: {
      'zh-CN': (x) => ({ subject: 'POS终端已激活', body: `您的POS终端（SN ${p(x, 'sn')}）已激活。如非本人操作，请立即拨打客服热线。` }),
      en: (x) => ({ subject: 'Your POS terminal is activated', body: `Your POS terminal (SN ${p(x, 'sn')}) was activated. If this was not you, call the hotline now.` }),
    },
  },
  kyc_approved: {
    carriesCode: false, carriesActivationCode: false, sample: {},
    render: {
      'zh-CN': () => ({ subject: '商户资料审核通过', body: '您的商户实名资料已审核通过，可以申请和使用POS终端。' }),
      en: () => ({ subject: 'Merchant verification approved', body: 'Your merchant verification is approved. You can now apply for and use POS terminals.' }),
    },
  },
  kyc_rejected: {
    carriesCode: false, carriesActivationCode: false, sample: { note: 'ID document unreadable' },
    render: {
      'zh-CN': (x) => ({ subject: '商户资料审核未通过', body: `很抱歉，您的商户实名资料未通过审核。${x.note ? `说明：${p(x, 'note')}。` : ''}详情请登录商户门户查看。` }),
      en: (x) => ({ subject: 'Merchant verification not approved', body: `Sorry, your merchant verification was not approved.${x.note ? ` Note: ${p(x, 'note')}.` : ''} See the merchant portal for details.` }),
    },
  },
  kyc_needs_info: {
    carriesCode: false, carriesActivationCode: false, sample: { note: 'storefront photo missing' },
    render: {
      'zh-CN': (x) => ({ subject: '请补充商户资料', body: `您的商户资料需要补充。${x.note ? `说明：${p(x, 'note')}。` : ''}请登录商户门户，只需提交缺少的部分。` }),
      en: (x) => ({ subject: 'More information needed', body: `Your merchant application needs more information.${x.note ? ` Note: ${p(x, 'note')}.` : ''} Log in to the merchant portal; only the missing items are asked for.` }),
    },
  },
  deposit_refunded: {
    carriesCode: false, carriesActivationCode: false, sample: { sn: 'SN0001', amount: 29800 },
    render: {
      'zh-CN': (x) => ({ subject: '押金已退还', body: `您的POS终端（SN ${p(x, 'sn')}）已达到交易量要求，押金 ${formatFen(p(x, 'amount'))} 已退还至结算账户。` }),
      en: (x) => ({ subject: 'Deposit refunded', body: `Your POS terminal (SN ${p(x, 'sn')}) reached the volume threshold; the deposit of ${formatFen(p(x, 'amount'))} was refunded to your settlement account.` }),
    },
  },
  deposit_forfeited: {
    carriesCode: false, carriesActivationCode: false, sample: { sn: 'SN0001', amount: 29800 },
    render: {
      'zh-CN': (x) => ({ subject: '押金未达退还条件', body: `您的POS终端（SN ${p(x, 'sn')}）在约定期限内未达到交易量要求，押金 ${formatFen(p(x, 'amount'))} 不予退还。` }),
      en: (x) => ({ subject: 'Deposit not refundable', body: `Your POS terminal (SN ${p(x, 'sn')}) did not reach the volume threshold within the window; the deposit of ${formatFen(p(x, 'amount'))} is not refunded.` }),
    },
  },
  settlement_ready: {
    carriesCode: false, carriesActivationCode: false, sample: { date: '2030-01-01', net: 123456 },
    render: {
      'zh-CN': (x) => ({ subject: `${p(x, 'date')} 结算单`, body: `您 ${p(x, 'date')} 的结算单已生成，净结算金额 ${formatFen(p(x, 'net'))}，详情请登录商户门户查看。` }),
      en: (x) => ({ subject: `Settlement statement for ${p(x, 'date')}`, body: `Your settlement statement for ${p(x, 'date')} is ready: net ${formatFen(p(x, 'net'))}. See the merchant portal for details.` }),
    },
  },
  ticket_reply: {
    carriesCode: false, carriesActivationCode: false, sample: { ticketId: 'tkt_sample', subject: 'Printer' },
    render: {
      'zh-CN': (x) => ({ subject: `工单回复：${p(x, 'subject')}`, body: `客服已回复您的工单 ${p(x, 'ticketId')}（${p(x, 'subject')}），请登录商户门户查看。` }),
      en: (x) => ({ subject: `Reply to your ticket: ${p(x, 'subject')}`, body: `Support replied to your ticket ${p(x, 'ticketId')} (${p(x, 'subject')}). See the merchant portal.` }),
    },
  },
  ticket_opened: {
    carriesCode: false, carriesActivationCode: false, sample: { ticketId: 'tkt_sample', subject: 'Printer' },
    render: {
      'zh-CN': (x) => ({ subject: `已为您创建工单：${p(x, 'subject')}`, body: `客服已为您创建工单 ${p(x, 'ticketId')}（${p(x, 'subject')}），处理进展请登录商户门户查看。` }),
      en: (x) => ({ subject: `Ticket opened for you: ${p(x, 'subject')}`, body: `Support opened ticket ${p(x, 'ticketId')} (${p(x, 'subject')}) for you. Follow it in the merchant portal.` }),
    },
  },
  ticket_resolved: {
    carriesCode: false, carriesActivationCode: false, sample: { ticketId: 'tkt_sample', subject: 'Printer' },
    render: {
      'zh-CN': (x) => ({ subject: `工单已解决：${p(x, 'subject')}`, body: `您的工单 ${p(x, 'ticketId')}（${p(x, 'subject')}）已解决。如问题仍在，可在商户门户重新打开。` }),
      en: (x) => ({ subject: `Ticket resolved: ${p(x, 'subject')}`, body: `Your ticket ${p(x, 'ticketId')} (${p(x, 'subject')}) is resolved. If the problem remains, reopen it in the merchant portal.` }),
    },
  },
  ticket_closed: {
    carriesCode: false, carriesActivationCode: false, sample: { ticketId: 'tkt_sample', subject: 'Printer' },
    render: {
      'zh-CN': (x) => ({ subject: `工单已关闭：${p(x, 'subject')}`, body: `您的工单 ${p(x, 'ticketId')}（${p(x, 'subject')}）已关闭。如有新问题，请在商户门户新建工单。` }),
      en: (x) => ({ subject: `Ticket closed: ${p(x, 'subject')}`, body: `Your ticket ${p(x, 'ticketId')} (${p(x, 'subject')}) is closed. For a new problem, open a new ticket in the merchant portal.` }),
    },
  },
  announcement: {
    carriesCode: false, carriesActivationCode: false,
    sample: { title: '系统维护', titleEn: 'Maintenance', body: '今晚维护。', bodyEn: 'Maintenance tonight.', startsAt: '2030-01-01T14:00:00Z', endsAt: '2030-01-01T16:00:00Z' },
    render: {
      'zh-CN': (x) => ({
        subject: p(x, 'title'),
        body: `【公告】${p(x, 'title')}：${p(x, 'body')}${x.startsAt ? `（${formatTime(p(x, 'startsAt'), 'zh-CN')} 至 ${formatTime(p(x, 'endsAt'), 'zh-CN')}）` : ''}`,
      }),
      en: (x) => ({
        subject: p(x, 'titleEn', p(x, 'title')),
        body: `Notice: ${p(x, 'titleEn', p(x, 'title'))}: ${p(x, 'bodyEn', p(x, 'body'))}${x.startsAt ? ` (${formatTime(p(x, 'startsAt'), 'en')} to ${formatTime(p(x, 'endsAt'), 'en')})` : ''}`,
      }),
    },
  },
  scam_report_received: {
    carriesCode: false, carriesActivationCode: false, sample: { ticketId: 'tkt_sample' },
    render: {
      'zh-CN': (x) => ({ subject: '已收到您的可疑消息举报', body: `我们已收到您的举报（工单 ${p(x, 'ticketId')}），将优先处理。请勿向任何人透露验证码、激活码或密码。` }),
      en: (x) => ({ subject: 'We received your scam report', body: `We received your report (ticket ${p(x, 'ticketId')}) and will handle it first. Never give anyone your codes or passwords.` }),
    },
  },
};

export function isTemplateKey(key: string): boolean {
  return Object.hasOwn(templates, key);
}

const staffWarning: Record<Locale, string> = {
  'zh-CN': '工作人员不会索要您的激活码或密码。',
  en: 'Our staff will never ask for your activation code or passwords.',
};

const mentionsActivationCode = /激活码|activation code/i;

function noticeFooter(locale: Locale, noticeCode: string, withLink: boolean, domain: string): string {
  if (locale === 'zh-CN') {
    return withLink ? `核验码 ${noticeCode}，可在 https://${domain}/verify 核验。` : `核验码 ${noticeCode}，可在官方网站“消息核验”页面核验。`;
  }
  return withLink
    ? `Notice code ${noticeCode}: check it at https://${domain}/verify.`
    : `Notice code ${noticeCode}: check it on the Verify page of our official website.`;
}

/** Links in caller-supplied text (announcements, notes) that point elsewhere are removed. */
export function neutraliseForeignLinks(text: string, domain: string): string {
  return text.replace(linkPattern(), (link) => (isOfficialLink(link, domain) ? link : '[link removed]'));
}

export interface RenderInput { template: string; locale: Locale; channel: Channel; params: Params; noticeCode: string; officialDomain: string }
export interface RenderedMessage extends RenderedText { carriesCode: boolean; carriesActivationCode: boolean }

/** The full text of one message: body, staff warning where needed, notice-code footer. */
export function renderMessage(input: RenderInput): RenderedMessage {
  const definition = templates[input.template];
  if (!definition) throw new Error(`Unknown notification template ${input.template}`);
  const safe: Params = {};
  for (const [k, v] of Object.entries(input.params)) safe[k] = typeof v === 'string' ? neutraliseForeignLinks(v, input.officialDomain) : v;
  const { subject, body } = definition.render[input.locale](safe, input.channel);
  const parts = [body];
  if (definition.carriesActivationCode || mentionsActivationCode.test(body)) parts.push(staffWarning[input.locale]);
  parts.push(noticeFooter(input.locale, input.noticeCode, !definition.carriesCode, input.officialDomain));
  const separator = input.locale === 'zh-CN' ? '' : ' ';
  const prefix = input.channel === 'sms' ? (input.locale === 'zh-CN' ? '【Jihuo】' : '[Jihuo] ') : '';
  return {
    subject, body: prefix + parts.join(separator),
    carriesCode: definition.carriesCode, carriesActivationCode: definition.carriesActivationCode,
  };
}

// ---- The template check ---------------------------------------------------------------------

export type TemplateRule = 'foreign_link' | 'asks_for_secret' | 'code_and_link' | 'missing_staff_warning';
export interface TemplateViolation { template: string; locale: string; channel: string; rule: TemplateRule; message: string }

export interface CheckInput {
  template: string; locale: string; channel: string;
  subject: string; body: string;
  /** Whether the message carries an activation code (besides any the text visibly contains). */
  carriesActivationCode: boolean;
}

function linkPattern(): RegExp {
  return /(?:https?:\/\/|www\.)[^\s，。、）)"'<>]+|\b(?:[a-z0-9-]+\.)+(?:com|cn|net|org|top|xyz|io|cc|info|vip|me|app|site|online|shop|link|club)\b(?:\/[^\s，。、）)"'<>]*)?/gi;
}

function isOfficialLink(link: string, domain: string): boolean {
  const host = link.replace(/^https?:\/\//i, '').split(/[/?#:]/)[0]!.toLowerCase().replace(/\.$/, '');
  const official = domain.toLowerCase();
  return host === official || host.endsWith(`.${official}`);
}

const activationCodeDigits = /(?<!\d)\d{4}[\s-]?\d{4}[\s-]?\d{4}(?!\d)/;
const secretWords = /password|passcode|\bPINs?\b|密码|口令/i;
const askWords = /\b(send|tell|reply|give|provide|share|disclose|enter|type|ask|confirm|submit|read out)\b|提供|告诉|告知|发送|回复|输入|报出|索要|确认|填写|提交/i;
const negation = /never|\bnot\b|n't|不会|绝不|切勿|请勿|不要|勿|无需/i;
const staffNever = /(staff|employees?|we)\b[^.]{0,40}\bnever ask|工作人员[^。]{0,8}不会(向您)?索要|不会向您索要/i;

/**
 * The anti-scam check of one rendered message (SPEC §11): links only to the official domain, never
 * asks for a password or PIN, never an activation code and a link together, and a message that
 * carries or mentions an activation code says staff never ask for it. Pure; returns violations.
 */
export function checkTemplate(message: CheckInput, options: { officialDomain: string }): TemplateViolation[] {
  const where = { template: message.template, locale: message.locale, channel: message.channel };
  const text = `${message.subject}\n${message.body}`;
  const violations: TemplateViolation[] = [];
  const links = text.match(linkPattern()) ?? [];
  for (const link of links) {
    if (!isOfficialLink(link, options.officialDomain)) {
      violations.push({ ...where, rule: 'foreign_link', message: `links outside ${options.officialDomain}: ${link}` });
    }
  }
  for (const sentence of text.split(/[。.!！?？;；\n]/)) {
    if (secretWords.test(sentence) && askWords.test(sentence) && !negation.test(sentence)) {
      violations.push({ ...where, rule: 'asks_for_secret', message: `asks for a password or PIN: "${sentence.trim()}"` });
    }
  }
  const carries = message.carriesActivationCode || activationCodeDigits.test(text);
  if (carries && links.length > 0) {
    violations.push({ ...where, rule: 'code_and_link', message: 'carries an activation code and a link in one message' });
  }
  if ((carries || mentionsActivationCode.test(text)) && !staffNever.test(text)) {
    violations.push({ ...where, rule: 'missing_staff_warning', message: 'carries or mentions an activation code without saying staff never ask for it' });
  }
  return violations;
}

const sampleNoticeCode = 'K7M2Q9TX';
const channels: readonly Channel[] = ['sms', 'email', 'inbox', 'terminal'];

/** Renders every template in every locale and channel (with each §7 reason where used) and checks it. */
export function checkAllTemplates(officialDomain: string): TemplateViolation[] {
  const violations: TemplateViolation[] = [];
  const reasons = ['system_upgrade', 'security_verification', 'risk_control', 'policy_change', 'kyc_expired',
    'relocation', 'dormant', 'account_change', 'device_replacement', 'new_device'];
  for (const [key, definition] of Object.entries(templates)) {
    const samples = 'reason' in definition.sample ? reasons.map((r) => ({ ...definition.sample, reason: r })) : [definition.sample];
    for (const locale of locales) {
      for (const channel of channels) {
        for (const params of samples) {
          const rendered = renderMessage({ template: key, locale, channel, params, noticeCode: sampleNoticeCode, officialDomain });
          violations.push(...checkTemplate({
            template: key, locale, channel, subject: rendered.subject, body: rendered.body,
            carriesActivationCode: rendered.carriesActivationCode,
          }, { officialDomain }));
        }
      }
    }
  }
  return violations;
}
