// The help centre (SPEC §12): articles in zh-CN and en, kept in the repo as Markdown with front
// matter (help/<slug>.<locale>.md), loaded once at start, addressed by stable slugs, searchable.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { projectRoot } from '../../platform/paths.js';
import type { HelpTopic } from './help-slugs.js';

export const helpLocales = ['zh-CN', 'en'] as const;
export type HelpLocale = (typeof helpLocales)[number];

export interface HelpArticle { slug: string; locale: HelpLocale; topic: HelpTopic; code: string; title: string; keywords: string; body: string }

export class HelpArticleError extends Error {}

export function parseArticle(text: string, file: string): HelpArticle {
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  if (!match) throw new HelpArticleError(`${file}: missing front matter`);
  const meta = parseYaml(match[1]!) as Record<string, unknown>;
  for (const key of ['slug', 'locale', 'topic', 'code', 'title']) {
    if (typeof meta[key] !== 'string' || meta[key] === '') throw new HelpArticleError(`${file}: front matter needs ${key}`);
  }
  if (!helpLocales.includes(meta.locale as HelpLocale)) throw new HelpArticleError(`${file}: unknown locale ${String(meta.locale)}`);
  return {
    slug: meta.slug as string, locale: meta.locale as HelpLocale, topic: meta.topic as HelpTopic, code: meta.code as string,
    title: meta.title as string, keywords: typeof meta.keywords === 'string' ? meta.keywords : '', body: match[2]!.trim(),
  };
}

export class HelpCentre {
  readonly #articles = new Map<string, Map<HelpLocale, HelpArticle>>();

  constructor(articles: HelpArticle[]) {
    for (const a of articles) {
      const byLocale = this.#articles.get(a.slug) ?? new Map<HelpLocale, HelpArticle>();
      if (byLocale.has(a.locale)) throw new HelpArticleError(`two ${a.locale} articles for ${a.slug}`);
      byLocale.set(a.locale, a);
      this.#articles.set(a.slug, byLocale);
    }
  }

  static load(dir = join(projectRoot(), 'src/modules/support/help')): HelpCentre {
    const articles = readdirSync(dir).filter((f) => f.endsWith('.md')).map((f) => {
      const article = parseArticle(readFileSync(join(dir, f), 'utf8'), f);
      if (f !== `${article.slug}.${article.locale}.md`) throw new HelpArticleError(`${f}: file name must be <slug>.<locale>.md`);
      return article;
    });
    return new HelpCentre(articles);
  }

  slugs(): string[] { return [...this.#articles.keys()].sort(); }

  get(slug: string, locale: HelpLocale): HelpArticle | undefined {
    return this.#articles.get(slug)?.get(locale);
  }

  has(slug: string, locale: HelpLocale): boolean { return this.get(slug, locale) !== undefined; }

  /** Articles whose title, keywords, code or body contain every word of the query. */
  search(query: string, locale: HelpLocale, topic?: HelpTopic, limit = 20): HelpArticle[] {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    const scored: Array<{ a: HelpArticle; score: number }> = [];
    for (const byLocale of this.#articles.values()) {
      const a = byLocale.get(locale);
      if (!a || (topic && a.topic !== topic)) continue;
      const head = `${a.title} ${a.keywords} ${a.code} ${a.slug}`.toLowerCase();
      const body = a.body.toLowerCase();
      let score = 0;
      for (const w of words) {
        if (head.includes(w)) score += 3; else if (body.includes(w)) score += 1; else { score = -1; break; }
      }
      if (score >= 0) scored.push({ a, score });
    }
    return scored.sort((x, y) => y.score - x.score || x.a.slug.localeCompare(y.a.slug)).slice(0, limit).map((s) => s.a);
  }

  /** The slugs closest to an unknown one (shared words, then edit distance), for a 404's suggestion. */
  suggest(slug: string, limit = 3): string[] {
    const words = new Set(slug.toLowerCase().split(/[-_\s]+/).filter(Boolean));
    return this.slugs().map((s) => {
      const shared = s.split('-').filter((w) => words.has(w)).length;
      return { s, shared, distance: editDistance(slug.toLowerCase(), s) };
    }).sort((a, b) => b.shared - a.shared || a.distance - b.distance).slice(0, limit).map((x) => x.s);
  }
}

export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

let shared: HelpCentre | undefined;
/** The help centre of this process, loaded on first use. */
export function helpCentre(): HelpCentre {
  shared ??= HelpCentre.load();
  return shared;
}
