// Console: terminal applications and shipping (SPEC §4). Approve or reject a pending application;
// ship an approved one (the server allocates SNs from stock and records carrier and tracking).
import { App, Button, Card, Form, Input, Select, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { api, ApiError, withQuery } from '../lib/api';
import { showFormError } from '../lib/errors';
import { tOr, useI18n } from '../lib/i18n';
import { ErrorAlert, rowsOf, useApiGet, useFormatTime } from '../components/common';
import { ApplicationStatusTag, newestFirst, ShipmentList, type ApplicationView } from '../portal/ApplicationsPage';

const statuses = ['pending', 'approved', 'shipped', 'delivered', 'rejected'];

function ReviewActions({ application, onDone }: { application: ApplicationView; onDone(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [note, setNote] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const decide = async (decision: 'approve' | 'reject') => {
    setError(null);
    try {
      const answer = await api<ApplicationView>('POST', `/v1/terminal-applications/${encodeURIComponent(application.id)}/review`,
        { body: { decision, ...(note ? { note } : {}) } });
      void message.success(tOr(t, `application.status.${answer.status}`, answer.status));
      onDone();
    } catch (caught) { setError(caught instanceof ApiError ? caught : new ApiError(0, null)); }
  };
  return (
    <Space wrap>
      <Input size="small" placeholder={t('review.note')} value={note} onChange={(e) => setNote(e.target.value)} style={{ width: 180 }} maxLength={1000} />
      <Button size="small" type="primary" onClick={() => { void decide('approve'); }} data-testid={`application-approve-${application.id}`}>{t('review.approve')}</Button>
      <Button size="small" danger onClick={() => { void decide('reject'); }}>{t('review.reject')}</Button>
      {error && <Typography.Text type="danger">{error.message}</Typography.Text>}
    </Space>
  );
}

function ShipForm({ application, onDone }: { application: ApplicationView; onDone(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ carrier: string; trackingNumber: string }>();
  const [error, setError] = useState<ApiError | null>(null);
  const ship = async (values: { carrier: string; trackingNumber: string }) => {
    setError(null);
    try {
      const answer = await api<{ shipment: { sns: string[] } }>('POST', `/v1/terminal-applications/${encodeURIComponent(application.id)}/ship`,
        { body: { carrier: values.carrier.trim(), trackingNumber: values.trackingNumber.trim() } });
      void message.success(t('application.shipped', { sns: answer.shipment.sns.join(', ') }));
      onDone();
    } catch (caught) {
      showFormError(form, caught, setError);
    }
  };
  return (
    <Form form={form} layout="inline" onFinish={(v) => { void ship(v); }} style={{ rowGap: 8 }}>
      <Form.Item name="carrier" rules={[{ required: true, message: t('login.required') }]}><Input size="small" placeholder={t('application.carrier')} style={{ width: 120 }} data-testid={`ship-carrier-${application.id}`} /></Form.Item>
      <Form.Item name="trackingNumber" rules={[{ required: true, message: t('login.required') }]}><Input size="small" placeholder={t('application.tracking')} style={{ width: 180 }} data-testid={`ship-tracking-${application.id}`} /></Form.Item>
      <Button size="small" type="primary" htmlType="submit" data-testid={`ship-submit-${application.id}`}>{t('application.ship')}</Button>
      {error && <Typography.Text type="danger" data-testid="ship-error">{error.message}</Typography.Text>}
    </Form>
  );
}

export function ApplicationsQueuePage() {
  const { t } = useI18n();
  const formatTime = useFormatTime();
  const [status, setStatus] = useState<string | undefined>(undefined);
  const list = useApiGet<{ data: ApplicationView[] }>(withQuery('/v1/terminal-applications', { status, limit: 100 }));
  return (
    <Card title={t('application.queue')} extra={<Space>
      <Select allowClear placeholder={t('common.status')} style={{ width: 140 }} value={status} onChange={setStatus}
        options={statuses.map((s) => ({ value: s, label: tOr(t, `application.status.${s}`, s) }))} />
      <Button onClick={list.reload}>{t('common.refresh')}</Button>
    </Space>}>
      <ErrorAlert error={list.error} />
      <Table<ApplicationView> rowKey="id" size="small" loading={list.loading} dataSource={newestFirst(rowsOf(list.data))} pagination={false}
        scroll={{ x: true }} locale={{ emptyText: t('common.empty') }}
        columns={[
          { title: t('common.time'), dataIndex: 'createdAt', render: (v: string) => formatTime(v), responsive: ['md'] },
          { title: t('terminals.merchantId'), dataIndex: 'merchantId', render: (v: string, r) => <Space orientation="vertical" size={0}><span>{r.shippingAddress.recipient}</span><Typography.Text type="secondary" style={{ fontSize: 12 }}>{v}</Typography.Text></Space> },
          { title: t('terminals.model'), dataIndex: 'modelCode' },
          { title: t('application.quantity'), dataIndex: 'quantity' },
          { title: t('application.address'), key: 'address', responsive: ['lg'], render: (_: unknown, r) => [r.shippingAddress.province, r.shippingAddress.city, r.shippingAddress.district, r.shippingAddress.line].filter(Boolean).join(' ') },
          { title: t('common.status'), dataIndex: 'status', render: (s: string) => <ApplicationStatusTag status={s} /> },
          {
            title: t('common.actions'), key: 'actions', render: (_: unknown, r) => (
              r.status === 'pending' ? <ReviewActions application={r} onDone={list.reload} />
                : r.status === 'approved' ? <ShipForm application={r} onDone={list.reload} />
                  : <ShipmentList shipments={r.shipments ?? []} />
            ),
          },
        ]} />
    </Card>
  );
}
