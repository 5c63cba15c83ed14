// Registration and KYC wizard: the form is a draft on this device (localStorage) and on the server
// (POST/PATCH /v1/merchants), documents are uploaded per kind, and only what is still missing is
// asked for. Server field errors appear next to their fields, on the step that holds them.
import { Alert, App, Button, Card, Col, Form, Input, Radio, Result, Row, Space, Steps, Tag, Upload } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { api, ApiError } from '../lib/api';
import { authHeaders } from '../lib/auth';
import { clearDraft, readDraft, writeDraft } from '../lib/drafts';
import { untouchedFields } from '../lib/form-fields';
import { clearableFields, draftBody } from './merchant-draft';
import { toNamePath } from '../lib/errors';
import { tOr, useI18n } from '../lib/i18n';
import type { MessageKey } from '../lib/messages';
import { ErrorAlert, MerchantStatusTag, RiskTag, useApiGet } from '../components/common';
import { usePortalMerchantId } from './merchant';

interface MerchantForm {
  type: 'individual' | 'enterprise'; legalName: string; phone: string; email: string;
  idName: string; idNumber: string; idExpiry: string; uscc?: string; licenseName?: string; licenseExpiry?: string;
  mcc: string; address: { province: string; city: string; cityCode: string; district: string; line: string };
  settlementAccount: { bank: string; number: string; holder: string };
}
interface MerchantView extends Partial<MerchantForm> { id: string; status: string; risk?: { score: number; level: string; reasons: (string | { code: string })[] } }
interface MissingItem { field: string; reason: 'missing' | 'expired' | 'expiring'; expiresOn?: string }
interface MissingView { complete?: boolean; data: MissingItem[] }

const draftName = 'merchant-onboarding';
const stepFields: string[][] = [
  ['type', 'legalName', 'phone', 'email'],
  ['idName', 'idNumber', 'idExpiry', 'uscc', 'licenseName', 'licenseExpiry'],
  ['mcc', 'address.province', 'address.city', 'address.cityCode', 'address.district', 'address.line'],
  ['settlementAccount.bank', 'settlementAccount.number', 'settlementAccount.holder'],
  [],
  [],
];
const documentKinds = ['id_front', 'id_back', 'license', 'storefront', 'bank_card'];

function stepOfField(field: string): number {
  const index = stepFields.findIndex((names) => names.includes(field) || names.includes(field.split('.')[0] ?? field));
  return index < 0 ? 0 : index;
}

