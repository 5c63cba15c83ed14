// Two-factor enrolment (SPEC §13: TOTP is required for operators). The server draws the otpauth
// QR code; the secret is also shown for manual entry. A current code confirms the enrolment and
// lets this session through.
import { Alert, Button, Form, Image, Input, Space, Spin, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { api, ApiError } from '../lib/api';
import { showFormError } from '../lib/errors';
import { useI18n } from '../lib/i18n';
import { isOperatorRole } from '../lib/auth';
import { useRouter } from '../lib/router';
import { PublicFrame } from '../components/PublicFrame';
import { useSession } from '../session';

interface Enrolment { secret: string; otpauthUrl: string; qrCodeDataUrl: string }

export function TotpEnrollPage() {
  const { t } = useI18n();
  const { search, navigate } = useRouter();
  const { identity, totpEnrolled, logout } = useSession();
  const [form] = Form.useForm<{ code: string }>();
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const next = search.get('next');
  const home = isOperatorRole(identity?.role ?? null) ? '/console' : '/portal';
  const target = next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/enroll-totp') ? next : home;

  useEffect(() => {
    let cancelled = false;
    api<Enrolment>('POST', '/v1/auth/totp/enroll')
      .then((answer) => { if (!cancelled) setEnrolment(answer); })
      .catch((caught: unknown) => { if (!cancelled) setError(caught instanceof ApiError ? caught : new ApiError(0, null)); });
    return () => { cancelled = true; };
  }, []);

  const confirm = async ({ code }: { code: string }) => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/v1/auth/totp/confirm', { body: { code: code.trim() } });
      totpEnrolled();
      navigate(target, { replace: true });
    } catch (caught) {
      showFormError(form, caught, setError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <PublicFrame title={t('totp.title')} width={480}>
      <Typography.Paragraph>{t('totp.intro')}</Typography.Paragraph>
      {error && <Alert type="error" showIcon title={error.message} style={{ marginBottom: 16 }} data-testid="totp-error" />}
      {!enrolment && !error && <div style={{ textAlign: 'center', padding: 24 }}><Spin /></div>}
      {enrolment && (
        <Space orientation="vertical" style={{ width: '100%' }} size="middle">
          <ol style={{ paddingInlineStart: 20, margin: 0 }}>
            <li>{t('totp.step1')}</li>
            <li>{t('totp.step2')}</li>
            <li>{t('totp.step3')}</li>
          </ol>
          <div style={{ textAlign: 'center' }}>
            <Image src={enrolment.qrCodeDataUrl} alt={t('totp.qrAlt')} width={200} preview={false} data-testid="totp-qr" />
          </div>
          <Typography.Text type="secondary">{t('totp.manual')}</Typography.Text>
          <Typography.Text code copyable data-testid="totp-secret">{enrolment.secret}</Typography.Text>
          <Form form={form} layout="vertical" onFinish={(v) => { void confirm(v); }}>
            <Form.Item name="code" label={t('totp.code')} rules={[{ required: true, message: t('login.required') }, { pattern: /^\d{6}$/, message: t('totp.codeFormat') }]}>
              <Input inputMode="numeric" maxLength={6} autoComplete="one-time-code" data-testid="totp-code" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={busy} data-testid="totp-confirm">{t('totp.confirm')}</Button>
          </Form>
        </Space>
      )}
      <Button type="link" onClick={() => { void logout(); }} style={{ marginTop: 16, paddingInline: 0 }}>{t('common.logout')}</Button>
    </PublicFrame>
  );
}
