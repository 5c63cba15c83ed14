// The simpler console screens: re-activation campaigns, pricing (fee quote and rules), risk hits,
// the notification delivery log and the audit log.
import { App, Button, Card, Checkbox, Descriptions, Form, Input, InputNumber, Progress, Select, Space, Table, Tag, Typography } from 'antd';
import { useState, type ReactNode } from 'react';
import { api, ApiError, withQuery } from '../lib/api';
import { formatPpm, parsePercentToPpm, parseYuanToFen } from '../lib/money';
import { showFormError } from '../lib/errors';
import { tOr, useI18n } from '../lib/i18n';
import type { MessageKey } from '../lib/messages';
import { ErrorAlert, Money, rowsOf, useApiGet, useCursorList, useFormatTime } from '../components/common';
import { useDraft } from '../lib/drafts';

type Row = Record<string, unknown> & { id?: string };
interface Column { key: string; title: MessageKey | string; render?(value: unknown, row: Row): ReactNode; responsive?: ('sm' | 'md' | 'lg')[] }

function SimpleList({ title, path, columns, extra }: { title: MessageKey; path: string; columns: Column[]; extra?: ReactNode }) {
  const { t } = useI18n();
  const list = useCursorList<Row>(path);
  const label = (key: string) => (key.includes('.') ? t(key as MessageKey) : key);
  return (
    <Card title={t(title)} extra={<Space>{extra}<Button onClick={list.reload}>{t('common.refresh')}</Button></Space>}>
      <ErrorAlert error={list.error} />
      <Table<Row> rowKey={(r) => String(r.id ?? JSON.stringify(r))} size="small" loading={list.loading} dataSource={list.rows}
        scroll={{ x: true }} pagination={false} locale={{ emptyText: t('common.empty') }}
        columns={columns.map((c) => ({
          title: label(c.title), dataIndex: c.key, key: c.key, responsive: c.responsive,
          render: c.render ?? ((v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'object' ? <Typography.Text code>{JSON.stringify(v)}</Typography.Text> : String(v))),
        }))} />
      {list.hasMore && <Button style={{ marginTop: 16 }} loading={list.loading} onClick={list.loadMore}>{t('common.loadMore')}</Button>}
    </Card>
  );
}

function useTime() {
  const formatTime = useFormatTime();
  return (v: unknown) => formatTime(typeof v === 'string' ? v : null);
}

const reasons = ['system_upgrade', 'security_verification', 'risk_control', 'policy_change', 'kyc_expired', 'relocation', 'dormant', 'account_change'];

interface CampaignView {
  id: string; name: string; reason: string; status: string; ratePerHour: number; total: number; opened: number;
  skipped: number; remaining: number; startedAt: string; finishedAt: string | null;
}
interface CampaignForm {
  name: string; reason: string; ratePerHour: number; modelCodes?: string; firmwareBelow?: string; cityCodes?: string;
  mccs?: string; riskLevels?: string[]; note?: string;
}

function listOf(text: string | undefined): string[] | undefined {
  const items = (text ?? '').split(/[\s,，]+/).filter(Boolean);
  return items.length ? items : undefined;
}

function filterOf(v: CampaignForm): Record<string, unknown> {
  const filter: Record<string, unknown> = {
    modelCodes: listOf(v.modelCodes), cityCodes: listOf(v.cityCodes), mccs: listOf(v.mccs),
    firmwareBelow: v.firmwareBelow || undefined, riskLevels: v.riskLevels?.length ? v.riskLevels : undefined,
  };
  return Object.fromEntries(Object.entries(filter).filter(([, x]) => x !== undefined));
}