export function OnboardingPage() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const ownMerchantId = usePortalMerchantId();
  const [form] = Form.useForm<MerchantForm>();
  const [step, setStep] = useState(() => readDraft<{ step: number }>(`${draftName}.step`)?.step ?? 0);
  const [merchantId, setMerchantId] = useState<string | null>(() => ownMerchantId ?? readDraft<string>(`${draftName}.id`));
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [submitted, setSubmitted] = useState<MerchantView | null>(null);
  const merchant = useApiGet<MerchantView>(merchantId ? `/v1/merchants/${encodeURIComponent(merchantId)}` : null);
  const missing = useApiGet<MissingView>(merchantId ? `/v1/merchants/${encodeURIComponent(merchantId)}/missing` : null);
  const type = Form.useWatch('type', form) ?? 'individual';

  useEffect(() => {
    const draft = readDraft<Partial<MerchantForm>>(draftName);
    if (draft) form.setFieldsValue(draft as MerchantForm);
    else if (merchant.data) {
      // The server's record fills the form, but never over what the user has typed meanwhile.
      form.setFields(untouchedFields(merchant.data as unknown as Record<string, unknown>, (path) => form.isFieldTouched(path as never)) as never);
    }
  }, [form, merchant.data]);
  // Until the saved record has arrived the form is read-only: typing into it would be overwritten.
  const loadingRecord = merchantId !== null && merchant.data === null && merchant.error === null;
  useEffect(() => { writeDraft(`${draftName}.step`, { step }); }, [step]);

  const missingSet = useMemo(() => new Set((missing.data?.data ?? []).map((m) => m.field)), [missing.data]);
  // A field is on file when the server has it and does not list it as missing or expired.
  const onFile = (path: string) => merchant.data !== null && missing.data !== null && !missingSet.has(path);
  const extraFor = (path: string) => (onFile(path) ? t('onboarding.onFile') : undefined);

  const showErrors = (apiError: ApiError) => {
    const entries = Object.entries(apiError.fields);
    if (entries.length === 0) { setError(apiError); return; }
    form.setFields(entries.map(([field, text]) => ({ name: toNamePath(field) as never, errors: [text] })));
    setStep(stepOfField(entries[0]![0]));
  };

  const saveDraft = async (): Promise<string | null> => {
    setBusy(true); setError(null);
    const values = form.getFieldsValue(true) as MerchantForm;
    const cleared = clearableFields.filter((name) => form.isFieldTouched(name));
    try {
      const saved = merchantId
        ? await api<MerchantView>('PATCH', `/v1/merchants/${encodeURIComponent(merchantId)}`, { body: draftBody(values, false, cleared) })
        : await api<MerchantView>('POST', '/v1/merchants', { body: draftBody(values, true) });
      setMerchantId(saved.id);
      writeDraft(`${draftName}.id`, saved.id);
      void message.success(t('onboarding.draftSaved', { id: saved.id }));
      missing.reload();
      return saved.id;
    } catch (caught) {
      showErrors(caught instanceof ApiError ? caught : new ApiError(0, null));
      return null;
    } finally { setBusy(false); }
  };

  const submit = async () => {
    const id = await saveDraft();
    if (!id) return;
    setBusy(true);
    try {
      const answer = await api<MerchantView>('POST', `/v1/merchants/${encodeURIComponent(id)}/submit`);
      setSubmitted(answer);
      clearDraft(draftName); clearDraft(`${draftName}.step`);
    } catch (caught) {
      showErrors(caught instanceof ApiError ? caught : new ApiError(0, null));
    } finally { setBusy(false); }
  };

  const next = async () => {
    // Only this step's fields are checked; the others may still be empty in a draft.
    const names = (stepFields[step] ?? []).map((f) => f.split('.'));
    try { if (names.length > 0) await form.validateFields(names as never); setStep(step + 1); } catch { /* errors show */ }
  };

  if (submitted) {
    return (
      <Card>
        <Result status={submitted.status === 'rejected' ? 'error' : submitted.status === 'approved' ? 'success' : 'info'}
          title={<span data-testid="onboarding-result">{t('onboarding.submitted', { status: tOr(t, `merchantStatus.${submitted.status}`, submitted.status) })}</span>}
          subTitle={submitted.risk && <span>{t('onboarding.risk', { level: tOr(t, `riskLevel.${submitted.risk.level}`, submitted.risk.level), score: submitted.risk.score })} <RiskTag level={submitted.risk.level} /></span>}
          extra={<Space orientation="vertical">
            {merchantId && <Tag>{merchantId}</Tag>}
            {(submitted.risk?.reasons ?? []).map((r, i) => <Tag key={i} color="orange">{typeof r === 'string' ? r : r.code}</Tag>)}
          </Space>} />
      </Card>
    );
  }

  const required = [{ required: true, message: t('login.required') }];
  const item = (name: string | string[], label: MessageKey, input = <Input />, rules = required) => (
    <Col xs={24} md={12}>
      <Form.Item name={name} label={t(label)} rules={onFile(Array.isArray(name) ? name.join('.') : name) ? [] : rules} extra={extraFor(Array.isArray(name) ? name.join('.') : name)}>{input}</Form.Item>
    </Col>
  );
  const panes = [
    <Row gutter={16} key="0">
      <Col xs={24}>
        <Form.Item name="type" label={t('onboarding.type')} rules={required} initialValue="individual">
          <Radio.Group options={[{ value: 'individual', label: t('onboarding.individual') }, { value: 'enterprise', label: t('onboarding.enterprise') }]} />
        </Form.Item>
      </Col>
      {item('legalName', 'onboarding.legalName')}
      {item('phone', 'onboarding.phone', <Input inputMode="tel" maxLength={11} />)}
      {item('email', 'onboarding.email', <Input inputMode="email" />)}
    </Row>,
    <Row gutter={16} key="1">
      {item('idName', 'onboarding.idName')}
      {item('idNumber', 'onboarding.idNumber', <Input maxLength={18} />)}
      {item('idExpiry', 'onboarding.idExpiry', <Input type="date" />)}
      {type === 'enterprise' && item('uscc', 'onboarding.uscc', <Input maxLength={18} />)}
      {type === 'enterprise' && item('licenseName', 'onboarding.licenseName')}
      {type === 'enterprise' && item('licenseExpiry', 'onboarding.licenseExpiry', <Input type="date" />)}
    </Row>,
    <Row gutter={16} key="2">
      {item('mcc', 'onboarding.mcc', <Input maxLength={4} inputMode="numeric" placeholder="5812" />)}
      {item(['address', 'province'], 'onboarding.province')}
      {item(['address', 'city'], 'onboarding.city')}
      {item(['address', 'cityCode'], 'onboarding.cityCode', <Input maxLength={6} inputMode="numeric" placeholder="110100" />)}
      {item(['address', 'district'], 'onboarding.district')}
      {item(['address', 'line'], 'onboarding.line')}
    </Row>,
    <Row gutter={16} key="3">
      {item(['settlementAccount', 'bank'], 'onboarding.bank')}
      {item(['settlementAccount', 'number'], 'onboarding.accountNumber', <Input inputMode="numeric" maxLength={30} />)}
      {item(['settlementAccount', 'holder'], 'onboarding.holder')}
    </Row>,
    <DocumentsPane key="4" merchantId={merchantId} missing={missing.data} onUploaded={missing.reload} />,
    <Space key="5" orientation="vertical" style={{ width: '100%' }}>
      <MissingList missing={missing.data} />
      <Button type="primary" size="large" onClick={() => { void submit(); }} loading={busy} data-testid="onboarding-submit">{t('common.submit')}</Button>
    </Space>,
  ];

  return (
    <Card title={<Space>{t('onboarding.title')}{merchant.data && <MerchantStatusTag status={merchant.data.status} />}</Space>}>
      <Steps current={step} size="small" onChange={setStep} style={{ marginBottom: 24 }} responsive items={[
        { title: t('onboarding.stepType') }, { title: t('onboarding.stepIdentity') }, { title: t('onboarding.stepBusiness') },
        { title: t('onboarding.stepAccount') }, { title: t('onboarding.stepDocuments') }, { title: t('onboarding.stepReview') },
      ]} />
      <ErrorAlert error={error} />
      <Form form={form} layout="vertical" onValuesChange={(_, all) => writeDraft(draftName, all)} preserve
        disabled={loadingRecord} data-testid="onboarding-form" data-loaded={loadingRecord ? 'false' : 'true'}>
        {panes.map((pane, index) => <div key={index} style={{ display: index === step ? 'block' : 'none' }}>{pane}</div>)}
      </Form>
      <Space wrap style={{ marginTop: 8 }}>
        {step > 0 && <Button onClick={() => setStep(step - 1)}>{t('common.prev')}</Button>}
        {step < panes.length - 1 && <Button type="primary" onClick={() => { void next(); }} data-testid="onboarding-next">{t('common.next')}</Button>}
        <Button onClick={() => { void saveDraft(); }} loading={busy} data-testid="onboarding-save">{t('common.saveDraft')}</Button>
        <Tag>{t('common.savedDraft')}</Tag>
      </Space>
    </Card>
  );
}

