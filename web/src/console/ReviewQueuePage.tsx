// KYC review queue: merchants under review with their risk score and named reasons, their
// documents (fetched with the log-in's credentials, never a public link), reveal of a masked
// number (an audited call) and the decision with a note.
import { Alert, App, Button, Card, Descriptions, Form, Image, Input, List, Radio, Space, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { api, ApiError, fetchBlob, withQuery } from '../lib/api';
import { showFormError } from '../lib/errors';
import { tOr, useI18n } from '../lib/i18n';
import { ErrorAlert, MerchantStatusTag, RiskTag, rowsOf, useApiGet, useFormatTime } from '../components/common';

type Reason = string | { code: string; message?: string; points?: number; detail?: string };
export interface MerchantRow {
  id: string; mid?: string | null; legalName: string; type?: string; status: string; phone?: string; email?: string;
  idName?: string; idNumber?: string; mcc?: string; submittedAt?: string | null;
  address?: { province?: string; city?: string; district?: string; line?: string };
  settlementAccount?: { bank?: string; number?: string; holder?: string };
  risk?: { score: number; level: string; reasons: Reason[] } | null; riskLevel?: string; riskScore?: number; riskReasons?: Reason[];
}

function reasonsOf(m: MerchantRow): Reason[] {
  return m.risk?.reasons ?? m.riskReasons ?? [];
}

function ReasonList({ reasons }: { reasons: Reason[] }) {
  if (reasons.length === 0) return <span>—</span>;
  return (
    <Space wrap size={4}>
      {reasons.map((r, i) => (typeof r === 'string'
        ? <Tag key={i} color="orange">{r}</Tag>
        : <Tag key={i} color="orange">{r.code}{r.points !== undefined ? ` +${r.points}` : ''}{r.message ? ` · ${r.message}` : ''}</Tag>))}
    </Space>
  );
}

export function RevealButton({ merchantId, field }: { merchantId: string; field: 'idNumber' | 'settlementAccount.number' }) {
  const { t } = useI18n();
  const { modal } = App.useApp();
  const [value, setValue] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const reveal = () => modal.confirm({
    title: t('review.reveal'), content: t('review.revealNote'),
    onOk: async () => {
      try {
        const answer = await api<Record<string, string>>('POST', `/v1/merchants/${encodeURIComponent(merchantId)}/reveal`, { body: { field } });
        setValue(answer.value ?? JSON.stringify(answer));
      } catch (caught) { setError(caught instanceof ApiError ? caught : new ApiError(0, null)); }
    },
  });
  if (value) return <Typography.Text code copyable>{value}</Typography.Text>;
  return (
    <Space>
      <Button size="small" onClick={reveal}>{t('review.reveal')}</Button>
      {error && <Typography.Text type="danger">{error.routeMissing ? t('common.notAvailable') : error.message}</Typography.Text>}
    </Space>
  );
}

interface DocumentRow { id: string; kind: string; contentType: string; sizeBytes: number; createdAt: string }

function DocumentItem({ merchantId, doc }: { merchantId: string; doc: DocumentRow }) {
  const { t } = useI18n();
  const formatTime = useFormatTime();
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => () => { if (url) URL.revokeObjectURL(url); }, [url]);
  const open = async () => {
    setError(null);
    try {
      const blob = await fetchBlob(`/v1/merchants/${encodeURIComponent(merchantId)}/documents/${encodeURIComponent(doc.id)}/content`);
      const objectUrl = URL.createObjectURL(blob);
      setUrl(objectUrl);
      if (!doc.contentType.startsWith('image/')) window.open(objectUrl, '_blank', 'noopener');
    } catch (caught) { setError(caught instanceof ApiError ? caught : new ApiError(0, null)); }
  };
  return (
    <List.Item data-testid={`document-${doc.kind}`} actions={[
      <Button key="open" size="small" onClick={() => { void open(); }} data-testid={`document-open-${doc.kind}`}>{t('review.openDocument')}</Button>,
    ]}>
      <List.Item.Meta title={tOr(t, `onboarding.doc.${doc.kind}`, doc.kind)}
        description={<Space wrap size={4}>
          <Tag>{doc.contentType}</Tag><span>{Math.max(1, Math.round(doc.sizeBytes / 1024))} KB</span><span>{formatTime(doc.createdAt)}</span>
          {error && <Typography.Text type="danger">{error.message}</Typography.Text>}
        </Space>} />
      {url && doc.contentType.startsWith('image/') && <Image src={url} width={96} alt={doc.kind} data-testid={`document-image-${doc.kind}`} />}
    </List.Item>
  );
}

export function MerchantDocuments({ merchantId }: { merchantId: string }) {
  const { t } = useI18n();
  const documents = useApiGet<{ data: DocumentRow[] }>(`/v1/merchants/${encodeURIComponent(merchantId)}/documents`);
  return (
    <div data-testid="merchant-documents">
      <ErrorAlert error={documents.error} />
      <List size="small" loading={documents.loading} dataSource={rowsOf(documents.data)} locale={{ emptyText: t('review.noDocuments') }}
        renderItem={(doc) => <DocumentItem merchantId={merchantId} doc={doc} />} />
    </div>
  );
}

