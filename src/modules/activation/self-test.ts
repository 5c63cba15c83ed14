// Self-test evaluation (SPEC §5): which components a model requires, whether the terminal may turn
// `active`, and guidance per component in zh-CN and en with its help-centre slug. Pure.
import { helpSlug } from '../support/help-slugs.js';

export const selfTestComponents = ['cardReader', 'contactless', 'qrScanner', 'printer', 'network'] as const;
export type SelfTestComponent = (typeof selfTestComponents)[number];
export type SelfTestResult = 'pass' | 'fail';
export type ComponentOutcome = SelfTestResult | 'not_reported';

export interface Localized { zh: string; en: string }

export interface ComponentReport {
  component: SelfTestComponent;
  result: ComponentOutcome;
  required: boolean;
  guidance: Localized;
  helpSlug: string;
}

const failGuidance: Record<SelfTestComponent, Localized> = {
  cardReader: {
    zh: '读卡器未通过：请清洁刷卡槽和插卡口，用一张芯片卡重新插卡测试；仍失败请联系客服。',
    en: 'Card reader failed: clean the swipe slot and chip slot, then test again with a chip card; call the hotline if it still fails.',
  },
  contactless: {
    zh: '非接（闪付）未通过：移开附近的金属物品和其他卡片，将卡片贴近屏幕上方感应区重新测试。',
    en: 'Contactless failed: move metal objects and other cards away and hold the card flat over the reader area above the screen.',
  },
  qrScanner: {
    zh: '扫码头未通过：擦拭扫码窗口，避免强光直射，对准测试二维码重新扫描。',
    en: 'QR scanner failed: wipe the scanner window, avoid direct bright light and scan the test QR code again.',
  },
  printer: {
    zh: '打印机未通过：检查是否有打印纸、纸卷方向是否正确、纸仓盖是否合紧，然后重新测试。',
    en: 'Printer failed: check there is paper, the roll faces the right way and the cover is closed, then test again.',
  },
  network: {
    zh: '网络未通过：检查 SIM 卡或 Wi-Fi 设置，确认信号正常后重新测试；终端需要联网才能收款。',
    en: 'Network failed: check the SIM card or Wi-Fi settings and the signal, then test again; the terminal needs a connection to take payments.',
  },
};

const passGuidance: Localized = { zh: '正常。', en: 'Working.' };
const notReported: Localized = {
  zh: '终端未上报该项结果，请在终端上重新运行自检。',
  en: 'The terminal did not report this component; run the self-test again on the terminal.',
};

export function componentSlug(component: SelfTestComponent): string {
  return helpSlug('self-test', component);
}

export function guidanceFor(component: SelfTestComponent, result: ComponentOutcome): Localized {
  switch (result) {
    case 'pass': return passGuidance;
    case 'fail': return failGuidance[component];
    case 'not_reported': return notReported;
    default: { const never: never = result; throw new Error(`unknown result ${String(never)}`); }
  }
}

export interface SelfTestEvaluation { passed: boolean; components: ComponentReport[] }

/** All required components must pass; optional ones are reported but never block. */
export function evaluateSelfTest(required: readonly string[], results: Partial<Record<SelfTestComponent, SelfTestResult>>): SelfTestEvaluation {
  const components = selfTestComponents.map((component): ComponentReport => {
    const result: ComponentOutcome = results[component] ?? 'not_reported';
    const isRequired = required.includes(component);
    return { component, result, required: isRequired, guidance: guidanceFor(component, result), helpSlug: componentSlug(component) };
  });
  const passed = components.every((c) => !c.required || c.result === 'pass');
  return { passed, components };
}

/** What a terminal in `self_test` shows before its next run: every required component pending. */
export function selfTestInstructions(required: readonly string[]): ComponentReport[] {
  return selfTestComponents.filter((c) => required.includes(c)).map((component) => ({
    component, result: 'not_reported' as const, required: true,
    guidance: { zh: '请在终端上运行自检。', en: 'Run the self-test on the terminal.' }, helpSlug: componentSlug(component),
  }));
}
