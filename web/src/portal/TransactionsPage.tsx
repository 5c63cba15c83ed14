// Transactions with filters (terminal, method, status, dates), paged by cursor.
import { Button, Card, DatePicker, Form, Input, Select, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { withQuery } from '../lib/api';
import { tOr, useI18n } from '../lib/i18n';
import { ErrorAlert, Money, useCursorList, useFormatTime } from '../components/common';
import { usePortalMerchantId } from './merchant';

export interface TransactionView {
  id: string; kind: string; terminalSn: string | null; method: string; amount: number; fee: number; net: number;
  status: string; declineCode?: string | null; training?: boolean; occurredAt: string; voidedAt?: string | null; refunded?: number;
}

const methods = ['debit_card', 'credit_card', 'wechat_qr', 'alipay_qr', 'unionpay_qr'];
const statuses = ['approved', 'declined'];
const kinds = ['sale', 'void', 'refund'];

interface Filters { terminal?: string; method?: string; status?: string; kind?: string; range?: [{ format(f: string): string }, { format(f: string): string }] | null }

export function TransactionsPage() {
  const { t } = useI18n();
  const formatTime = useFormatTime();
  const merchantId = usePortalMerchantId();
  const [filters, setFilters] = useState<Filters>({});
  const query = {
    merchantId, terminal: filters.terminal, method: filters.method, status: filters.status, kind: filters.kind,
    from: filters.range?.[0]?.format('YYYY-MM-DD'), to: filters.range?.[1]?.format('YYYY-MM-DD'),
  };
  const list = useCursorList<TransactionView>(withQuery('/v1/transactions', query));
  return (
    <Card title={t('tx.title')}>
      <Form layout="inline" onFinish={(v: Filters) => setFilters(v)} style={{ marginBottom: 16, rowGap: 8 }}>
        <Form.Item name="terminal"><Input placeholder={t('tx.terminal')} allowClear /></Form.Item>
        <Form.Item name="method"><Select placeholder={t('tx.method')} allowClear style={{ width: 140 }}
          options={methods.map((m) => ({ value: m, label: tOr(t, `method.${m}`, m) }))} /></Form.Item>
        <Form.Item name="status"><Select placeholder={t('common.status')} allowClear style={{ width: 120 }}
          options={statuses.map((s) => ({ value: s, label: tOr(t, `tx.status.${s}`, s) }))} /></Form.Item>
        <Form.Item name="kind"><Select placeholder={t('tx.kind')} allowClear style={{ width: 110 }}
          options={kinds.map((k) => ({ value: k, label: tOr(t, `tx.kind.${k}`, k) }))} /></Form.Item>
        <Form.Item name="range"><DatePicker.RangePicker /></Form.Item>
        <Button type="primary" htmlType="submit">{t('common.search')}</Button>
      </Form>
      <ErrorAlert error={list.error} />
      <Table<TransactionView> rowKey="id" size="small" loading={list.loading} dataSource={list.rows} pagination={false} scroll={{ x: true }}
        locale={{ emptyText: t('common.empty') }} data-testid="transactions"
        columns={[
          { title: t('tx.createdAt'), dataIndex: 'occurredAt', render: (v: string) => formatTime(v) },
          { title: t('tx.terminal'), key: 'sn', responsive: ['md'], render: (_: unknown, r) => r.terminalSn ?? '—' },
          { title: t('tx.method'), dataIndex: 'method', render: (m: string) => tOr(t, `method.${m}`, m) },
          { title: t('common.amount'), dataIndex: 'amount', align: 'right', render: (v: number) => <Money fen={v} /> },
          { title: t('tx.fee'), dataIndex: 'fee', align: 'right', responsive: ['sm'], render: (v: number) => <Money fen={v} /> },
          { title: t('tx.net'), dataIndex: 'net', align: 'right', responsive: ['md'], render: (v: number) => <Money fen={v} /> },
          {
            title: t('common.status'), dataIndex: 'status', render: (s: string, r) => (
              <Space size={4}>
                {r.kind !== 'sale' && <Tag color="blue">{tOr(t, `tx.kind.${r.kind}`, r.kind)}</Tag>}
                <Tag color={s === 'approved' ? 'green' : s === 'declined' ? 'red' : 'default'}>{tOr(t, `tx.status.${s}`, s)}</Tag>
                {r.voidedAt && <Tag>{t('tx.status.voided')}</Tag>}
                {r.declineCode && <Tag>{tOr(t, `reason.${r.declineCode}`, r.declineCode)}</Tag>}
                {r.training && <Tag color="purple">{t('tx.training')}</Tag>}
              </Space>
            ),
          },
        ]} />
      {list.hasMore && <Button style={{ marginTop: 16 }} loading={list.loading} onClick={list.loadMore}>{t('common.loadMore')}</Button>}
    </Card>
  );
}
