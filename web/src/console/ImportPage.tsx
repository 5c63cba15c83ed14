// Inventory import: paste CSV or JSON; malformed lines are shown before sending, and the server's
// per-row rejections after (good rows still import unless "atomic" is on).
import { Alert, Button, Card, Checkbox, Input, Space, Table } from 'antd';
import { useState } from 'react';
import { api, ApiError, newIdempotencyKey } from '../lib/api';
import { parseImportText } from '../lib/import';
import { useI18n } from '../lib/i18n';
import { useDraft } from '../lib/drafts';
import { ErrorAlert } from '../components/common';

interface ImportAnswer { imported: number; rejected: { index: number; sn: string; error: string | { code?: string; message?: string } }[] }

export function ImportPage() {
  const { t } = useI18n();
  const [text, setText] = useDraft('terminal-import', '');
  const [atomic, setAtomic] = useState(false);
  const [answer, setAnswer] = useState<ImportAnswer | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [lineErrors, setLineErrors] = useState<{ line: number; text: string }[]>([]);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setError(null); setAnswer(null);
    let parsed;
    try { parsed = parseImportText(text); } catch { setLineErrors([{ line: 1, text: 'JSON' }]); return; }
    setLineErrors(parsed.lineErrors);
    if (parsed.lineErrors.length > 0 || parsed.rows.length === 0) return;
    setBusy(true);
    try {
      setAnswer(await api<ImportAnswer>('POST', '/v1/terminals/import', { body: { terminals: parsed.rows, atomic }, idempotencyKey: newIdempotencyKey() }));
    } catch (caught) { setError(caught instanceof ApiError ? caught : new ApiError(0, null)); } finally { setBusy(false); }
  };
  return (
    <Card title={t('import.title')}>
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Alert type="info" title={t('import.help')} />
        <Input.TextArea rows={8} value={text} onChange={(e) => setText(e.target.value)} style={{ fontFamily: 'monospace' }}
          placeholder={'SN0001,SMART-1,<64 hex>'} data-testid="import-text" />
        <Checkbox checked={atomic} onChange={(e) => setAtomic(e.target.checked)}>{t('import.atomic')}</Checkbox>
        <Button type="primary" onClick={() => { void run(); }} loading={busy} data-testid="import-run">{t('import.run')}</Button>
        {lineErrors.map((e) => <Alert key={e.line} type="error" title={t('import.parseError', { line: e.line })} description={e.text} />)}
        <ErrorAlert error={error} />
        {error && Object.keys(error.fields).length > 0 && (
          <Table size="small" rowKey="field" pagination={false} dataSource={Object.entries(error.fields).map(([field, message]) => ({ field, message }))}
            columns={[{ title: t('import.row'), dataIndex: 'field' }, { title: t('import.error'), dataIndex: 'message' }]} />
        )}
        {answer && (
          <>
            <Alert type={answer.rejected.length ? 'warning' : 'success'} showIcon data-testid="import-result"
              title={t('import.result', { imported: answer.imported, rejected: answer.rejected.length })} />
            {answer.rejected.length > 0 && (
              <Table size="small" rowKey="index" pagination={false} dataSource={answer.rejected} columns={[
                { title: t('import.row'), dataIndex: 'index', render: (i: number) => i + 1 },
                { title: 'SN', dataIndex: 'sn' },
                { title: t('import.error'), dataIndex: 'error', render: (e: ImportAnswer['rejected'][number]['error']) => (typeof e === 'string' ? e : `${e.code ?? ''} ${e.message ?? ''}`) },
              ]} />
            )}
          </>
        )}
      </Space>
    </Card>
  );
}
