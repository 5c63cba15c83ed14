// Public notice check (/verify): anyone pastes the notice code printed in a message and learns
// whether we really sent it. A code that matches nothing gets scam guidance, never details.
import { Alert, Button, Descriptions, Form, Input, List, Space } from 'antd';
import { useEffect, useState } from 'react';
import { api, ApiError } from '../lib/api';
import { tOr, useI18n } from '../lib/i18n';
import { Link, useRouter } from '../lib/router';
import { PublicFrame } from '../components/PublicFrame';
import { useFormatTime } from '../components/common';

interface NoticeAnswer { genuine: boolean; channel?: string; sentAt?: string; recipient?: string; subject?: string }

export function VerifyPage() {
  const { t } = useI18n();
  const { search } = useRouter();
  const formatTime = useFormatTime();
  const [result, setResult] = useState<NoticeAnswer | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const check = async ({ code }: { code: string }) => {
    setBusy(true); setError(null); setResult(null);
    try {
      const cleaned = code.trim();
      setResult(await api<NoticeAnswer>('GET', `/v1/public/notices/${encodeURIComponent(cleaned)}`));
    } catch (caught) {
      const apiError = caught instanceof ApiError ? caught : new ApiError(0, null);
      // Any 404 — a code that matches nothing, whatever its form — means "not genuine".
      if (apiError.status === 404) setResult({ genuine: false });
      else setError(apiError);
    } finally {
      setBusy(false);
    }
  };

  // Opened from a message's link (/verify?code=…): check at once.
  const initialCode = search.get('code');
  useEffect(() => {
    if (initialCode) void check({ code: initialCode });
  }, [initialCode]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <PublicFrame title={t('verify.title')}>
      <p>{t('verify.intro')}</p>
      <Form layout="vertical" onFinish={check} initialValues={{ code: search.get('code') ?? '' }}>
        <Form.Item name="code" label={t('verify.codeLabel')} rules={[{ required: true, whitespace: true, message: t('verify.required') }]}>
          <Input placeholder={t('verify.codePlaceholder')} maxLength={64} autoComplete="off" data-testid="notice-code" size="large" />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy} block size="large" data-testid="notice-check">{t('verify.check')}</Button>
      </Form>
      <div style={{ marginTop: 24 }} data-testid="notice-result">
        {error && <Alert type="error" showIcon title={error.message} />}
        {result?.genuine === true && (
          <Space orientation="vertical" style={{ width: '100%' }}>
            <Alert type="success" showIcon title={t('verify.genuine')} description={t('verify.genuineDesc')} />
            <Descriptions column={1} bordered size="small">
              <Descriptions.Item label={t('verify.channel')}>{tOr(t, `channel.${result.channel ?? ''}`, result.channel ?? '—')}</Descriptions.Item>
              <Descriptions.Item label={t('verify.sentAt')}>{formatTime(result.sentAt)}</Descriptions.Item>
              <Descriptions.Item label={t('verify.recipient')}>{result.recipient ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('verify.subject')}>{result.subject ?? '—'}</Descriptions.Item>
            </Descriptions>
          </Space>
        )}
        {result?.genuine === false && (
          <Space orientation="vertical" style={{ width: '100%' }}>
            <Alert type="error" showIcon title={t('verify.notGenuine')} description={t('verify.notGenuineDesc')} />
            <List size="small" bordered dataSource={[t('verify.guidance1'), t('verify.guidance2'), t('verify.guidance3')]}
              renderItem={(item) => <List.Item>{item}</List.Item>} />
          </Space>
        )}
      </div>
      <div style={{ marginTop: 24 }}><Link to="/login">{t('verify.backToLogin')}</Link></div>
    </PublicFrame>
  );
}
