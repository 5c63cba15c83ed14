// Help centre: search articles and read one (`/v1/help/articles`), in the current language.
import { Alert, Card, Input, List, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { withQuery } from '../lib/api';
import { useI18n } from '../lib/i18n';
import { Link } from '../lib/router';
import { ErrorAlert, rowsOf, useApiGet } from '../components/common';
import { PublicFrame } from '../components/PublicFrame';

interface ArticleSummary { slug: string; title: string; topic: string; code: string }
interface Article extends ArticleSummary { body: string }

/** Markdown shown as plain paragraphs and headings: no HTML is ever injected. */
function ArticleBody({ body }: { body: string }) {
  const blocks = body.split(/\n{2,}/).map((b) => b.trim()).filter(Boolean);
  return (
    <div>
      {blocks.map((block, index) => {
        const heading = /^(#{1,4})\s+(.*)$/.exec(block);
        if (heading) return <Typography.Title key={index} level={Math.min(5, heading[1]!.length + 2) as 3 | 4 | 5}>{heading[2]}</Typography.Title>;
        return <Typography.Paragraph key={index} style={{ whiteSpace: 'pre-wrap' }}>{block.replace(/\*\*/g, '')}</Typography.Paragraph>;
      })}
    </div>
  );
}

function HelpContent({ slug }: { slug: string | null }) {
  const { t, locale } = useI18n();
  const [query, setQuery] = useState('');
  const list = useApiGet<{ data: ArticleSummary[] }>(slug ? null : withQuery('/v1/help/articles', { q: query, locale }));
  const article = useApiGet<Article>(slug ? withQuery(`/v1/help/articles/${encodeURIComponent(slug)}`, { locale }) : null);
  if (slug) {
    const suggestions = (article.error?.details.suggestions as string[] | undefined) ?? [];
    return (
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Link to="/help">← {t('help.title')}</Link>
        {article.error && article.error.status === 404 && !article.error.routeMissing ? (
          <Alert type="warning" showIcon title={t('help.notFound')} description={suggestions.length > 0 && (
            <span>{t('help.suggestions')} {suggestions.map((s) => <Link key={s} to={`/help/${s}`}><Tag>{s}</Tag></Link>)}</span>)} />
        ) : <ErrorAlert error={article.error} />}
        {article.data && (
          <>
            <Typography.Title level={3}>{article.data.title}</Typography.Title>
            <ArticleBody body={article.data.body} />
          </>
        )}
      </Space>
    );
  }
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Input.Search placeholder={t('help.search')} allowClear onSearch={setQuery} enterButton={t('common.search')} />
      <ErrorAlert error={list.error} />
      <List loading={list.loading} dataSource={rowsOf(list.data)} locale={{ emptyText: t('common.empty') }}
        renderItem={(a) => (
          <List.Item><Link to={`/help/${a.slug}`}>{a.title}</Link> <Tag>{a.topic}</Tag></List.Item>
        )} />
    </Space>
  );
}

export function HelpPage({ slug, standalone }: { slug: string | null; standalone: boolean }) {
  const { t } = useI18n();
  if (standalone) return <PublicFrame title={t('help.title')} width={760}><HelpContent slug={slug} /></PublicFrame>;
  return <Card title={t('help.title')}><HelpContent slug={slug} /></Card>;
}
