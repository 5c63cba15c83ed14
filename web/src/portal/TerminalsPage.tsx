// The merchant's terminals with status badges and any open re-activation reason.
import { Button, Card, Table, Tag } from 'antd';
import { withQuery } from '../lib/api';
import { tOr, useI18n } from '../lib/i18n';
import { useRouter } from '../lib/router';
import { ErrorAlert, TerminalStatusBadge, rowsOf, useApiGet, useFormatTime } from '../components/common';
import { usePortalMerchantId } from './merchant';

export interface TerminalView {
  sn: string; modelCode: string; status: string; merchantId: string | null; tid: string | null;
  firmwareVersion?: string | null; activatedAt: string | null;
  reactivation: { caseId: string; reason: string; policy: string; deadline: string | null } | null;
}

export function TerminalsPage() {
  const { t } = useI18n();
  const { navigate } = useRouter();
  const formatTime = useFormatTime();
  const merchantId = usePortalMerchantId();
  const list = useApiGet<{ data: TerminalView[] }>(withQuery('/v1/terminals', { merchantId, limit: 100 }));
  return (
    <Card title={t('terminals.title')} extra={<Button onClick={list.reload}>{t('common.refresh')}</Button>}>
      <ErrorAlert error={list.error} />
      <Table<TerminalView> rowKey="sn" loading={list.loading} dataSource={rowsOf(list.data)} scroll={{ x: true }}
        locale={{ emptyText: t('terminals.none') }} pagination={{ pageSize: 20, hideOnSinglePage: true }}
        onRow={(row) => ({ onClick: () => navigate(`/portal/terminals/${encodeURIComponent(row.sn)}`), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('terminals.sn'), dataIndex: 'sn', render: (sn: string) => <span data-testid="terminal-sn">{sn}</span> },
          { title: t('terminals.model'), dataIndex: 'modelCode', responsive: ['sm'] },
          { title: t('common.status'), dataIndex: 'status', render: (s: string) => <TerminalStatusBadge status={s} /> },
          {
            title: t('terminals.reactivation'), dataIndex: 'reactivation', responsive: ['md'],
            render: (r: TerminalView['reactivation']) => (r ? <Tag color={r.policy === 'blocking' ? 'red' : 'orange'}>{tOr(t, `reason.${r.reason}`, r.reason)}</Tag> : '—'),
          },
          { title: t('terminals.activatedAt'), dataIndex: 'activatedAt', responsive: ['lg'], render: (v: string | null) => formatTime(v) },
        ]} />
    </Card>
  );
}
