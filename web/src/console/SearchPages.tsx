// Merchant search and terminal search (with the terminal's timeline and activation progress).
import { Card, Input, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { withQuery } from '../lib/api';
import { useI18n } from '../lib/i18n';
import { ErrorAlert, MerchantStatusTag, RiskTag, TerminalStatusBadge, rowsOf, useApiGet, useFormatTime } from '../components/common';
import { ActivationCard, TerminalTimeline } from '../portal/TerminalDetailPage';
import type { TerminalView } from '../portal/TerminalsPage';
import { MerchantDetails, type MerchantRow } from './ReviewQueuePage';

export function MerchantSearchPage() {
  const { t } = useI18n();
  const [query, setQuery] = useState('');
  const list = useApiGet<{ data: MerchantRow[] }>(withQuery('/v1/merchants', { q: query, limit: 50 }));
  return (
    <Card title={t('merchants.title')}>
      <Input.Search placeholder={t('merchants.query')} onSearch={setQuery} enterButton={t('common.search')} allowClear style={{ marginBottom: 16 }} />
      <ErrorAlert error={list.error} />
      <Table<MerchantRow> rowKey="id" loading={list.loading} dataSource={rowsOf(list.data)} scroll={{ x: true }} locale={{ emptyText: t('common.empty') }}
        expandable={{ expandedRowRender: (m) => <MerchantDetails merchant={m} /> }}
        columns={[
          { title: t('review.merchant'), dataIndex: 'legalName' },
          { title: 'MID', dataIndex: 'mid', responsive: ['md'] },
          { title: t('common.status'), dataIndex: 'status', render: (s: string) => <MerchantStatusTag status={s} /> },
          { title: t('review.risk'), key: 'risk', render: (_: unknown, m) => <RiskTag level={m.risk?.level ?? m.riskLevel} /> },
        ]} />
    </Card>
  );
}

export function TerminalSearchPage() {
  const { t } = useI18n();
  const formatTime = useFormatTime();
  const [sn, setSn] = useState<string | null>(null);
  const list = useApiGet<{ data: TerminalView[] }>(withQuery('/v1/terminals', { limit: 50 }));
  const one = useApiGet<TerminalView>(sn ? `/v1/terminals/${encodeURIComponent(sn)}` : null);
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Card title={t('termSearch.title')}>
        <Input.Search placeholder={t('termSearch.query')} onSearch={(v) => setSn(v.trim() || null)} enterButton={t('common.search')} allowClear style={{ marginBottom: 16 }} data-testid="terminal-search" />
        <ErrorAlert error={sn ? one.error : list.error} />
        {!sn && (
          <Table<TerminalView> rowKey="sn" size="small" loading={list.loading} dataSource={rowsOf(list.data)} scroll={{ x: true }}
            onRow={(r) => ({ onClick: () => setSn(r.sn), style: { cursor: 'pointer' } })} locale={{ emptyText: t('common.empty') }}
            columns={[
              { title: t('terminals.sn'), dataIndex: 'sn' },
              { title: t('terminals.model'), dataIndex: 'modelCode' },
              { title: t('common.status'), dataIndex: 'status', render: (s: string) => <TerminalStatusBadge status={s} /> },
              { title: t('terminals.merchantId'), dataIndex: 'merchantId', responsive: ['md'] },
              { title: t('terminals.activatedAt'), dataIndex: 'activatedAt', responsive: ['lg'], render: (v: string | null) => formatTime(v) },
            ]} />
        )}
        {sn && one.data && (
          <Space wrap><Typography.Text strong>{one.data.sn}</Typography.Text><TerminalStatusBadge status={one.data.status} />
            <span>{one.data.modelCode}</span><span>{one.data.merchantId}</span></Space>
        )}
      </Card>
      {sn && one.data && <ActivationCard sn={sn} terminal={one.data} />}
      {sn && one.data && <TerminalTimeline sn={sn} />}
    </Space>
  );
}