function CampaignCard({ id }: { id: string }) {
  const { t } = useI18n();
  const time = useTime();
  const campaign = useApiGet<CampaignView>(`/v1/reactivation-campaigns/${encodeURIComponent(id)}`);
  const [error, setError] = useState<ApiError | null>(null);
  const act = async (action: 'pause' | 'resume' | 'cancel') => {
    setError(null);
    try { await api('POST', `/v1/reactivation-campaigns/${encodeURIComponent(id)}/${action}`); campaign.reload(); }
    catch (caught) { setError(caught instanceof ApiError ? caught : new ApiError(0, null)); }
  };
  const c = campaign.data;
  return (
    <Card size="small" loading={campaign.loading && !c} title={c ? `${c.name} · ${tOr(t, `reason.${c.reason}`, c.reason)}` : id}
      extra={c && <Tag data-testid="campaign-status">{tOr(t, `campaigns.status.${c.status}`, c.status)}</Tag>}>
      <ErrorAlert error={campaign.error ?? error} />
      {c && (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Progress percent={c.total ? Math.floor(((c.opened + c.skipped) * 100) / c.total) : 100}
            format={() => `${c.opened + c.skipped}/${c.total}`} />
          <Descriptions size="small" column={{ xs: 1, md: 4 }}>
            <Descriptions.Item label={t('campaigns.opened')}>{c.opened}</Descriptions.Item>
            <Descriptions.Item label={t('campaigns.skipped')}>{c.skipped}</Descriptions.Item>
            <Descriptions.Item label={t('campaigns.rate')}>{c.ratePerHour}</Descriptions.Item>
            <Descriptions.Item label={t('common.time')}>{time(c.startedAt)}</Descriptions.Item>
          </Descriptions>
          <Space wrap>
            {c.status === 'running' && <Button size="small" onClick={() => { void act('pause'); }}>{t('campaigns.pause')}</Button>}
            {c.status === 'paused' && <Button size="small" onClick={() => { void act('resume'); }}>{t('campaigns.resume')}</Button>}
            {(c.status === 'running' || c.status === 'paused') && <Button size="small" danger onClick={() => { void act('cancel'); }}>{t('common.cancel')}</Button>}
            <Button size="small" onClick={campaign.reload}>{t('common.refresh')}</Button>
          </Space>
        </Space>
      )}
    </Card>
  );
}

