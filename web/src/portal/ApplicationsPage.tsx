// Apply for terminals (SPEC §4): model and quantity, the shipping address pre-filled from what is
// on file; the merchant's applications with their status, parcels and tracking numbers, and
// "confirm delivery" once a parcel arrives (the terminals then appear under My terminals).
import { App, Button, Card, Col, Form, Input, InputNumber, Row, Select, Space, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { api, ApiError, withQuery } from '../lib/api';
import { showFormError } from '../lib/errors';
import { tOr, useI18n } from '../lib/i18n';
import type { MessageKey } from '../lib/messages';
import { ErrorAlert, Money, rowsOf, useApiGet, useFormatTime } from '../components/common';
import { usePortalMerchantId } from './merchant';

export interface ShippingAddress { recipient: string; phone: string | null; province: string | null; city: string | null; cityCode: string | null; district: string | null; line: string }
export interface ShipmentView { id: string; carrier: string; trackingNumber: string; status: string; shippedAt: string; deliveredAt: string | null; sns: string[] }
export interface ApplicationView {
  id: string; merchantId: string; modelCode: string; quantity: number; status: string; shippingAddress: ShippingAddress;
  note: string | null; decisionNote: string | null; createdAt: string; shipments: ShipmentView[];
}
interface DeviceModel { code: string; name: string; kind: string; price: number; deposit: { amount: number } | null }
interface ApplyForm { modelCode: string; quantity: number; shippingAddress: ShippingAddress; note?: string }

const statusColors: Record<string, string> = { pending: 'blue', approved: 'cyan', rejected: 'red', shipped: 'orange', delivered: 'green' };

export function ApplicationStatusTag({ status }: { status: string }) {
  const { t } = useI18n();
  return <Tag color={statusColors[status] ?? 'default'} data-testid="application-status">{tOr(t, `application.status.${status}`, status)}</Tag>;
}

export function ShipmentList({ shipments, onConfirm }: { shipments: ShipmentView[]; onConfirm?: (shipment: ShipmentView) => void }) {
  const { t } = useI18n();
  if (shipments.length === 0) return <span>—</span>;
  return (
    <Space orientation="vertical" size={4}>
      {shipments.map((s) => (
        <Space key={s.id} wrap size={4} data-testid="shipment">
          <Tag>{s.carrier}</Tag>
          <Typography.Text copyable data-testid="tracking-number">{s.trackingNumber}</Typography.Text>
          <Tag color={s.status === 'delivered' ? 'green' : 'orange'}>{tOr(t, `shipment.status.${s.status}`, s.status)}</Tag>
          <Typography.Text type="secondary">{s.sns.join(', ')}</Typography.Text>
          {onConfirm && s.status === 'shipped' && (
            <Button size="small" type="primary" onClick={() => onConfirm(s)} data-testid={`confirm-delivery-${s.id}`}>{t('application.confirmDelivery')}</Button>
          )}
        </Space>
      ))}
    </Space>
  );
}

function ApplyCard({ merchantId, onApplied }: { merchantId: string | null; onApplied(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<ApplyForm>();
  const [error, setError] = useState<ApiError | null>(null);
  const models = useApiGet<{ data: DeviceModel[] }>('/v1/device-models');
  const prefill = useApiGet<{ shippingAddress: ShippingAddress }>(merchantId ? withQuery('/v1/terminal-applications/prefill', { merchantId }) : null);
  useEffect(() => {
    if (prefill.data) form.setFieldsValue({ shippingAddress: prefill.data.shippingAddress });
  }, [form, prefill.data]);
  const apply = async (values: ApplyForm) => {
    setError(null);
    try {
      const address = Object.fromEntries(Object.entries(values.shippingAddress ?? {}).filter(([, v]) => typeof v === 'string' && v.trim() !== ''));
      await api('POST', '/v1/terminal-applications', {
        body: { merchantId: merchantId ?? undefined, modelCode: values.modelCode, quantity: values.quantity, shippingAddress: address, ...(values.note ? { note: values.note } : {}) },
      });
      void message.success(t('application.applied'));
      form.setFieldsValue({ note: '' });
      onApplied();
    } catch (caught) {
      showFormError(form, caught, setError);
    }
  };
  const addressItem = (name: keyof ShippingAddress, label: MessageKey, required = false) => (
    <Col xs={24} md={12}>
      <Form.Item name={['shippingAddress', name]} label={t(label)} rules={required ? [{ required: true, message: t('login.required') }] : []}><Input /></Form.Item>
    </Col>
  );
  return (
    <Card title={t('application.apply')}>
      <ErrorAlert error={error ?? prefill.error} />
      <Form form={form} layout="vertical" onFinish={(v) => { void apply(v); }} initialValues={{ quantity: 1 }}>
        <Row gutter={16}>
          <Col xs={24} md={12}>
            <Form.Item name="modelCode" label={t('terminals.model')} rules={[{ required: true, message: t('login.required') }]}>
              <Select data-testid="application-model" loading={models.loading} options={rowsOf(models.data).map((m) => ({
                value: m.code, label: <span>{m.name} ({m.code}) · <Money fen={m.price} />{m.deposit ? <> · {t('deposit.amount')} <Money fen={m.deposit.amount} /></> : null}</span>,
              }))} />
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item name="quantity" label={t('application.quantity')} rules={[{ required: true, message: t('login.required') }]}>
              <InputNumber min={1} max={500} precision={0} style={{ width: '100%' }} data-testid="application-quantity" />
            </Form.Item>
          </Col>
        </Row>
        <Typography.Paragraph strong>{t('application.address')} <Typography.Text type="secondary">{t('application.prefilled')}</Typography.Text></Typography.Paragraph>
        <Row gutter={16}>
          {addressItem('recipient', 'application.recipient')}
          {addressItem('phone', 'onboarding.phone')}
          {addressItem('province', 'onboarding.province')}
          {addressItem('city', 'onboarding.city')}
          {addressItem('district', 'onboarding.district')}
          {addressItem('line', 'onboarding.line', true)}
        </Row>
        <Form.Item name="note" label={t('common.note')}><Input.TextArea rows={2} maxLength={1000} /></Form.Item>
        <Button type="primary" htmlType="submit" data-testid="application-submit">{t('application.submit')}</Button>
      </Form>
    </Card>
  );
}

/** The API pages by id; people read their applications newest first. */
export function newestFirst<T extends { createdAt: string }>(rows: T[]): T[] {
  return [...rows].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

export function ApplicationsPage() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const formatTime = useFormatTime();
  const merchantId = usePortalMerchantId();
  const list = useApiGet<{ data: ApplicationView[] }>(withQuery('/v1/terminal-applications', { merchantId, limit: 100 }));
  const [error, setError] = useState<ApiError | null>(null);
  const confirm = async (shipment: ShipmentView) => {
    setError(null);
    try {
      await api('POST', `/v1/shipments/${encodeURIComponent(shipment.id)}/confirm-delivery`);
      void message.success(t('application.delivered'));
      list.reload();
    } catch (caught) { setError(caught instanceof ApiError ? caught : new ApiError(0, null)); }
  };
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <ApplyCard merchantId={merchantId} onApplied={list.reload} />
      <Card title={t('application.mine')} extra={<Button onClick={list.reload}>{t('common.refresh')}</Button>}>
        <ErrorAlert error={list.error ?? error} />
        <Table<ApplicationView> rowKey="id" size="small" loading={list.loading} dataSource={newestFirst(rowsOf(list.data))} pagination={false}
          scroll={{ x: true }} locale={{ emptyText: t('common.empty') }} data-testid="applications"
          columns={[
            { title: t('common.time'), dataIndex: 'createdAt', render: (v: string) => formatTime(v) },
            { title: t('terminals.model'), dataIndex: 'modelCode' },
            { title: t('application.quantity'), dataIndex: 'quantity' },
            { title: t('common.status'), dataIndex: 'status', render: (s: string, r) => <Space orientation="vertical" size={0}><ApplicationStatusTag status={s} />{r.decisionNote && <Typography.Text type="secondary">{r.decisionNote}</Typography.Text>}</Space> },
            { title: t('application.shipping'), key: 'shipments', render: (_: unknown, r) => <ShipmentList shipments={r.shipments ?? []} onConfirm={(s) => { void confirm(s); }} /> },
          ]} />
      </Card>
    </Space>
  );
}
