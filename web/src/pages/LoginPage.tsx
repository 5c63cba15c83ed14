// Log-in with an API key (until every merchant has a user account) or with password and TOTP.
// Links to the public notice check, so a worried merchant finds it before logging in.
import { Alert, Button, Form, Input, Space, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { ApiError } from '../lib/api';
import { isOperatorRole, type Identity } from '../lib/auth';
import { toNamePath } from '../lib/errors';
import { useI18n } from '../lib/i18n';
import { Link, useRouter } from '../lib/router';
import { PublicFrame } from '../components/PublicFrame';
import { useSession } from '../session';

export function LoginPage() {
  const { t } = useI18n();
  const { search, navigate } = useRouter();
  const { loginWithKey, loginWithPassword } = useSession();
  const [keyForm] = Form.useForm<{ apiKey: string }>();
  const [passwordForm] = Form.useForm<{ login: string; password: string; totp?: string }>();
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  // The second step of a password log-in, shown once the server asks for the authenticator code.
  const [totpStep, setTotpStep] = useState(false);
  const next = search.get('next');

  const finish = async (attempt: () => Promise<Identity>) => {
    setBusy(true);
    setError(null);
    try {
      const identity = await attempt();
      const home = isOperatorRole(identity.role) ? '/console' : '/portal';
      const target = next && next.startsWith('/') && !next.startsWith('//') ? next : home;
      navigate(identity.mustEnrollTotp ? `/enroll-totp?next=${encodeURIComponent(target)}` : target, { replace: true });
    } catch (caught) {
      const apiError = caught instanceof ApiError ? caught : new ApiError(0, null);
      if (apiError.code === 'mfa_required' && !totpStep) {
        setTotpStep(true);
        return;
      }
      setError(apiError);
      passwordForm.setFields(Object.entries(apiError.fields).map(([field, message]) => ({ name: toNamePath(field) as never, errors: [message] })));
    } finally {
      setBusy(false);
    }
  };

  const keyTab = (
    <Form form={keyForm} layout="vertical" onFinish={(v) => finish(() => loginWithKey(v.apiKey))}>
      <Form.Item name="apiKey" label={t('login.apiKey')} rules={[{ required: true, message: t('login.required') }]}>
        <Input.Password placeholder={t('login.apiKeyPlaceholder')} autoComplete="off" data-testid="api-key" />
      </Form.Item>
      <Alert type="warning" showIcon title={t('login.apiKeyNote')} style={{ marginBottom: 16 }} />
      <Button type="primary" htmlType="submit" block loading={busy} data-testid="login-submit">{t('login.submit')}</Button>
    </Form>
  );
  const passwordTab = (
    <Form form={passwordForm} layout="vertical" onFinish={(v) => finish(() => loginWithPassword(v))}>
      <Form.Item name="login" label={t('login.login')} rules={[{ required: true, message: t('login.required') }]}>
        <Input autoComplete="username" />
      </Form.Item>
      <Form.Item name="password" label={t('login.password')} rules={[{ required: true, message: t('login.required') }]}>
        <Input.Password autoComplete="current-password" />
      </Form.Item>
      {totpStep && (
        <>
          <Alert type="info" showIcon title={t('login.totpStep')} style={{ marginBottom: 16 }} data-testid="totp-step" />
          <Form.Item name="totp" label={t('login.totp')} rules={[{ required: true, message: t('login.required') }]}>
            <Input inputMode="numeric" maxLength={6} autoComplete="one-time-code" autoFocus data-testid="login-totp" />
          </Form.Item>
        </>
      )}
      <Button type="primary" htmlType="submit" block loading={busy}>{t('login.submit')}</Button>
    </Form>
  );
  return (
    <PublicFrame title={t('login.title')} width={440}>
      {search.get('expired') && <Alert type="info" showIcon title={t('login.sessionExpired')} style={{ marginBottom: 16 }} />}
      {error && <Alert type="error" showIcon title={error.message} style={{ marginBottom: 16 }} data-testid="login-error" />}
      <Tabs items={[
        { key: 'key', label: t('login.apiKeyTab'), children: keyTab },
        { key: 'password', label: t('login.passwordTab'), children: passwordTab },
      ]} />
      <Space orientation="vertical" style={{ marginTop: 16 }}>
        <Link to="/signup"><Typography.Text strong>{t('login.signupLink')}</Typography.Text></Link>
        <Link to="/verify"><Typography.Text strong>🛡 {t('login.verifyLink')}</Typography.Text></Link>
        <Link to="/help">{t('login.helpLink')}</Link>
      </Space>
    </PublicFrame>
  );
}