export function CampaignsPage() {
  const { t } = useI18n();
  const [form] = Form.useForm<CampaignForm>();
  const [dry, setDry] = useState<{ count: number; sample: { sn: string; modelCode: string; firmwareVersion: string | null; cityCode: string | null }[] } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  // The API has no campaign list yet: the campaigns started here are remembered on this device.
  const [ids, setIds] = useDraft<string[]>('campaign-ids', []);
  const call = async (fn: () => Promise<void>) => {
    setError(null);
    try { await fn(); } catch (caught) {
      showFormError(form, caught, setError, (f) => (f.startsWith('filter.') ? f.slice(7).split('.')[0]! : f));
    }
  };
  const dryRun = () => call(async () => {
    const v = form.getFieldsValue();
    setDry(await api('POST', '/v1/reactivation-campaigns/dry-run', { body: { filter: filterOf(v), reason: v.reason } }));
  });
  const start = (v: CampaignForm) => call(async () => {
    const created = await api<CampaignView>('POST', '/v1/reactivation-campaigns', {
      body: { name: v.name, reason: v.reason, ratePerHour: v.ratePerHour, filter: filterOf(v), ...(v.note ? { note: v.note } : {}) },
    });
    setIds([created.id, ...ids.filter((i) => i !== created.id)].slice(0, 20));
  });
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Card title={t('campaigns.title')}>
        <ErrorAlert error={error} />
        <Form form={form} name="campaign" layout="vertical" onFinish={start} initialValues={{ reason: 'system_upgrade', ratePerHour: 100 }}>
          <Space wrap align="start">
            <Form.Item name="name" label={t('campaigns.name')} rules={[{ required: true, message: t('login.required') }]}><Input /></Form.Item>
            <Form.Item name="reason" label={t('campaigns.reason')}><Select style={{ width: 200 }} options={reasons.map((r) => ({ value: r, label: tOr(t, `reason.${r}`, r) }))} /></Form.Item>
            <Form.Item name="ratePerHour" label={t('campaigns.rate')}><InputNumber min={1} max={10000} /></Form.Item>
          </Space>
          <Typography.Paragraph strong>{t('campaigns.filter')}</Typography.Paragraph>
          <Space wrap align="start">
            <Form.Item name="modelCodes" label={t('terminals.model')}><Input placeholder="SMART-1, MPOS-2" /></Form.Item>
            <Form.Item name="firmwareBelow" label={t('campaigns.firmwareBelow')}><Input placeholder="2.0.0" style={{ width: 120 }} /></Form.Item>
            <Form.Item name="cityCodes" label={t('onboarding.cityCode')}><Input placeholder="110100" /></Form.Item>
            <Form.Item name="mccs" label="MCC"><Input placeholder="5812" style={{ width: 120 }} /></Form.Item>
            <Form.Item name="riskLevels" label={t('review.risk')}><Select mode="multiple" allowClear style={{ width: 180 }} options={['low', 'medium', 'high'].map((l) => ({ value: l, label: tOr(t, `riskLevel.${l}`, l) }))} /></Form.Item>
          </Space>
          <Space wrap>
            <Button onClick={() => { void dryRun(); }} data-testid="campaign-dry-run">{t('campaigns.dryRun')}</Button>
            <Button type="primary" htmlType="submit">{t('campaigns.create')}</Button>
          </Space>
        </Form>
        {dry && (
          <div style={{ marginTop: 16 }}>
            <Tag color="blue" data-testid="campaign-count">{t('campaigns.dryRunResult', { count: dry.count })}</Tag>
            <Table size="small" rowKey="sn" pagination={false} style={{ marginTop: 8 }} dataSource={dry.sample} scroll={{ x: true }}
              columns={[{ title: 'SN', dataIndex: 'sn' }, { title: t('terminals.model'), dataIndex: 'modelCode' },
                { title: t('terminals.firmware'), dataIndex: 'firmwareVersion' }, { title: t('onboarding.cityCode'), dataIndex: 'cityCode' }]} />
          </div>
        )}
      </Card>
      {ids.map((id) => <CampaignCard key={id} id={id} />)}
    </Space>
  );
}

interface Quote { fee: number; rate: number; cap: number | null; rule: { kind: string; id: string | null } }

interface RuleInput { kind: string; name: string; method?: string; rate: string; mcc?: string; cityCode?: string; merchantId?: string; startsOn?: string; endsOn?: string }

