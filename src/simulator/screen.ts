// What the simulated POS shows on its screen: state, reason, explanation, deadline, messages and
// self-test guidance, in Chinese and English, as plain text lines. Pure.

const statusLabels: Record<string, { zh: string; en: string }> = {
  delivered: { zh: '待激活', en: 'Waiting for activation' },
  activating: { zh: '待激活', en: 'Waiting for activation' },
  self_test: { zh: '待自检', en: 'Self-test required' },
  active: { zh: '可以收款', en: 'Ready to take payments' },
  reactivation_required: { zh: '需要重新激活', en: 'Re-activation required' },
  suspended: { zh: '已暂停', en: 'Suspended' },
  retired: { zh: '已停用', en: 'Retired' },
};

interface Localized { zh: string; en: string }

export interface HelloView {
  status: string; reason?: string | null; message?: Localized | null; deadline?: string | null; caseId?: string | null;
  helpSlug?: string | null; messages?: Array<{ kind: string; text: Localized; noticeCode?: string | null }>;
  selfTest?: { components: Array<{ component: string; guidance: Localized }> };
  update?: { version: string; notes: string; mandatory: boolean } | null;
}

export function renderScreen(view: HelloView, sn: string): string[] {
  const label = statusLabels[view.status] ?? { zh: view.status, en: view.status };
  const lines = ['┌──────────── POS ────────────', `│ SN ${sn}`, `│ ${label.zh} / ${label.en} [${view.status}]`];
  if (view.reason) lines.push(`│ 原因 Reason: ${view.reason}${view.caseId ? ` (case ${view.caseId})` : ''}`);
  if (view.message) lines.push(`│ ${view.message.zh}`, `│ ${view.message.en}`);
  if (view.deadline) lines.push(`│ 截止 Deadline: ${view.deadline}`);
  if (view.helpSlug) lines.push(`│ 帮助 Help: ${view.helpSlug}`);
  for (const c of view.selfTest?.components ?? []) lines.push(`│ - ${c.component}: ${c.guidance.zh} / ${c.guidance.en}`);
  if (view.update) {
    const kind = view.update.mandatory ? '必须更新 Required update' : '可更新 Update available';
    lines.push(`│ ⬆ ${kind}: ${view.update.version}${view.update.notes ? ` — ${view.update.notes}` : ''}`);
  }
  for (const m of view.messages ?? []) lines.push(`│ ✉ [${m.kind}] ${m.text.zh} / ${m.text.en}${m.noticeCode ? ` (核验码 ${m.noticeCode})` : ''}`);
  lines.push('└─────────────────────────────');
  return lines;
}

export function renderSelfTest(result: { status: string; components: Array<{ component: string; result: string; required: boolean; guidance: Localized; helpSlug: string }> }): string[] {
  const lines = [`Self-test → ${result.status}`];
  for (const c of result.components) {
    const mark = c.result === 'pass' ? '✓' : c.required ? '✗' : '·';
    lines.push(`  ${mark} ${c.component}${c.required ? '' : ' (optional)'}: ${c.result}`);
    if (c.result !== 'pass') lines.push(`      ${c.guidance.zh}`, `      ${c.guidance.en}`, `      help: ${c.helpSlug}`);
  }
  return lines;
}
