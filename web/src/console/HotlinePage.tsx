// Hotline desk: look up a caller by phone, terminal SN or merchant id, see each terminal's
// activation progress and self-test, verify the caller with a one-time code to the registered
// phone, then send the activation code by SMS (the agent never sees it).
import { Alert, App, Button, Card, Collapse, Descriptions, Form, Input, Progress, Select, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { api, ApiError, newIdempotencyKey, withQuery } from '../lib/api';
import { tOr, useI18n } from '../lib/i18n';
import type { MessageKey } from '../lib/messages';
import { ErrorAlert, MerchantStatusTag, RiskTag, TerminalStatusBadge, useApiGet, useFormatTime } from '../components/common';
import { ActivationCard } from '../portal/TerminalDetailPage';
import type { TerminalView } from '../portal/TerminalsPage';
import { showFormError } from '../lib/errors';

interface LookupAnswer {
  data: {
    merchant: { id: string; mid: string | null; legalName: string; status: string; phone: string | null; riskLevel: string | null };
    terminals: (Pick<TerminalView, 'sn' | 'status' | 'modelCode' | 'activatedAt' | 'reactivation'> & { lastSeenAt: string | null })[];
    openTickets: { id: string; subject?: string; priority?: string; status: string }[];
  }[];
}

function TerminalActions({ sn }: { sn: string }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [error, setError] = useState<ApiError | null>(null);
  const [verification, setVerification] = useState<{ expiresAt: string; sentTo: string | null } | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const [form] = Form.useForm<{ verificationCode: string }>();
  const path = `/v1/terminals/${encodeURIComponent(sn)}`;
  const run = async (fn: () => Promise<void>) => {
    setError(null);
    try { await fn(); } catch (caught) {
      showFormError(form, caught, setError, (f) => f);
    }
  };
  const sendOtp = () => run(async () => {
    setVerification(await api<{ expiresAt: string; sentTo: string | null }>('POST', `${path}/hotline/verify`));
    void message.success(t('hotline.otpSent'));
  });
  const confirm = ({ verificationCode }: { verificationCode: string }) => run(async () => {
    const answer = await api<{ expiresAt: string }>('POST', `${path}/hotline/confirm`, { body: { verificationCode: verificationCode.trim() } });
    setSent(answer.expiresAt); setVerification(null); form.resetFields();
  });
  const smsCode = () => run(async () => {
    const answer = await api<{ expiresAt: string }>('POST', `${path}/activation-codes`, { body: { channel: 'sms' }, idempotencyKey: newIdempotencyKey() });
    setSent(answer.expiresAt);
  });
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Alert type="warning" showIcon title={t('hotline.neverRead')} />
      <ErrorAlert error={error} />
      <Space wrap>
        <Button onClick={() => { void sendOtp(); }} data-testid={`hotline-verify-${sn}`}>{t('hotline.sendOtp')}</Button>
        <Button onClick={() => { void smsCode(); }}>{t('hotline.smsCode')}</Button>
      </Space>
      {verification && (
        <Form form={form} layout="inline" onFinish={confirm} style={{ rowGap: 8 }}>
          <Typography.Text type="secondary">{t('hotline.otpSent')} {verification.sentTo ?? ''}</Typography.Text>
          <Form.Item name="verificationCode" rules={[{ required: true, message: t('login.required') }]}>
            <Input maxLength={8} inputMode="numeric" placeholder={t('hotline.otpPlaceholder')} style={{ width: 200 }} />
          </Form.Item>
          <Button type="primary" htmlType="submit">{t('hotline.verifyOtp')}</Button>
        </Form>
      )}
      {sent && <Alert type="success" showIcon title={t('hotline.smsSent')} description={`${t('activation.expiresIn')}: ${new Date(sent).toLocaleString()}`} />}
    </Space>
  );
}

