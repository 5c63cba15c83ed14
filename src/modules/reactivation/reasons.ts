// The catalogue of activation and re-activation reasons (SPEC §7): default policy, required steps
// and the texts a merchant sees on the terminal screen, by SMS, by email and in the portal, in
// zh-CN and en. One place: every other module takes reason texts from here.
import { helpSlug } from '../support/help-slugs.js';

export const reactivationReasons = [
  'system_upgrade', 'security_verification', 'risk_control', 'policy_change', 'kyc_expired',
  'relocation', 'dormant', 'account_change', 'device_replacement', 'new_device',
] as const;
export type ReasonCode = (typeof reactivationReasons)[number];

/** Reasons an operator may open by hand (Appendix B: all but first activations). */
export const operatorReasons: readonly ReasonCode[] = reactivationReasons.filter(
  (r) => r !== 'new_device' && r !== 'device_replacement');

export type StepKind = 'renew_documents' | 'confirm_identity_sms' | 'confirm_transaction_password' | 'call_hotline' | 'update_firmware' | 'enter_activation_code';

export type Policy =
  | { kind: 'grace'; days: number }
  | { kind: 'grace_until_expiry'; daysAfterExpiry: number }
  | { kind: 'blocking_now' }
  | { kind: 'blocking_next_use' }
  | { kind: 'blocking_until_confirmed' }
  | { kind: 'first_activation' };

export interface Localized { zh: string; en: string }

export interface ReasonDefinition {
  code: ReasonCode;
  policy: Policy;
  /** Steps the merchant completes; `enter_activation_code` means a new device visit is needed. */
  steps: readonly StepKind[];
  /** Whether completing the steps restores the terminal without a new activation code. */
  restoresWithoutCode: boolean;
  title: Localized;
  terminal: Localized;
  sms: Localized;
  email: Localized;
  portal: Localized;
  helpSlug: string;
}

const staffNever = { zh: '工作人员不会索要您的激活码或密码。', en: 'Our staff will never ask for your activation code or passwords.' };

function define(code: ReasonCode, d: Omit<ReasonDefinition, 'code' | 'helpSlug'>): ReasonDefinition {
  return { code, helpSlug: helpSlug('reactivation', code), ...d };
}

