// The frame of the pages anyone may open (log-in, notice check, help): centred, phone friendly.
import { Card, Space, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useI18n } from '../lib/i18n';
import { LanguageSwitch } from './Shell';

export function PublicFrame({ title, children, width = 520 }: { title: string; children: ReactNode; width?: number }) {
  const { t } = useI18n();
  return (
    <div style={{ minHeight: '100vh', background: '#f5f5f5', padding: '24px 12px' }}>
      <div style={{ maxWidth: width, margin: '0 auto' }}>
        <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 16 }}>
          <Typography.Title level={4} style={{ margin: 0 }}>{t('app.title')}</Typography.Title>
          <LanguageSwitch />
        </Space>
        <Card title={title}>{children}</Card>
      </div>
    </div>
  );
}