export function MerchantDetails({ merchant }: { merchant: MerchantRow }) {
  const { t } = useI18n();
  return (
    <Descriptions size="small" bordered column={{ xs: 1, md: 2 }}>
      <Descriptions.Item label={t('onboarding.legalName')}>{merchant.legalName}</Descriptions.Item>
      <Descriptions.Item label={t('common.status')}><MerchantStatusTag status={merchant.status} /></Descriptions.Item>
      <Descriptions.Item label={t('onboarding.phone')}>{merchant.phone ?? '—'}</Descriptions.Item>
      <Descriptions.Item label={t('onboarding.mcc')}>{merchant.mcc ?? '—'}</Descriptions.Item>
      <Descriptions.Item label={t('onboarding.idName')}>{merchant.idName ?? '—'}</Descriptions.Item>
      <Descriptions.Item label={t('onboarding.idNumber')}>
        <Space wrap>{merchant.idNumber ?? '—'}<RevealButton merchantId={merchant.id} field="idNumber" /></Space>
      </Descriptions.Item>
      <Descriptions.Item label={t('onboarding.accountNumber')}>
        <Space wrap>{merchant.settlementAccount?.number ?? '—'} {merchant.settlementAccount?.holder}
          <RevealButton merchantId={merchant.id} field="settlementAccount.number" /></Space>
      </Descriptions.Item>
      <Descriptions.Item label={t('onboarding.line')}>
        {[merchant.address?.province, merchant.address?.city, merchant.address?.district, merchant.address?.line].filter(Boolean).join(' ') || '—'}
      </Descriptions.Item>
      <Descriptions.Item label={t('review.reasons')} span={2}><ReasonList reasons={reasonsOf(merchant)} /></Descriptions.Item>
      <Descriptions.Item label={t('review.documents')} span={2}><MerchantDocuments merchantId={merchant.id} /></Descriptions.Item>
    </Descriptions>
  );
}

function ReviewForm({ merchant, onDone }: { merchant: MerchantRow; onDone(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ decision: string; note: string }>();
  const [error, setError] = useState<ApiError | null>(null);
  const decide = async (values: { decision: string; note: string }) => {
    setError(null);
    try {
      const answer = await api<{ status: string }>('POST', `/v1/merchants/${encodeURIComponent(merchant.id)}/review`, { body: values });
      void message.success(t('review.done', { status: tOr(t, `merchantStatus.${answer.status}`, answer.status) }));
      onDone();
    } catch (caught) {
      showFormError(form, caught, setError);
    }
  };
  return (
    <Form form={form} layout="vertical" onFinish={decide} style={{ marginTop: 16 }} initialValues={{ decision: 'approve', note: '' }}>
      <ErrorAlert error={error} />
      <Form.Item name="decision" rules={[{ required: true }]}>
        <Radio.Group optionType="button" options={[
          { value: 'approve', label: t('review.approve') }, { value: 'needs_info', label: t('review.needsInfo') }, { value: 'reject', label: t('review.reject') },
        ]} />
      </Form.Item>
      <Form.Item name="note" label={t('review.note')}><Input.TextArea rows={2} maxLength={1000} /></Form.Item>
      <Button type="primary" htmlType="submit" data-testid={`review-submit-${merchant.id}`}>{t('common.submit')}</Button>
    </Form>
  );
}

export function ReviewQueuePage() {
  const { t } = useI18n();
  const formatTime = useFormatTime();
  const queue = useApiGet<{ data: MerchantRow[] }>(withQuery('/v1/merchants', { status: 'under_review', limit: 100 }));
  const rows = rowsOf(queue.data);
  return (
    <Card title={t('review.title')} extra={<Button onClick={queue.reload}>{t('common.refresh')}</Button>}>
      <ErrorAlert error={queue.error} />
      <Table<MerchantRow> rowKey="id" loading={queue.loading} dataSource={rows} scroll={{ x: true }} locale={{ emptyText: t('common.empty') }}
        expandable={{ expandedRowRender: (m) => <><MerchantDetails merchant={m} /><ReviewForm merchant={m} onDone={queue.reload} /></> }}
        columns={[
          { title: t('review.merchant'), dataIndex: 'legalName', render: (v: string, m) => <Space orientation="vertical" size={0}><span>{v}</span><Typography.Text type="secondary" style={{ fontSize: 12 }}>{m.id}</Typography.Text></Space> },
          { title: t('review.risk'), key: 'risk', render: (_: unknown, m) => <Space><RiskTag level={m.risk?.level ?? m.riskLevel} />{m.risk?.score ?? m.riskScore}</Space> },
          { title: t('review.reasons'), key: 'reasons', responsive: ['md'], render: (_: unknown, m) => <ReasonList reasons={reasonsOf(m)} /> },
          { title: t('review.submittedAt'), dataIndex: 'submittedAt', responsive: ['lg'], render: (v: string | null) => formatTime(v) },
        ]} />
      {rows.length === 0 && !queue.loading && !queue.error && <Alert type="success" title={t('common.empty')} />}
    </Card>
  );
}
