// Daily settlement statements (T+1) with a CSV download of the same rows.
import { App, Button, Card, DatePicker, Space, Table } from 'antd';
import { useState } from 'react';
import { ApiError, download, withQuery } from '../lib/api';
import { useI18n } from '../lib/i18n';
import { ErrorAlert, Money, rowsOf, useApiGet } from '../components/common';
import { usePortalMerchantId } from './merchant';

interface Statement { date: string; gross: number; fees: number; voids: number; refunds: number; depositDeduction: number; net: number }
type DayValue = { format(f: string): string } | null;

export function SettlementsPage() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const merchantId = usePortalMerchantId();
  const [range, setRange] = useState<[DayValue, DayValue] | null>(null);
  const query = { from: range?.[0]?.format('YYYY-MM-DD'), to: range?.[1]?.format('YYYY-MM-DD') };
  const base = merchantId ? `/v1/merchants/${encodeURIComponent(merchantId)}/settlements` : null;
  const list = useApiGet<Statement[]>(base ? withQuery(base, query) : null);
  const csv = async () => {
    if (!base) return;
    try { await download(`${base}.csv`, `settlements_${merchantId}.csv`, query); } catch (e) {
      void message.error(e instanceof ApiError ? e.message : String(e));
    }
  };
  const money = (v: number) => <Money fen={v} />;
  return (
    <Card title={t('settlement.title')} extra={<Button onClick={() => { void csv(); }} disabled={!base} data-testid="csv">{t('settlement.csv')}</Button>}>
      <Space style={{ marginBottom: 16 }}>
        <DatePicker.RangePicker onChange={(v) => setRange(v as [DayValue, DayValue] | null)} />
      </Space>
      <ErrorAlert error={list.error} />
      <Table<Statement> rowKey="date" size="small" loading={list.loading} dataSource={rowsOf(list.data)} scroll={{ x: true }}
        locale={{ emptyText: t('common.empty') }} pagination={{ pageSize: 31, hideOnSinglePage: true }}
        columns={[
          { title: t('common.date'), dataIndex: 'date' },
          { title: t('settlement.gross'), dataIndex: 'gross', align: 'right', render: money },
          { title: t('settlement.fees'), dataIndex: 'fees', align: 'right', render: money, responsive: ['sm'] },
          { title: t('settlement.voids'), dataIndex: 'voids', align: 'right', render: money, responsive: ['md'] },
          { title: t('settlement.refunds'), dataIndex: 'refunds', align: 'right', render: money, responsive: ['md'] },
          { title: t('settlement.deposit'), dataIndex: 'depositDeduction', align: 'right', render: money, responsive: ['lg'] },
          { title: t('settlement.net'), dataIndex: 'net', align: 'right', render: money },
        ]} />
    </Card>
  );
}