function RuleForm({ onCreated }: { onCreated(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<RuleInput>();
  const [error, setError] = useState<ApiError | null>(null);
  const create = async (v: RuleInput) => {
    setError(null);
    const rate = parsePercentToPpm(v.rate);
    if (rate === null) { form.setFields([{ name: 'rate', errors: ['%'] }]); return; }
    // A promotion lists its merchants (merchantIds; none = everyone); a merchant rate names one.
    const ids = (v.merchantId ?? '').split(/[\s,，]+/).filter(Boolean);
    const scope = v.kind === 'promotion' ? { merchantId: undefined, merchantIds: ids.length ? ids : undefined } : { merchantId: ids[0] };
    const body = Object.fromEntries(Object.entries({ ...v, ...scope, rate }).filter(([, x]) => x !== undefined && x !== ''));
    try {
      await api('POST', '/v1/pricing/rules', { body });
      void message.success(t('common.save'));
      form.resetFields();
      onCreated();
    } catch (caught) {
      showFormError(form, caught, setError);
    }
  };
  const kinds = ['promotion', 'industry', 'region', 'merchant'];
  return (
    <Card title={t('pricing.newRule')}>
      <ErrorAlert error={error} />
      <Form form={form} name="rule" layout="vertical" onFinish={create} initialValues={{ kind: 'promotion' }}>
        <Space wrap align="start">
          <Form.Item name="kind" label={t('pricing.rule')}><Select style={{ width: 140 }} options={kinds.map((k) => ({ value: k, label: tOr(t, `pricing.kind.${k}`, k) }))} /></Form.Item>
          <Form.Item name="name" label={t('campaigns.name')} rules={[{ required: true }]}><Input /></Form.Item>
          <Form.Item name="method" label={t('tx.method')}><Select allowClear style={{ width: 140 }} options={['debit_card', 'credit_card', 'wechat_qr', 'alipay_qr', 'unionpay_qr'].map((m) => ({ value: m, label: tOr(t, `method.${m}`, m) }))} /></Form.Item>
          <Form.Item name="rate" label={`${t('pricing.rate')} (%)`} rules={[{ required: true }]}><Input style={{ width: 100 }} placeholder="0.38" /></Form.Item>
          <Form.Item name="mcc" label="MCC"><Input style={{ width: 90 }} /></Form.Item>
          <Form.Item name="cityCode" label={t('onboarding.cityCode')}><Input style={{ width: 110 }} /></Form.Item>
          <Form.Item name="merchantId" label={t('pricing.merchantId')}><Input /></Form.Item>
          <Form.Item name="startsOn" label={t('pricing.startsOn')}><Input type="date" /></Form.Item>
          <Form.Item name="endsOn" label={t('pricing.endsOn')}><Input type="date" /></Form.Item>
        </Space>
        <Button type="primary" htmlType="submit">{t('pricing.create')}</Button>
      </Form>
    </Card>
  );
}

interface PlanView { id: string; name: string; isDefault: boolean; rates: Record<string, { rate: number; cap: number | null }> }

const planMethods = ['debit_card', 'credit_card', 'wechat_qr', 'alipay_qr', 'unionpay_qr'];

function PlansCard() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const plans = useApiGet<{ data: PlanView[] }>(withQuery('/v1/pricing/plans', { limit: 100 }));
  const [form] = Form.useForm<{ merchantId: string; planId: string }>();
  const [error, setError] = useState<ApiError | null>(null);
  const [assigned, setAssigned] = useState<{ merchantId: string; planId: string | null } | null>(null);
  const defaultValue = '__default__';
  const assign = async (v: { merchantId: string; planId: string }) => {
    setError(null); setAssigned(null);
    try {
      const planId = v.planId === defaultValue ? null : v.planId;
      setAssigned(await api<{ merchantId: string; planId: string | null }>('PUT', `/v1/pricing/merchants/${encodeURIComponent(v.merchantId.trim())}/plan`, { body: { planId } }));
      void message.success(t('pricing.assigned'));
    } catch (caught) {
      showFormError(form, caught, setError);
    }
  };
  const rows = rowsOf(plans.data);
  const planName = (id: string | null) => (id === null ? t('pricing.defaultPlan') : rows.find((p) => p.id === id)?.name ?? id);
  return (
    <Card title={t('pricing.plans')} extra={<Button onClick={plans.reload}>{t('common.refresh')}</Button>}>
      <ErrorAlert error={plans.error ?? error} />
      <Table<PlanView> rowKey="id" size="small" loading={plans.loading} dataSource={rows} pagination={false} scroll={{ x: true }} data-testid="plans"
        columns={[
          { title: t('campaigns.name'), dataIndex: 'name', render: (v: string, p) => <Space>{v}{p.isDefault && <Tag color="green">{t('pricing.default')}</Tag>}</Space> },
          ...planMethods.map((m) => ({
            title: tOr(t, `method.${m}`, m), key: m,
            render: (_: unknown, p: PlanView) => (p.rates[m] ? <span>{formatPpm(p.rates[m]!.rate)}{p.rates[m]!.cap !== null && <> · {t('pricing.cap')} <Money fen={p.rates[m]!.cap} /></>}</span> : '—'),
          })),
        ]} />
      <Typography.Paragraph strong style={{ marginTop: 16 }}>{t('pricing.assign')}</Typography.Paragraph>
      <Form form={form} name="assign-plan" layout="inline" onFinish={(v) => { void assign(v); }} style={{ rowGap: 8 }} initialValues={{ planId: defaultValue }}>
        <Form.Item name="merchantId" rules={[{ required: true, message: t('login.required') }]}><Input placeholder={t('pricing.merchantId')} data-testid="assign-merchant" /></Form.Item>
        <Form.Item name="planId"><Select style={{ width: 220 }} data-testid="assign-plan" options={[
          { value: defaultValue, label: t('pricing.defaultPlan') }, ...rows.map((p) => ({ value: p.id, label: p.name })),
        ]} /></Form.Item>
        <Button type="primary" htmlType="submit" data-testid="assign-submit">{t('pricing.assignSubmit')}</Button>
      </Form>
      {assigned && <Tag color="blue" style={{ marginTop: 8 }} data-testid="assigned-plan">{t('pricing.assignedTo', { merchant: assigned.merchantId, plan: planName(assigned.planId) })}</Tag>}
    </Card>
  );
}

export function PricingPage() {
  const { t } = useI18n();
  const [version, setVersion] = useState(0);
  const [form] = Form.useForm();
  const [quote, setQuote] = useState<Quote | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const run = async (v: { merchantId: string; method: string; amount: string }) => {
    setError(null); setQuote(null);
    const amount = parseYuanToFen(v.amount);
    if (amount === null) { form.setFields([{ name: 'amount', errors: ['¥'] }]); return; }
    try { setQuote(await api<Quote>('POST', '/v1/fees/quote', { body: { merchantId: v.merchantId, method: v.method, amount } })); }
    catch (caught) {
      showFormError(form, caught, setError, (f) => f);
    }
  };
  const methods = ['debit_card', 'credit_card', 'wechat_qr', 'alipay_qr', 'unionpay_qr'];
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Card title={t('pricing.quote')}>
        <ErrorAlert error={error} />
        <Form form={form} name="quote" layout="inline" onFinish={run} initialValues={{ method: 'credit_card', amount: '10000.00' }} style={{ rowGap: 8 }}>
          <Form.Item name="merchantId" rules={[{ required: true }]}><Input placeholder={t('pricing.merchantId')} /></Form.Item>
          <Form.Item name="method"><Select style={{ width: 140 }} options={methods.map((m) => ({ value: m, label: tOr(t, `method.${m}`, m) }))} /></Form.Item>
          <Form.Item name="amount" rules={[{ required: true }]}><Input prefix="¥" style={{ width: 160 }} /></Form.Item>
          <Button type="primary" htmlType="submit">{t('pricing.quote')}</Button>
        </Form>
        {quote && (
          <Descriptions size="small" style={{ marginTop: 16 }} column={{ xs: 1, md: 4 }}>
            <Descriptions.Item label={t('pricing.fee')}><Money fen={quote.fee} /></Descriptions.Item>
            <Descriptions.Item label={t('pricing.rate')}>{formatPpm(quote.rate)}</Descriptions.Item>
            <Descriptions.Item label={t('pricing.cap')}><Money fen={quote.cap} /></Descriptions.Item>
            <Descriptions.Item label={t('pricing.rule')}>{tOr(t, `pricing.kind.${quote.rule.kind}`, quote.rule.kind)} {quote.rule.id ?? ''}</Descriptions.Item>
          </Descriptions>
        )}
      </Card>
      <PlansCard />
      <RuleForm onCreated={() => setVersion((n) => n + 1)} />
      <SimpleList key={version} title="pricing.title" path="/v1/pricing/rules" columns={[
        { key: 'name', title: 'campaigns.name' },
        { key: 'kind', title: 'pricing.rule', render: (v) => tOr(t, `pricing.kind.${String(v)}`, String(v)) },
        { key: 'method', title: 'tx.method', render: (v) => (v ? tOr(t, `method.${String(v)}`, String(v)) : t('common.all')) },
        { key: 'rate', title: 'pricing.rate', render: (v) => (typeof v === 'number' ? formatPpm(v) : '—') },
        { key: 'mcc', title: 'MCC', responsive: ['md'] },
        { key: 'cityCode', title: 'onboarding.cityCode', responsive: ['lg'] },
        { key: 'startsOn', title: 'pricing.startsOn', responsive: ['md'] },
        { key: 'endsOn', title: 'pricing.endsOn', responsive: ['md'] },
        { key: 'active', title: 'common.status', render: (v) => <Tag color={v ? 'green' : 'default'}>{v ? t('common.yes') : t('common.no')}</Tag> },
      ]} />
    </Space>
  );
}