export const reasonCatalogue: Record<ReasonCode, ReasonDefinition> = {
  system_upgrade: define('system_upgrade', {
    policy: { kind: 'grace', days: 7 }, steps: ['update_firmware'], restoresWithoutCode: true,
    title: { zh: '系统升级', en: 'System upgrade' },
    terminal: { zh: '系统升级：请在截止时间前更新终端程序，升级期间可正常收款。', en: 'System upgrade: update the terminal software before the deadline. You can keep taking payments meanwhile.' },
    sms: { zh: '您的POS终端需要系统升级，请在截止日期前于终端上完成更新，期间可正常收款。', en: 'Your POS terminal needs a system upgrade. Update it on the terminal before the deadline; you can keep taking payments meanwhile.' },
    email: { zh: '您的POS终端程序版本低于当前最低要求，需要在截止日期前完成升级。升级在终端上完成，无需重新提交资料。', en: 'Your POS terminal runs software older than the minimum version. Update it on the terminal before the deadline; no documents are needed.' },
    portal: { zh: '终端程序版本过低。请在终端上选择“系统更新”，完成后终端自动恢复。', en: 'The terminal software is too old. Choose "System update" on the terminal; it restores itself afterwards.' },
  }),
  security_verification: define('security_verification', {
    policy: { kind: 'grace', days: 7 }, steps: ['confirm_identity_sms', 'confirm_transaction_password'], restoresWithoutCode: true,
    title: { zh: '安全验证', en: 'Security verification' },
    terminal: { zh: '定期安全验证：请在商户门户完成身份确认，期间可正常收款。', en: 'Periodic security check: confirm your identity in the merchant portal. You can keep taking payments meanwhile.' },
    sms: { zh: '您的POS终端需进行定期安全验证，请登录商户门户按提示确认身份。', en: 'Your POS terminal is due for its periodic security check. Log in to the merchant portal and confirm your identity.' },
    email: { zh: '按照监管要求，终端需定期确认商户身份。请登录商户门户，使用短信验证码和交易密码完成确认。', en: 'Terminals must periodically confirm the merchant\'s identity. Log in to the merchant portal and confirm with an SMS code and your transaction password.' },
    portal: { zh: '请用发送到注册手机的短信验证码确认身份，并确认交易密码。', en: 'Confirm your identity with the SMS code sent to your registered phone, then confirm your transaction password.' },
  }),
  risk_control: define('risk_control', {
    policy: { kind: 'blocking_now' }, steps: ['confirm_identity_sms', 'call_hotline'], restoresWithoutCode: false,
    title: { zh: '风险控制', en: 'Risk control' },
    terminal: { zh: '风控暂停：终端已暂停收款，请在商户门户查看原因或致电客服热线。', en: 'Paused by risk control: this terminal cannot take payments. See the reason in the merchant portal or call the hotline.' },
    sms: { zh: '您的POS终端因风控规则触发已暂停收款，请登录商户门户查看原因，或拨打客服热线。', en: 'Your POS terminal was paused by a risk rule. Log in to the merchant portal to see why, or call the hotline.' },
    email: { zh: '系统检测到异常交易特征，终端已暂停收款。请登录商户门户查看可公开的原因并按步骤处理。', en: 'We detected an unusual transaction pattern and paused the terminal. Log in to the merchant portal to see the reason and the steps.' },
    portal: { zh: '终端因风控暂停。请确认身份并联系客服核实交易情况，核实后将重新下发激活码。', en: 'The terminal is paused by risk control. Confirm your identity and call the hotline; after the check a new activation code is issued.' },
  }),
  policy_change: define('policy_change', {
    policy: { kind: 'grace', days: 14 }, steps: ['renew_documents'], restoresWithoutCode: true,
    title: { zh: '政策调整', en: 'Policy change' },
    terminal: { zh: '规则更新：请在截止时间前于商户门户补充资料，期间可正常收款。', en: 'Rule change: add the requested information in the merchant portal before the deadline. You can keep taking payments meanwhile.' },
    sms: { zh: '因监管规则更新，需要您补充商户资料，请在截止日期前登录商户门户提交。', en: 'A rule change requires additional merchant information. Log in to the merchant portal before the deadline.' },
    email: { zh: '新的监管规则要求补充资料。门户中只会请您提供缺少的部分，已核验的资料无需重复提交。', en: 'A new rule requires more information. The portal asks only for what is missing; verified data is never requested again.' },
    portal: { zh: '请补充门户中列出的资料，已核验的资料无需重复提交。', en: 'Add the information listed in the portal; verified data is not requested again.' },
  }),
  kyc_expired: define('kyc_expired', {
    policy: { kind: 'grace_until_expiry', daysAfterExpiry: 30 }, steps: ['renew_documents'], restoresWithoutCode: true,
    title: { zh: '证件到期', en: 'Documents expired' },
    terminal: { zh: '证件到期：请在商户门户上传新的证件，截止前可正常收款。', en: 'Documents expired: upload the renewed document in the merchant portal. You can take payments until the deadline.' },
    sms: { zh: '您登记的身份证件或营业执照已到期或即将到期，请登录商户门户上传新证件。', en: 'Your registered ID card or business licence has expired or is about to. Log in to the merchant portal to upload the new one.' },
    email: { zh: '您登记的证件已到期或即将到期。请上传新证件，其他资料无需重复填写。', en: 'Your registered document has expired or is about to. Upload the renewed document; nothing else needs re-entering.' },
    portal: { zh: '请上传新的证件照片并填写新的有效期。', en: 'Upload a photo of the renewed document and its new expiry date.' },
  }),
  relocation: define('relocation', {
    policy: { kind: 'blocking_now' }, steps: ['confirm_identity_sms', 'call_hotline'], restoresWithoutCode: false,
    title: { zh: '移机', en: 'Relocation' },
    terminal: { zh: '位置异常：终端在登记城市以外使用，已暂停收款。请联系客服办理移机。', en: 'Location mismatch: this terminal is used outside its registered city and is paused. Call the hotline to register the move.' },
    sms: { zh: '您的POS终端在登记城市以外使用，已暂停收款。如确已搬迁，请登录商户门户或拨打客服热线办理移机。', en: 'Your POS terminal was used outside its registered city and is paused. If you have moved, register the move in the portal or call the hotline.' },
    email: { zh: '终端上报的位置与登记经营城市不一致。按规定终端暂停收款，办理移机后将重新下发激活码。', en: 'The terminal reported a location outside its registered city. It is paused; after registering the move a new activation code is issued.' },
    portal: { zh: '请确认身份并联系客服登记新的经营地址，核实后重新下发激活码。', en: 'Confirm your identity and call the hotline to register the new address; a new activation code follows.' },
  }),
  dormant: define('dormant', {
    policy: { kind: 'blocking_next_use' }, steps: ['confirm_identity_sms'], restoresWithoutCode: true,
    title: { zh: '长期未使用', en: 'Dormant terminal' },
    terminal: { zh: '终端长期未使用：请在商户门户确认身份后恢复收款。', en: 'This terminal has not been used for a long time: confirm your identity in the merchant portal to resume.' },
    sms: { zh: '您的POS终端长期未交易，恢复使用前需确认身份，请登录商户门户完成。', en: 'Your POS terminal has been idle for a long time. Confirm your identity in the merchant portal to use it again.' },
    email: { zh: '终端超过规定时间没有交易，恢复使用前需要确认身份。', en: 'The terminal has had no transactions for the configured period; confirm your identity before using it again.' },
    portal: { zh: '请用发送到注册手机的短信验证码确认身份，完成后即可恢复收款。', en: 'Confirm with the SMS code sent to your registered phone; payments resume right after.' },
  }),
  account_change: define('account_change', {
    policy: { kind: 'blocking_until_confirmed' }, steps: ['confirm_identity_sms', 'confirm_transaction_password'], restoresWithoutCode: true,
    title: { zh: '结算账户变更', en: 'Settlement account changed' },
    terminal: { zh: '结算账户已变更：请在商户门户确认后恢复收款。', en: 'Settlement account changed: confirm the change in the merchant portal to resume.' },
    sms: { zh: '您的结算账户已变更。如非本人操作，请立即拨打客服热线；确认后请登录商户门户完成验证。', en: 'Your settlement account was changed. If this was not you, call the hotline now; otherwise confirm in the merchant portal.' },
    email: { zh: '结算账户变更需要本人确认，确认前终端暂停收款，以保护您的资金安全。', en: 'A settlement account change needs your confirmation; until then the terminal is paused to protect your funds.' },
    portal: { zh: '请用短信验证码和交易密码确认此次结算账户变更。', en: 'Confirm this settlement account change with the SMS code and your transaction password.' },
  }),
  device_replacement: define('device_replacement', {
    policy: { kind: 'first_activation' }, steps: ['enter_activation_code'], restoresWithoutCode: false,
    title: { zh: '换机激活', en: 'Replacement device' },
    terminal: { zh: '新换终端：请输入激活码完成激活。激活码可在商户门户获取。', en: 'Replacement terminal: enter the activation code, which you can get in the merchant portal.' },
    sms: { zh: '您的换机终端已发出，收到后请在终端上输入激活码完成激活。', en: 'Your replacement terminal is on its way. When it arrives, enter the activation code on it.' },
    email: { zh: '换机后新终端继承原终端的商户、设置和押金状态，只需输入激活码。', en: 'The replacement inherits the old terminal\'s merchant, settings and deposit; only an activation code is needed.' },
    portal: { zh: '在门户中获取激活码，并在新终端上输入。', en: 'Get the activation code in the portal and enter it on the new terminal.' },
  }),
  new_device: define('new_device', {
    policy: { kind: 'first_activation' }, steps: ['enter_activation_code'], restoresWithoutCode: false,
    title: { zh: '新机激活', en: 'New terminal' },
    terminal: { zh: '新终端：请输入12位激活码，或在商户门户输入配对码完成激活。', en: 'New terminal: enter the 12-digit activation code, or enter the pairing code in the merchant portal.' },
    sms: { zh: '您的POS终端已到达，请在终端上输入激活码完成激活。', en: 'Your POS terminal has arrived. Enter the activation code on it to activate.' },
    email: { zh: '终端激活分六步：准备、账户、设备设置、系统激活、功能测试、投入使用。门户会逐步引导您。', en: 'Activation has six steps: preparation, account, device setup, system activation, function test, in service. The portal guides you through each.' },
    portal: { zh: '在门户中获取激活码并在终端上输入，或在门户输入终端显示的配对码。', en: 'Get the activation code in the portal and enter it on the terminal, or type the terminal\'s pairing code into the portal.' },
  }),
};

/** The text for one channel, with the anti-scam line appended where an activation code is concerned. */
export function reasonText(code: ReasonCode, channel: 'terminal' | 'sms' | 'email' | 'portal'): Localized {
  const text = reasonCatalogue[code][channel];
  const mentionsCode = reasonCatalogue[code].steps.includes('enter_activation_code') || !reasonCatalogue[code].restoresWithoutCode;
  if (channel === 'terminal' || !mentionsCode) return text;
  return { zh: `${text.zh}${staffNever.zh}`, en: `${text.en} ${staffNever.en}` };
}

export function isReasonCode(value: string): value is ReasonCode {
  return (reactivationReasons as readonly string[]).includes(value);
}

/** 'blocking' or 'grace' as the API reports it (Appendix A). */
export function policyLabel(policy: Policy): 'blocking' | 'grace' {
  switch (policy.kind) {
    case 'grace': case 'grace_until_expiry': return 'grace';
    case 'blocking_now': case 'blocking_next_use': case 'blocking_until_confirmed': case 'first_activation': return 'blocking';
    default: { const never: never = policy; throw new Error(`unknown policy ${JSON.stringify(never)}`); }
  }
}
