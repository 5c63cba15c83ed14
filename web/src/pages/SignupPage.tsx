// Merchant sign-up (public): login name, password, phone, merchant type and name. The server makes
// a draft merchant with its owner account and logs the owner in; the registration wizard follows.
import { Alert, Button, Form, Input, Radio, Space, Typography } from 'antd';
import { useState } from 'react';
import { ApiError } from '../lib/api';
import { clearDraft } from '../lib/drafts';
import { showFormError } from '../lib/errors';
import { useI18n } from '../lib/i18n';
import { Link, useRouter } from '../lib/router';
import { PublicFrame } from '../components/PublicFrame';
import { useSession, type SignupInput } from '../session';

interface SignupForm extends SignupInput { passwordAgain: string }

export function SignupPage() {
  const { t } = useI18n();
  const { navigate } = useRouter();
  const { signup } = useSession();
  const [form] = Form.useForm<SignupForm>();
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async ({ passwordAgain: _again, ...input }: SignupForm) => {
    setBusy(true);
    setError(null);
    try {
      await signup(input);
      // A new merchant starts the wizard afresh, whatever an earlier visitor left on this device.
      for (const name of ['merchant-onboarding', 'merchant-onboarding.step', 'merchant-onboarding.id']) clearDraft(name);
      navigate('/portal/onboarding', { replace: true });
    } catch (caught) {
      showFormError(form, caught, setError);
    } finally {
      setBusy(false);
    }
  };

  const required = [{ required: true, message: t('login.required') }];
  return (
    <PublicFrame title={t('signup.title')} width={480}>
      <Typography.Paragraph type="secondary">{t('signup.intro')}</Typography.Paragraph>
      {error && <Alert type="error" showIcon title={error.message} style={{ marginBottom: 16 }} data-testid="signup-error" />}
      <Form form={form} layout="vertical" onFinish={(v) => { void submit(v); }} initialValues={{ type: 'individual' }}>
        <Form.Item name="type" label={t('onboarding.type')} rules={required}>
          <Radio.Group options={[{ value: 'individual', label: t('onboarding.individual') }, { value: 'enterprise', label: t('onboarding.enterprise') }]} />
        </Form.Item>
        <Form.Item name="legalName" label={t('onboarding.legalName')} rules={required}><Input maxLength={128} /></Form.Item>
        <Form.Item name="phone" label={t('onboarding.phone')} rules={required}><Input inputMode="tel" maxLength={20} autoComplete="tel" /></Form.Item>
        <Form.Item name="login" label={t('login.login')} rules={required} extra={t('signup.loginHint')}>
          <Input autoComplete="username" maxLength={64} />
        </Form.Item>
        <Form.Item name="password" label={t('login.password')} rules={required} extra={t('signup.passwordHint')}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item name="passwordAgain" label={t('signup.passwordAgain')} dependencies={['password']} rules={[...required, ({ getFieldValue }) => ({
          validator: (_, value) => (!value || value === getFieldValue('password') ? Promise.resolve() : Promise.reject(new Error(t('signup.passwordMismatch')))),
        })]}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={busy} data-testid="signup-submit">{t('signup.submit')}</Button>
      </Form>
      <Space orientation="vertical" style={{ marginTop: 16 }}>
        <Link to="/login">{t('signup.haveAccount')}</Link>
        <Link to="/verify">{t('login.verifyLink')}</Link>
      </Space>
    </PublicFrame>
  );
}
