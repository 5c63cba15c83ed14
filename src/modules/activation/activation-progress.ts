// The six activation steps a merchant sees (SPEC §5) as a progress resource, derived from the
// terminal's and the merchant's state. Pure: the service gathers the facts.
import { helpSlug } from '../support/help-slugs.js';
import type { Localized } from './self-test.js';

export const activationSteps = ['preparation', 'account', 'device_setup', 'system_activation', 'function_test', 'in_service'] as const;
export type ActivationStep = (typeof activationSteps)[number];
export type StepStatus = 'done' | 'current' | 'pending' | 'blocked';

export interface ProgressFacts {
  terminalStatus: string;
  merchantStatus: string | null;
  /** The terminal has reached the platform at least once (a hello). */
  seen: boolean;
  /** The terminal has been bound and has a key (activation code or portal pairing done). */
  activated: boolean;
  locked: boolean;
  lastSelfTestPassed: boolean | null;
}

export interface StepView { key: ActivationStep; status: StepStatus; guidance: Localized; helpSlug: string }

const guidance: Record<ActivationStep, Record<StepStatus, Localized>> = {
  preparation: {
    done: { zh: '已确认终端型号和序列号。', en: 'Model and serial number confirmed.' },
    current: { zh: '终端正在配送，收到后请核对型号和机身序列号（SN）。', en: 'The terminal is on its way; when it arrives, check the model and the serial number (SN) on the device.' },
    pending: { zh: '等待分配终端。', en: 'Waiting for a terminal to be assigned.' },
    blocked: { zh: '终端不可用，请联系客服。', en: 'The terminal is not available; call the hotline.' },
  },
  account: {
    done: { zh: '商户资料已实名认证通过。', en: 'Your merchant account is verified.' },
    current: { zh: '请在商户门户完成注册和实名认证，已填写的资料会自动带出。', en: 'Complete registration and real-name verification in the portal; what you entered before is pre-filled.' },
    pending: { zh: '完成上一步后进行。', en: 'Comes after the previous step.' },
    blocked: { zh: '实名认证未通过，请查看原因后重新提交或联系客服。', en: 'Verification was not approved; see why and resubmit, or call the hotline.' },
  },
  device_setup: {
    done: { zh: '终端已联网。', en: 'The terminal is online.' },
    current: { zh: '开机后连接网络（SIM 卡或 Wi-Fi），设置交易密码和主管密码。', en: 'Switch the terminal on, connect it (SIM or Wi-Fi) and set the transaction and supervisor passwords.' },
    pending: { zh: '完成上一步后进行。', en: 'Comes after the previous step.' },
    blocked: { zh: '终端无法使用，请联系客服。', en: 'The terminal cannot be used; call the hotline.' },
  },
  system_activation: {
    done: { zh: '终端已激活。', en: 'The terminal is activated.' },
    current: { zh: '在终端上输入激活码，或在门户中输入终端显示的配对码，也可致电客服协助激活。工作人员不会索要您的激活码。', en: 'Enter the activation code on the terminal, or type the pairing code it shows into the portal, or call the hotline for help. Our staff will never ask for your activation code.' },
    pending: { zh: '完成上一步后进行。', en: 'Comes after the previous step.' },
    blocked: { zh: '激活码错误次数过多，终端激活已暂时锁定，请稍后再试。', en: 'Too many wrong activation codes: activation on this terminal is locked for a while; try again later.' },
  },
  function_test: {
    done: { zh: '功能自检已通过。', en: 'The function test passed.' },
    current: { zh: '在终端上运行自检：读卡、非接、扫码、打印和网络。', en: 'Run the self-test on the terminal: card reader, contactless, QR scanner, printer and network.' },
    pending: { zh: '激活后进行。', en: 'Comes after activation.' },
    blocked: { zh: '自检未通过，请按各项提示处理后重新自检。', en: 'The self-test failed; follow the guidance for each component and run it again.' },
  },
  in_service: {
    done: { zh: '终端已可以收款。', en: 'The terminal is ready to take payments.' },
    current: { zh: '终端需要处理后才能继续收款，请查看原因。', en: 'The terminal needs attention before it can take payments again; see the reason.' },
    pending: { zh: '自检通过后即可收款。', en: 'Ready to take payments once the self-test passes.' },
    blocked: { zh: '终端已停用。', en: 'The terminal is out of service.' },
  },
};

const deliveredOrLater = ['delivered', 'activating', 'self_test', 'active', 'reactivation_required', 'suspended'];

export function activationProgress(facts: ProgressFacts): { steps: StepView[]; progressPercent: number; currentStep: ActivationStep | null } {
  const status: Record<ActivationStep, StepStatus> = {
    preparation: 'pending', account: 'pending', device_setup: 'pending',
    system_activation: 'pending', function_test: 'pending', in_service: 'pending',
  };
  const retired = facts.terminalStatus === 'retired';
  status.preparation = retired ? 'blocked' : deliveredOrLater.includes(facts.terminalStatus) ? 'done'
    : facts.merchantStatus ? 'current' : 'pending';
  status.account = facts.merchantStatus === 'approved' ? 'done' : facts.merchantStatus === 'rejected' ? 'blocked'
    : facts.merchantStatus ? 'current' : 'pending';
  const ready = status.preparation === 'done' && status.account === 'done';
  status.device_setup = facts.seen || facts.activated ? 'done' : ready ? 'current' : 'pending';
  status.system_activation = facts.activated ? 'done' : !ready || status.device_setup !== 'done' ? 'pending'
    : facts.locked ? 'blocked' : 'current';
  const serving = ['active', 'reactivation_required', 'suspended'].includes(facts.terminalStatus);
  status.function_test = serving ? 'done' : facts.terminalStatus === 'self_test'
    ? (facts.lastSelfTestPassed === false ? 'blocked' : 'current') : 'pending';
  status.in_service = facts.terminalStatus === 'active' ? 'done'
    : facts.terminalStatus === 'reactivation_required' || facts.terminalStatus === 'suspended' ? 'current' : retired ? 'blocked' : 'pending';
  if (retired) for (const step of activationSteps) if (status[step] !== 'done') status[step] = 'blocked';

  const steps = activationSteps.map((key) => ({
    key, status: status[key], guidance: guidance[key][status[key]], helpSlug: helpSlug('activation-step', key),
  }));
  const done = steps.filter((s) => s.status === 'done').length;
  const current = steps.find((s) => s.status !== 'done')?.key ?? null;
  return { steps, progressPercent: Math.round((done / activationSteps.length) * 100), currentStep: current };
}