function HitReview({ hit, onDone }: { hit: Row; onDone(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [note, setNote] = useState('');
  const [openCase, setOpenCase] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  if (hit.status !== 'open') return <Typography.Text type="secondary">{typeof hit.reviewNote === 'string' ? hit.reviewNote : '—'}</Typography.Text>;
  const review = async (decision: 'approve' | 'dismiss') => {
    setError(null);
    try {
      const answer = await api<{ status: string }>('POST', `/v1/risk/hits/${encodeURIComponent(String(hit.id))}/review`,
        { body: { decision, ...(note ? { note } : {}), ...(decision === 'approve' && openCase ? { openCase: true } : {}) } });
      void message.success(tOr(t, `risk.status.${answer.status}`, answer.status));
      onDone();
    } catch (caught) { setError(caught instanceof ApiError ? caught : new ApiError(0, null)); }
  };
  return (
    <Space wrap size={4}>
      <Input size="small" placeholder={t('review.note')} value={note} onChange={(e) => setNote(e.target.value)} style={{ width: 150 }} maxLength={2000} />
      <Checkbox checked={openCase} onChange={(e) => setOpenCase(e.target.checked)}>{t('risk.openCase')}</Checkbox>
      <Button size="small" type="primary" onClick={() => { void review('approve'); }} data-testid={`hit-approve-${String(hit.id)}`}>{t('risk.approve')}</Button>
      <Button size="small" onClick={() => { void review('dismiss'); }} data-testid={`hit-dismiss-${String(hit.id)}`}>{t('risk.dismiss')}</Button>
      {error && <Typography.Text type="danger">{error.message}</Typography.Text>}
    </Space>
  );
}

export function RiskHitsPage() {
  const { t } = useI18n();
  const time = useTime();
  const [status, setStatus] = useState<string | undefined>('open');
  const [version, setVersion] = useState(0);
  const statusFilter = (
    <Select allowClear placeholder={t('common.status')} style={{ width: 130 }} value={status} onChange={setStatus} data-testid="hit-status-filter"
      options={['open', 'approved', 'dismissed', 'actioned'].map((s) => ({ value: s, label: tOr(t, `risk.status.${s}`, s) }))} />
  );
  return <SimpleList key={version} title="risk.title" path={withQuery('/v1/risk/hits', { status })} extra={statusFilter} columns={[
    { key: 'createdAt', title: 'common.time', render: time },
    { key: 'kind', title: 'risk.rule' },
    { key: 'action', title: 'risk.action' },
    { key: 'status', title: 'common.status', render: (v) => <Tag data-testid="hit-status">{tOr(t, `risk.status.${String(v)}`, String(v))}</Tag> },
    { key: 'terminalId', title: 'tx.terminal', responsive: ['md'] },
    { key: 'merchantId', title: 'terminals.merchantId', responsive: ['lg'] },
    { key: 'evidence', title: 'risk.evidence', responsive: ['md'] },
    { key: 'review', title: 'common.actions', render: (_v, row) => <HitReview hit={row} onDone={() => setVersion((n) => n + 1)} /> },
  ]} />;
}

export function NotificationsPage() {
  const time = useTime();
  return <SimpleList title="notifications.title" path="/v1/notifications/messages" columns={[
    { key: 'createdAt', title: 'common.time', render: time },
    { key: 'channel', title: 'verify.channel' },
    { key: 'recipient', title: 'notifications.recipient' },
    { key: 'subject', title: 'verify.subject', responsive: ['md'] },
    { key: 'template', title: 'notifications.template', responsive: ['lg'] },
    { key: 'status', title: 'common.status', render: (v) => <Tag color={v === 'sent' || v === 'delivered' ? 'green' : v === 'failed' ? 'red' : 'default'}>{String(v)}</Tag> },
    { key: 'attemptCount', title: 'notifications.attempts', responsive: ['lg'] },
    { key: 'lastError', title: 'import.error', responsive: ['lg'] },
  ]} />;
}

interface AuditFilterForm { action?: string; subjectType?: string; subjectId?: string; actorId?: string; merchantId?: string; from?: string; to?: string }

/** A `datetime-local` value (Shanghai wall time, as operators read it) as an ISO instant. */
function shanghaiInstant(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const date = new Date(`${value.length === 16 ? `${value}:00` : value}+08:00`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function AuditPage() {
  const { t } = useI18n();
  const time = useTime();
  const [filters, setFilters] = useState<AuditFilterForm>({});
  const query = { ...filters, from: shanghaiInstant(filters.from), to: shanghaiInstant(filters.to) };
  const path = withQuery('/v1/audit', Object.fromEntries(Object.entries(query).map(([k, v]) => [k, typeof v === 'string' ? v.trim() : v])));
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Card size="small">
        <Form layout="inline" name="audit-filters" onFinish={(v: AuditFilterForm) => setFilters(v)} style={{ rowGap: 8 }}>
          <Form.Item name="action"><Input placeholder={t('audit.actionFilter')} allowClear style={{ width: 200 }} data-testid="audit-action" /></Form.Item>
          <Form.Item name="subjectType"><Input placeholder={t('audit.subjectType')} allowClear style={{ width: 140 }} /></Form.Item>
          <Form.Item name="subjectId"><Input placeholder={t('audit.subjectId')} allowClear style={{ width: 200 }} /></Form.Item>
          <Form.Item name="actorId"><Input placeholder={t('audit.actorId')} allowClear style={{ width: 180 }} /></Form.Item>
          <Form.Item name="merchantId"><Input placeholder={t('terminals.merchantId')} allowClear style={{ width: 200 }} /></Form.Item>
          <Form.Item name="from" label={t('audit.from')}><Input type="datetime-local" /></Form.Item>
          <Form.Item name="to" label={t('audit.to')}><Input type="datetime-local" /></Form.Item>
          <Button type="primary" htmlType="submit" data-testid="audit-search">{t('common.search')}</Button>
        </Form>
      </Card>
      <SimpleList key={path} title="audit.title" path={path} columns={[
        { key: 'at', title: 'common.time', render: time },
        { key: 'action', title: 'audit.action', render: (v) => <Typography.Text code style={{ whiteSpace: 'nowrap' }} data-testid="audit-row-action">{String(v)}</Typography.Text> },
        { key: 'actor', title: 'audit.actor', render: (v) => {
          const actor = v as { kind: string; id: string | null; role: string | null };
          return <Space orientation="vertical" size={0}><span>{actor.role ?? actor.kind}</span><Typography.Text type="secondary" style={{ fontSize: 12 }}>{actor.id ?? '—'}</Typography.Text></Space>;
        } },
        { key: 'subjectId', title: 'audit.subject', responsive: ['md'], render: (v, row) => <Space orientation="vertical" size={0}><span>{String(row.subjectType ?? '—')}</span><Typography.Text type="secondary" style={{ fontSize: 12 }}>{v ? String(v) : '—'}</Typography.Text></Space> },
        { key: 'merchantId', title: 'terminals.merchantId', responsive: ['lg'] },
        { key: 'details', title: 'common.details', responsive: ['lg'] },
      ]} />
    </Space>
  );
}
