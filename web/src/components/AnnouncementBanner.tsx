// Active announcements (maintenance windows, updates) at the top of every portal page (SPEC §12).
// Merchants get the ones addressed to them from the server; an operator looking at the portal
// sees every published one inside its window. Dismissed ones stay dismissed on this device.
import { Alert, Space } from 'antd';
import { useI18n } from '../lib/i18n';
import { useDraft } from '../lib/drafts';
import { rowsOf, useApiGet, useFormatTime } from './common';

interface Announcement {
  id: string; kind: string; title: { zh: string; en: string }; body: { zh: string; en: string };
  startsAt: string; endsAt: string; status: string;
}

export function isActiveAnnouncement(a: Pick<Announcement, 'status' | 'startsAt' | 'endsAt'>, now: number): boolean {
  return a.status === 'published' && Date.parse(a.startsAt) <= now && now < Date.parse(a.endsAt);
}

export function AnnouncementBanner() {
  const { t, locale } = useI18n();
  const formatTime = useFormatTime();
  const list = useApiGet<{ data: Announcement[] }>('/v1/announcements');
  const [dismissed, setDismissed] = useDraft<string[]>('dismissed-announcements', []);
  const now = Date.now();
  const shown = rowsOf(list.data).filter((a) => isActiveAnnouncement(a, now) && !dismissed.includes(a.id));
  if (shown.length === 0) return null;
  return (
    <Space orientation="vertical" style={{ width: '100%', marginBottom: 16 }} data-testid="announcements">
      {shown.map((a) => (
        <Alert key={a.id} type={a.kind === 'maintenance' ? 'warning' : 'info'} showIcon closable
          onClose={() => setDismissed([...dismissed, a.id].slice(-50))} data-testid="announcement"
          title={locale === 'en' ? a.title.en : a.title.zh}
          description={<>{locale === 'en' ? a.body.en : a.body.zh}<br />{t('announcement.window', { from: formatTime(a.startsAt), to: formatTime(a.endsAt) })}</>} />
      ))}
    </Space>
  );
}