function MissingList({ missing }: { missing: MissingView | null }) {
  const { t } = useI18n();
  if (!missing) return null;
  const items = missing.data.map((m) => {
    const label = m.field.startsWith('documents.') ? tOr(t, `onboarding.doc.${m.field.slice(10)}`, m.field) : fieldLabel(t, m.field);
    return m.reason === 'missing' ? label : `${label} (${m.reason}${m.expiresOn ? ` ${m.expiresOn}` : ''})`;
  });
  if (items.length === 0) return <Alert type="success" showIcon title={t('onboarding.nothingMissing')} />;
  return <Alert type="warning" showIcon title={t('onboarding.missing')} description={<Space wrap>{items.map((i) => <Tag key={i}>{i}</Tag>)}</Space>} />;
}

function DocumentsPane({ merchantId, missing, onUploaded }: { merchantId: string | null; missing: MissingView | null; onUploaded(): void }) {
  const { t } = useI18n();
  const neededKinds = new Set((missing?.data ?? []).filter((m) => m.field.startsWith('documents.')).map((m) => m.field.slice(10)));
  const needed = missing ? documentKinds.filter((k) => neededKinds.has(k)) : documentKinds;
  if (!merchantId) return <Alert type="info" showIcon title={t('common.saveDraft')} />;
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      {needed.length === 0 && <Alert type="success" showIcon title={t('onboarding.nothingMissing')} />}
      {needed.map((kind) => (
        <Space key={kind} wrap>
          <span style={{ display: 'inline-block', minWidth: 140 }}>{tOr(t, `onboarding.doc.${kind}`, kind)}</span>
          <Upload name="file" accept="image/jpeg,image/png,application/pdf" maxCount={1}
            action={`/v1/merchants/${encodeURIComponent(merchantId)}/documents?kind=${kind}`}
            headers={authHeaders('POST')} data={{ kind }} onChange={(info) => { if (info.file.status === 'done') onUploaded(); }}>
            <Button>{t('onboarding.upload')}</Button>
          </Upload>
        </Space>
      ))}
    </Space>
  );
}

const fieldLabels: Record<string, MessageKey> = {
  legalName: 'onboarding.legalName', phone: 'onboarding.phone', email: 'onboarding.email', idNumber: 'onboarding.idNumber',
  idName: 'onboarding.idName', idExpiry: 'onboarding.idExpiry', uscc: 'onboarding.uscc', licenseName: 'onboarding.licenseName',
  licenseExpiry: 'onboarding.licenseExpiry', mcc: 'onboarding.mcc', 'address.province': 'onboarding.province',
  'address.city': 'onboarding.city', 'address.cityCode': 'onboarding.cityCode', 'address.district': 'onboarding.district',
  'address.line': 'onboarding.line', 'settlementAccount.bank': 'onboarding.bank',
  'settlementAccount.number': 'onboarding.accountNumber', 'settlementAccount.holder': 'onboarding.holder',
};

function fieldLabel(t: (key: MessageKey) => string, field: string): string {
  const key = fieldLabels[field];
  return key ? t(key) : field;
}