/** The six-step progress at a glance, in the terminal's row (the full card opens below it). */
function ProgressAtGlance({ sn }: { sn: string }) {
  const progress = useApiGet<{ progressPercent: number; steps: { status: string }[] }>(`/v1/terminals/${encodeURIComponent(sn)}/activation`);
  if (!progress.data) return null;
  const blocked = progress.data.steps.some((s) => s.status === 'blocked');
  return <Progress percent={progress.data.progressPercent} size="small" style={{ width: 120, margin: 0 }} data-testid={`hotline-progress-${sn}`}
    status={blocked ? 'exception' : progress.data.progressPercent === 100 ? 'success' : 'active'} />;
}

type LookupBy = 'phone' | 'sn' | 'merchantId';
const placeholders: Record<LookupBy, MessageKey> = { phone: 'hotline.phone', sn: 'hotline.sn', merchantId: 'terminals.merchantId' };

export function HotlinePage() {
  const { t } = useI18n();
  const formatTime = useFormatTime();
  const [by, setBy] = useState<LookupBy>('phone');
  const [looked, setLooked] = useState<string | null>(null);
  const [answer, setAnswer] = useState<LookupAnswer | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const lookup = async (value: string) => {
    setLooked(value); setError(null); setAnswer(null);
    try { setAnswer(await api<LookupAnswer>('GET', withQuery('/v1/hotline/lookup', { [by]: value.trim() }))); }
    catch (caught) { setError(caught instanceof ApiError ? caught : new ApiError(0, null)); }
  };
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Card title={t('hotline.title')}>
        <Space.Compact style={{ width: '100%' }}>
          <Select<LookupBy> value={by} onChange={setBy} style={{ width: 130 }} data-testid="hotline-by" options={[
            { value: 'phone', label: t('hotline.byPhone') }, { value: 'sn', label: t('hotline.bySn') }, { value: 'merchantId', label: t('hotline.byMerchant') },
          ]} />
          <Input.Search placeholder={t(placeholders[by])} enterButton={t('hotline.lookup')} inputMode={by === 'phone' ? 'tel' : 'text'}
            maxLength={by === 'phone' ? 11 : 64} onSearch={(v) => { void lookup(v); }} data-testid="hotline-phone" />
        </Space.Compact>
        <div style={{ marginTop: 16 }}><ErrorAlert error={error} /></div>
        {answer && answer.data.length === 0 && <Alert type="info" title={`${t('hotline.noMatch')}: ${looked ?? ''}`} />}
      </Card>
      {answer?.data.map(({ merchant, terminals, openTickets }) => (
        <Card key={merchant.id} title={<Space wrap>{merchant.legalName}<MerchantStatusTag status={merchant.status} /><RiskTag level={merchant.riskLevel} /></Space>}>
          <Descriptions size="small" column={{ xs: 1, md: 3 }}>
            <Descriptions.Item label="MID">{merchant.mid ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={t('onboarding.phone')}>{merchant.phone ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={t('hotline.tickets')}>{openTickets.length}</Descriptions.Item>
          </Descriptions>
          <Collapse items={terminals.map((terminal) => ({
            key: terminal.sn,
            label: <Space wrap><Typography.Text strong>{terminal.sn}</Typography.Text><TerminalStatusBadge status={terminal.status} />
              <ProgressAtGlance sn={terminal.sn} />
              {terminal.reactivation && <Tag color="orange">{tOr(t, `reason.${terminal.reactivation.reason}`, terminal.reactivation.reason)}</Tag>}
              <Typography.Text type="secondary">{formatTime(terminal.lastSeenAt)}</Typography.Text></Space>,
            children: (
              <Space orientation="vertical" style={{ width: '100%' }}>
                <TerminalActions sn={terminal.sn} />
                <ActivationCard sn={terminal.sn} terminal={{ ...terminal, merchantId: merchant.id, tid: null }} />
              </Space>
            ),
          }))} />
        </Card>
      ))}
    </Space>
  );
}
