// One terminal: the six activation steps with progress and guidance, the activation code (shown
// once, with an expiry countdown), portal pairing, self-test results, any re-activation case,
// the deposit's progress and the timeline.
import { Alert, App, Button, Card, Col, Descriptions, Form, Input, Progress, Result, Row, Space, Statistic, Steps, Table, Tag, Timeline, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { api, ApiError, newIdempotencyKey } from '../lib/api';
import { showFormError } from '../lib/errors';
import { tOr, useI18n, type TranslateFn } from '../lib/i18n';
import { formatCountdown, groupCode, progressPercent } from '../lib/money';
import type { MessageKey } from '../lib/messages';
import { Link } from '../lib/router';
import { ErrorAlert, Money, TerminalStatusBadge, rowsOf, useApiGet, useFormatTime } from '../components/common';
import type { TerminalView } from './TerminalsPage';
import { DisputeOutcome, ScamReportButton, type DisputeView } from './ScamReport';

interface Localized { zh: string; en: string }
interface StepView { key: string; status: 'done' | 'current' | 'pending' | 'blocked'; guidance?: Localized; helpSlug?: string }
interface ComponentReport { component: string; result: 'pass' | 'fail' | 'not_reported'; required?: boolean; guidance?: Localized; helpSlug?: string }
interface ActivationView {
  steps: StepView[]; progressPercent: number; currentStep: string | null;
  lastSelfTest?: { passed: boolean; results: Record<string, string>; at: string } | null;
  activationCode?: { status: string; channel: string; expiresAt: string; attemptsRemaining: number } | null;
  lockedUntil?: string | null;
}

const stepKeys: Record<string, MessageKey> = {
  preparation: 'activation.step.preparation', account: 'activation.step.account', device_setup: 'activation.step.deviceSetup',
  system_activation: 'activation.step.systemActivation', function_test: 'activation.step.functionTest', in_service: 'activation.step.inService',
};
const guideKeys: Record<string, MessageKey> = {
  preparation: 'activation.guide.preparation', account: 'activation.guide.account', device_setup: 'activation.guide.deviceSetup',
  system_activation: 'activation.guide.systemActivation', function_test: 'activation.guide.functionTest', in_service: 'activation.guide.inService',
};

/** Without the progress endpoint, the steps follow from the terminal's status alone. */
function stepsFromStatus(status: string): ActivationView {
  const order = ['preparation', 'account', 'device_setup', 'system_activation', 'function_test', 'in_service'];
  const doneCount: Record<string, number> = { delivered: 2, activating: 3, self_test: 4, active: 6, reactivation_required: 5, suspended: 5 };
  const done = doneCount[status] ?? 0;
  const steps = order.map((key, index) => ({ key, status: index < done ? 'done' : index === done ? 'current' : 'pending' } as StepView));
  return { steps, progressPercent: Math.round((done * 100) / 6), currentStep: order[done] ?? null };
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function localized(text: Localized | undefined, locale: string): string | undefined {
  return text ? (locale === 'en' ? text.en : text.zh) : undefined;
}

export function ActivationCard({ sn, terminal }: { sn: string; terminal: TerminalView }) {
  const { t, locale } = useI18n();
  const progress = useApiGet<ActivationView>(`/v1/terminals/${encodeURIComponent(sn)}/activation`);
  const view = progress.data ?? stepsFromStatus(terminal.status);
  const current = Math.max(0, view.steps.findIndex((s) => s.status !== 'done'));
  const anyBlocked = view.steps.some((s) => s.status === 'blocked');
  return (
    <Card title={t('activation.title')} data-testid="activation-card">
      {progress.error && !progress.error.routeMissing && <ErrorAlert error={progress.error} />}
      <Progress percent={view.progressPercent} status={anyBlocked ? 'exception' : view.progressPercent === 100 ? 'success' : 'active'}
        format={(p) => t('activation.percent', { percent: p ?? 0 })} />
      <Steps orientation="vertical" size="small" current={view.progressPercent === 100 ? view.steps.length : current} style={{ marginTop: 16 }}
        items={view.steps.map((step) => ({
          title: t(stepKeys[step.key] ?? 'activation.step.preparation'),
          status: step.status === 'done' ? 'finish' : step.status === 'current' ? 'process' : step.status === 'blocked' ? 'error' : 'wait',
          content: (
            <Space orientation="vertical" size={0}>
              <Typography.Text type="secondary">{localized(step.guidance, locale) ?? t(guideKeys[step.key] ?? 'activation.guide.preparation')}</Typography.Text>
              {step.helpSlug && step.status !== 'done' && <Link to={`/help/${step.helpSlug}`}>{t('activation.helpArticle')}</Link>}
            </Space>
          ),
        }))} />
      {view.lockedUntil && <Alert type="error" showIcon style={{ marginTop: 16 }} title={`${t('activation.locked')} ${new Date(view.lockedUntil).toLocaleString()}`} />}
      {view.activationCode && view.activationCode.status === 'active' && (
        <Alert type="info" style={{ marginTop: 16 }} title={t('activation.codeActive', { attempts: view.activationCode.attemptsRemaining })} />
      )}
      <SelfTestResults view={view} t={t} locale={locale} />
    </Card>
  );
}

function SelfTestResults({ view, t, locale }: { view: ActivationView; t: TranslateFn; locale: string }) {
  const results = view.lastSelfTest?.results ?? {};
  const reports: ComponentReport[] = Object.entries(results).map(([component, result]) => ({
    component, result: result as 'pass' | 'fail', helpSlug: result === 'fail' ? `self-test-${kebab(component)}` : undefined,
  }));
  if (reports.length === 0) return null;
  return (
    <div style={{ marginTop: 16 }} data-testid="self-test">
      <Typography.Title level={5}>{t('activation.selfTest')}</Typography.Title>
      <Table<ComponentReport> size="small" rowKey="component" pagination={false} dataSource={reports} columns={[
        { title: '', dataIndex: 'component', render: (c: string) => tOr(t, `activation.component.${c}`, c) },
        { title: t('common.status'), dataIndex: 'result', render: (r: string) => <Tag color={r === 'pass' ? 'green' : r === 'fail' ? 'red' : 'default'}>{r === 'pass' ? t('activation.pass') : r === 'fail' ? t('activation.fail') : r}</Tag> },
        {
          title: t('reactivation.todo'), key: 'guidance',
          render: (_: unknown, r) => (r.result === 'pass' ? '—' : (
            <span>{localized(r.guidance, locale) ?? tOr(t, `activation.fix.${r.component}`, '')}{' '}
              {r.helpSlug && <Link to={`/help/${r.helpSlug}`}>{t('activation.helpArticle')}</Link>}</span>
          )),
        },
      ]} />
    </div>
  );
}

function CodeCard({ sn, onChange }: { sn: string; onChange(): void }) {
  const { t } = useI18n();
  const [issued, setIssued] = useState<{ code: string; expiresAt: string } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!issued) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [issued]);
  const issue = async () => {
    setBusy(true); setError(null);
    try {
      setIssued(await api<{ code: string; expiresAt: string }>('POST', `/v1/terminals/${encodeURIComponent(sn)}/activation-codes`,
        { body: { channel: 'portal' }, idempotencyKey: newIdempotencyKey() }));
      onChange();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, null));
    } finally { setBusy(false); }
  };
  const remaining = issued ? new Date(issued.expiresAt).getTime() - now : 0;
  return (
    <Card title={t('activation.getCode')} size="small">
      <ErrorAlert error={error} />
      {issued && issued.code ? (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Typography.Title level={2} copyable style={{ fontFamily: 'monospace', margin: 0 }} data-testid="activation-code">{groupCode(issued.code)}</Typography.Title>
          <Alert type="warning" showIcon title={t('activation.codeOnce')} />
          {remaining > 0
            ? <Statistic title={t('activation.expiresIn')} value={formatCountdown(remaining)} />
            : <Alert type="error" title={t('activation.expired')} />}
        </Space>
      ) : (
        <Button type="primary" onClick={() => { void issue(); }} loading={busy} data-testid="get-code">{t('activation.getCode')}</Button>
      )}
    </Card>
  );
}

