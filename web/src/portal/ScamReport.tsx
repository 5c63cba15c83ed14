// "I did not expect this" (SPEC §7, §12): one button on a re-activation case or an inbox message
// reports a suspected scam. The server opens an urgent fraud ticket (and pauses the case's
// deadline); the button then shows that ticket and, for a case, the outcome of the check.
import { App, Button, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { api, ApiError } from '../lib/api';
import { useDraft } from '../lib/drafts';
import { tOr, useI18n } from '../lib/i18n';
import { useApiGet } from '../components/common';

interface TicketView { id: string; status: string; priority: string; fraud: boolean }
export interface DisputeView { status: 'under_review' | 'genuine' | 'fraud' | string; ticketId: string; pausedSince: string | null }

const outcomeColors: Record<string, string> = { under_review: 'orange', genuine: 'blue', fraud: 'red' };

export function DisputeOutcome({ dispute }: { dispute: DisputeView }) {
  const { t } = useI18n();
  return (
    <Space wrap size={4} data-testid="dispute-outcome">
      <Tag color={outcomeColors[dispute.status] ?? 'default'}>{tOr(t, `scam.outcome.${dispute.status}`, dispute.status)}</Tag>
      <Typography.Text type="secondary">{tOr(t, `scam.outcomeHint.${dispute.status}`, '')}</Typography.Text>
    </Space>
  );
}

function ReportedTicket({ ticketId }: { ticketId: string }) {
  const { t } = useI18n();
  const ticket = useApiGet<TicketView>(`/v1/tickets/${encodeURIComponent(ticketId)}`);
  return (
    <Space wrap size={4} data-testid="scam-reported">
      <Tag color="red">{t('scam.reported')}</Tag>
      <Typography.Text type="secondary">{t('scam.ticket', { id: ticketId })}</Typography.Text>
      {ticket.data && <Tag>{tOr(t, `ticket.status.${ticket.data.status}`, ticket.data.status)}</Tag>}
    </Space>
  );
}

export function ScamReportButton({ caseId, noticeCode, merchantId, onReported }: {
  caseId?: string; noticeCode?: string; merchantId?: string | null; onReported?: () => void;
}) {
  const { t } = useI18n();
  const { message } = App.useApp();
  // Remembered on this device, so the merchant sees the report (and its ticket) again later.
  const [ticketId, setTicketId] = useDraft<string | null>(`scam-report.${caseId ?? noticeCode ?? 'none'}`, null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  if (ticketId) return <ReportedTicket ticketId={ticketId} />;
  const report = async () => {
    setBusy(true); setError(null);
    try {
      const answer = await api<{ ticket: TicketView; casePaused: boolean }>('POST', '/v1/scam-reports', {
        body: { ...(caseId ? { caseId } : {}), ...(noticeCode ? { noticeCode } : {}), ...(merchantId ? { merchantId } : {}) },
      });
      setTicketId(answer.ticket.id);
      void message.success(t(answer.casePaused ? 'scam.reportedPaused' : 'reactivation.reported'));
      onReported?.();
    } catch (caught) { setError(caught instanceof ApiError ? caught : new ApiError(0, null)); } finally { setBusy(false); }
  };
  return (
    <Space wrap size={4}>
      <Button danger size="small" loading={busy} onClick={() => { void report(); }} data-testid="scam-report">{t('scam.button')}</Button>
      {error && <Typography.Text type="danger">{error.message}</Typography.Text>}
    </Space>
  );
}
