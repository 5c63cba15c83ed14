// Public help-centre routes: read an article by slug, search.
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/http/errors.js';
import { Strict, Type } from '../../platform/http/schema.js';
import { helpRequestsPerMinuteMax } from '../../platform/limits.js';
import type { JihuoApp } from '../../platform/module.js';
import { helpCentre, helpLocales, type HelpArticle, type HelpLocale } from './help.service.js';
import { helpTopics } from './help-slugs.js';

const tags = ['help'];
const Locale = Type.Optional(Type.Union(helpLocales.map((l) => Type.Literal(l))));
/** Public and unauthenticated: each help route is limited per client IP. */
const helpRateLimit = { max: helpRequestsPerMinuteMax, timeWindow: '1 minute' };

function view(a: HelpArticle) {
  return { slug: a.slug, locale: a.locale, topic: a.topic, code: a.code, title: a.title, body: a.body, format: 'markdown' };
}

export function helpRoutes(app: JihuoApp, ctx: AppContext): void {
  void ctx;
  const centre = helpCentre();
  app.get('/v1/help/articles/:slug', {
    schema: { tags, summary: 'Read a help article (zh-CN by default)', params: Strict({ slug: Type.String({ maxLength: 100 }) }), querystring: Strict({ locale: Locale }) },
    config: { access: { public: true }, rateLimit: helpRateLimit },
  }, async (request) => {
    const locale: HelpLocale = request.query.locale ?? 'zh-CN';
    const article = centre.get(request.params.slug, locale);
    if (!article) {
      throw new AppError('help_article_not_found', `No help article ${request.params.slug}`, { suggestions: centre.suggest(request.params.slug) });
    }
    return view(article);
  });

  app.get('/v1/help/articles', {
    schema: {
      tags, summary: 'Search help articles',
      querystring: Strict({ q: Type.Optional(Type.String({ maxLength: 200 })), locale: Locale, topic: Type.Optional(Type.Union(helpTopics.map((t) => Type.Literal(t)))) }),
    },
    config: { access: { public: true }, rateLimit: helpRateLimit },
  }, async (request) => {
    const locale: HelpLocale = request.query.locale ?? 'zh-CN';
    const found = centre.search(request.query.q ?? '', locale, request.query.topic);
    return { data: found.map((a) => ({ slug: a.slug, title: a.title, topic: a.topic, code: a.code })), hasMore: false, nextCursor: null };
  });
}