function PairingCard({ sn, onChange }: { sn: string; onChange(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ pairingCode: string }>();
  const [error, setError] = useState<ApiError | null>(null);
  const pair = async ({ pairingCode }: { pairingCode: string }) => {
    setError(null);
    try {
      await api('POST', `/v1/terminals/${encodeURIComponent(sn)}/pair`, { body: { pairingCode: pairingCode.replace(/\s+/g, '') } });
      void message.success(t('activation.paired'));
      form.resetFields();
      onChange();
    } catch (caught) {
      showFormError(form, caught, setError);
    }
  };
  return (
    <Card title={t('activation.pairing')} size="small">
      <Typography.Paragraph type="secondary">{t('activation.pairingHelp')}</Typography.Paragraph>
      <ErrorAlert error={error} />
      <Form form={form} layout="inline" onFinish={pair}>
        <Form.Item name="pairingCode" rules={[{ required: true, message: t('login.required') }]}>
          <Input placeholder={t('activation.pairingCode')} maxLength={12} inputMode="numeric" />
        </Form.Item>
        <Button htmlType="submit">{t('activation.pair')}</Button>
      </Form>
    </Card>
  );
}

interface CaseView {
  id: string; reason: string; policy: string; deadline: string | null; status?: string; blocksAt?: string | null;
  steps?: { kind: string; status: string; completedAt?: string | null }[]; message?: Localized; title?: Localized; evidence?: unknown; helpSlug?: string;
  dispute?: DisputeView | null;
}

function StepAction({ caseId, kind, onDone }: { caseId: string; kind: string; onDone(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const base = `/v1/reactivations/${encodeURIComponent(caseId)}/steps`;
  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    try { await fn(); } catch (caught) { setError(caught instanceof ApiError ? caught : new ApiError(0, null)); }
  };
  const complete = (body?: Record<string, string>) => run(async () => {
    await api('POST', `${base}/${kind}/complete`, body ? { body } : {});
    void message.success(t('reactivation.stepDone'));
    onDone();
  });
  const errorText = error && <Typography.Text type="danger">{Object.values(error.fields)[0] ?? error.message}</Typography.Text>;
  switch (kind) {
    case 'confirm_identity_sms':
      return (
        <Space wrap>
          <Button size="small" onClick={() => { void run(async () => { await api('POST', `${base}/confirm_identity_sms/send-code`); setSent(true); void message.success(t('reactivation.codeSent')); }); }}>{t('reactivation.sendCode')}</Button>
          {sent && <Input.Search size="small" placeholder={t('reactivation.smsCode')} inputMode="numeric" maxLength={8} style={{ width: 200 }}
            enterButton={t('reactivation.complete')} onSearch={(code) => { void complete({ code }); }} />}
          {errorText}
        </Space>
      );
    case 'confirm_transaction_password':
      return (
        <Space wrap>
          <Input.Search size="small" type="password" placeholder={t('reactivation.transactionPassword')} style={{ width: 240 }}
            enterButton={t('reactivation.complete')} onSearch={(transactionPassword) => { void complete({ transactionPassword }); }} />
          {errorText}
        </Space>
      );
    case 'renew_documents':
      return <Space wrap><Link to="/portal/onboarding">{t('reactivation.goDocuments')}</Link>
        <Button size="small" onClick={() => { void complete(); }}>{t('reactivation.complete')}</Button>{errorText}</Space>;
    case 'call_hotline': return <Typography.Text type="secondary">{t('reactivation.hotlineHint')}</Typography.Text>;
    case 'update_firmware': return <Typography.Text type="secondary">{t('reactivation.firmwareHint')}</Typography.Text>;
    case 'enter_activation_code': return <Typography.Text type="secondary">{t('reactivation.codeHint')}</Typography.Text>;
    default: return <Button size="small" onClick={() => { void complete(); }}>{t('reactivation.complete')}</Button>;
  }
}

function ReactivationCard({ terminal }: { terminal: TerminalView }) {
  const { t, locale } = useI18n();
  const formatTime = useFormatTime();
  const summary = terminal.reactivation;
  const detail = useApiGet<CaseView>(summary ? `/v1/reactivations/${encodeURIComponent(summary.caseId)}` : null);
  if (!summary) return null;
  const steps = detail.data?.steps ?? [];
  const done = steps.filter((s) => s.status === 'completed').length;
  return (
    <Card title={t('reactivation.title')} data-testid="reactivation-card" style={{ borderColor: summary.policy === 'blocking' ? '#ff4d4f' : '#faad14' }}>
      <Descriptions column={1} size="small">
        <Descriptions.Item label={t('reactivation.case')}><Typography.Text code>{summary.caseId}</Typography.Text></Descriptions.Item>
        <Descriptions.Item label={t('reactivation.reason')}>{tOr(t, `reason.${summary.reason}`, summary.reason)}</Descriptions.Item>
        <Descriptions.Item label={t('reactivation.policy')}>{tOr(t, `reactivation.policy.${summary.policy}`, summary.policy)}</Descriptions.Item>
        <Descriptions.Item label={t('reactivation.deadline')}>{formatTime(summary.deadline)}</Descriptions.Item>
      </Descriptions>
      {detail.data?.message && <Alert type="info" showIcon title={localized(detail.data.title, locale)} description={localized(detail.data.message, locale)} style={{ margin: '8px 0' }} />}
      {detail.data?.helpSlug && <Link to={`/help/${detail.data.helpSlug}`}>{t('activation.helpArticle')}</Link>}
      {steps.length > 0 && (
        <>
          <Typography.Title level={5}>{t('reactivation.todo')}</Typography.Title>
          <Progress percent={progressPercent(done, steps.length)} size="small" />
          <Steps size="small" orientation="vertical" items={steps.map((s) => ({
            title: tOr(t, `stepKind.${s.kind}`, s.kind), status: s.status === 'completed' ? 'finish' : 'process',
            content: s.status === 'completed' ? formatTime(s.completedAt) : <StepAction caseId={summary.caseId} kind={s.kind} onDone={detail.reload} />,
          }))} />
        </>
      )}
      <Space orientation="vertical" style={{ marginTop: 8 }}>
        {detail.data?.dispute
          ? <><DisputeOutcome dispute={detail.data.dispute} /><ScamReportButton caseId={summary.caseId} merchantId={terminal.merchantId} /></>
          : <ScamReportButton caseId={summary.caseId} merchantId={terminal.merchantId} onReported={detail.reload} />}
      </Space>
    </Card>
  );
}

function DepositCard({ sn }: { sn: string }) {
  const { t } = useI18n();
  const formatTime = useFormatTime();
  const deposit = useApiGet<{ amount: number; collected: number; status: string; volume: number; threshold: number; deadline: string | null }>(
    `/v1/terminals/${encodeURIComponent(sn)}/deposit`);
  if (deposit.error?.routeMissing) return null;
  const d = deposit.data;
  const daysLeft = d?.deadline ? Math.max(0, Math.ceil((new Date(d.deadline).getTime() - Date.now()) / 86_400_000)) : null;
  return (
    <Card title={t('deposit.title')} size="small" loading={deposit.loading} data-testid="deposit-card">
      <ErrorAlert error={deposit.error} />
      {d && (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Tag>{tOr(t, `deposit.status.${d.status}`, d.status)}</Tag>
          {d.status !== 'none' && (
            <>
              <Progress percent={progressPercent(d.volume, d.threshold)} status={d.status === 'refunded' ? 'success' : d.status === 'forfeited' ? 'exception' : 'active'} />
              <Descriptions column={1} size="small">
                <Descriptions.Item label={t('deposit.amount')}><Money fen={d.amount} /></Descriptions.Item>
                <Descriptions.Item label={t('deposit.collected')}><Money fen={d.collected} /></Descriptions.Item>
                <Descriptions.Item label={t('deposit.volume')}><Money fen={d.volume} /> / <Money fen={d.threshold} /></Descriptions.Item>
                <Descriptions.Item label={t('deposit.deadline')}>
                  {formatTime(d.deadline)}{daysLeft !== null && ` · ${t('deposit.daysLeft', { days: daysLeft })}`}
                </Descriptions.Item>
              </Descriptions>
            </>
          )}
        </Space>
      )}
    </Card>
  );
}

interface TimelineEvent { id: number; at: string; kind: string; from: string | null; to: string | null; reason: string | null; actor: { kind: string; id: string | null } }

export function TerminalTimeline({ sn }: { sn: string }) {
  const { t } = useI18n();
  const formatTime = useFormatTime();
  const timeline = useApiGet<{ data: TimelineEvent[] } | TimelineEvent[]>(`/v1/terminals/${encodeURIComponent(sn)}/timeline`);
  return (
    <Card title={t('timeline.title')} size="small">
      <ErrorAlert error={timeline.error} />
      <Timeline items={rowsOf(timeline.data).map((e, index) => ({
        key: String(e.id ?? index),
        content: (
          <Space orientation="vertical" size={0}>
            <Typography.Text strong>{e.kind}</Typography.Text>
            {(e.from || e.to) && <span>{e.from ? tOr(t, `terminalStatus.${e.from}`, e.from) : '—'} → {e.to ? tOr(t, `terminalStatus.${e.to}`, e.to) : '—'}</span>}
            {e.reason && <span>{tOr(t, `reason.${e.reason}`, e.reason)}</span>}
            <Typography.Text type="secondary">{formatTime(e.at)} · {t('timeline.by')} {e.actor?.kind}{e.actor?.id ? ` ${e.actor.id}` : ''}</Typography.Text>
          </Space>
        ),
      }))} />
    </Card>
  );
}

export function TerminalDetailPage({ sn }: { sn: string }) {
  const { t } = useI18n();
  const terminal = useApiGet<TerminalView>(`/v1/terminals/${encodeURIComponent(sn)}`);
  const [version, setVersion] = useState(0);
  const refresh = () => { terminal.reload(); setVersion((v) => v + 1); };
  if (terminal.error) return <Card><ErrorAlert error={terminal.error} /><Link to="/portal">{t('common.back')}</Link></Card>;
  if (!terminal.data) return <Card loading />;
  const data = terminal.data;
  const canGetCode = ['delivered', 'activating'].includes(data.status) || data.status === 'reactivation_required';
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} key={version}>
      <Card title={<Space wrap><Link to="/portal">←</Link><span data-testid="detail-sn">{data.sn}</span><TerminalStatusBadge status={data.status} /></Space>}
        extra={<Button onClick={refresh}>{t('common.refresh')}</Button>}>
        <Descriptions size="small" column={{ xs: 1, sm: 2, md: 4 }}>
          <Descriptions.Item label={t('terminals.model')}>{data.modelCode}</Descriptions.Item>
          <Descriptions.Item label={t('terminals.tid')}>{data.tid ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('terminals.firmware')}>{data.firmwareVersion ?? '—'}</Descriptions.Item>
        </Descriptions>
      </Card>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={14}>
          <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
            <ReactivationCard terminal={data} />
            <ActivationCard sn={sn} terminal={data} />
          </Space>
        </Col>
        <Col xs={24} lg={10}>
          <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
            {canGetCode && <CodeCard sn={sn} onChange={terminal.reload} />}
            {['delivered', 'activating'].includes(data.status) && <PairingCard sn={sn} onChange={refresh} />}
            {data.status === 'active' && !data.reactivation && <Result status="success" title={t('activation.guide.inService')} />}
            <DepositCard sn={sn} />
            <TerminalTimeline sn={sn} />
          </Space>
        </Col>
      </Row>
    </Space>
  );
}
