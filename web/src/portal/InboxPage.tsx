// In-portal inbox: every message with its notice code, so it can be checked at /verify, and the
// "I did not expect this" report on each one.
import { Card, List, Space, Tag, Typography } from 'antd';
import { withQuery } from '../lib/api';
import { tOr, useI18n } from '../lib/i18n';
import { Link } from '../lib/router';
import { noticeCodeIn } from '../lib/notice';
import { ErrorAlert, rowsOf, useApiGet, useFormatTime } from '../components/common';
import { usePortalMerchantId } from './merchant';
import { ScamReportButton } from './ScamReport';

interface InboxMessage { id: string; subject?: string; title?: string; body?: string; text?: string; noticeCode?: string; channel?: string; createdAt?: string; sentAt?: string }

export function InboxPage() {
  const { t } = useI18n();
  const formatTime = useFormatTime();
  const merchantId = usePortalMerchantId();
  const inbox = useApiGet<{ data: InboxMessage[] }>(merchantId ? withQuery(`/v1/merchants/${encodeURIComponent(merchantId)}/inbox`, { limit: 50 }) : null);
  return (
    <Card title={t('inbox.title')}>
      <ErrorAlert error={inbox.error} />
      <List loading={inbox.loading} dataSource={rowsOf(inbox.data)} locale={{ emptyText: t('common.empty') }}
        renderItem={(m) => {
          const code = m.noticeCode ?? noticeCodeIn(m.body ?? m.text ?? '');
          return (
          <List.Item data-testid="inbox-item">
            <List.Item.Meta title={m.subject ?? m.title} description={
              <Space orientation="vertical" size={0}>
                <Typography.Text>{m.body ?? m.text}</Typography.Text>
                <Space wrap>
                  <Typography.Text type="secondary">{formatTime(m.createdAt ?? m.sentAt)}</Typography.Text>
                  {m.channel && <Tag>{tOr(t, `channel.${m.channel}`, m.channel)}</Tag>}
                  {code && <Link to={`/verify?code=${encodeURIComponent(code)}`}>{t('inbox.verifyThis')} ({code})</Link>}
                </Space>
                {code && <ScamReportButton noticeCode={code} merchantId={merchantId} />}
              </Space>
            } />
          </List.Item>
          );
        }} />
    </Card>
  );
}
