// Proves the help centre: every activation step, self-test component, re-activation reason,
// decline code and activation error (each list imported from its module) has an article in zh-CN
// and en, articles parse, search finds them, unknown slugs get suggestions.
import { describe, expect, it } from 'vitest';
import { activationErrorCodes, activationErrorSlug } from '../activation/activation-errors.js';
import { activationSteps } from '../activation/activation-progress.js';
import { selfTestComponents } from '../activation/self-test.js';
import { reactivationReasons } from '../reactivation/reasons.js';
import { declineCodes } from '../transactions/transaction.service.js';
import { helpLocales, HelpCentre, parseArticle } from './help.service.js';
import { declineHelpSlug, helpSlug, helpTopics } from './help-slugs.js';

const centre = HelpCentre.load();

describe('help centre', () => {
  it.each([
    ...activationSteps.map((c) => ['activation-step', c] as const),
    ...selfTestComponents.map((c) => ['self-test', c] as const),
    ...reactivationReasons.map((c) => ['reactivation', c] as const),
    ...activationErrorCodes.map((c) => ['error', c] as const),
  ])('has %s %s in both languages', (topic, code) => {
    const slug = helpSlug(topic, code);
    for (const locale of helpLocales) {
      const article = centre.get(slug, locale);
      expect(article, `${slug}.${locale}`).toBeDefined();
      expect(article!.code).toBe(code);
      expect(article!.body.length).toBeGreaterThan(40);
    }
  });

  it.each([...declineCodes, ...reactivationReasons])('has an article for decline code %s in both languages', (code) => {
    const slug = declineHelpSlug(code, reactivationReasons);
    for (const locale of helpLocales) expect(centre.get(slug, locale), `${slug}.${locale}`).toBeDefined();
  });

  it('enumerates the codes of every list', () => {
    expect([activationSteps.length, selfTestComponents.length, activationErrorCodes.length]).toEqual([6, 5, 4]);
    expect(activationErrorCodes.map(activationErrorSlug)).toEqual([
      'error-activation-code-malformed', 'error-activation-code-invalid', 'error-activation-code-expired', 'error-activation-locked',
    ]);
  });

  it('files every article under a known topic with the slug its code makes', () => {
    for (const slug of centre.slugs()) {
      for (const locale of helpLocales) {
        const article = centre.get(slug, locale)!;
        expect(helpTopics, slug).toContain(article.topic);
        expect(helpSlug(article.topic, article.code)).toBe(slug);
      }
    }
  });

  it('makes stable kebab-case slugs', () => {
    expect(helpSlug('self-test', 'cardReader')).toBe('self-test-card-reader');
    expect(helpSlug('reactivation', 'system_upgrade')).toBe('reactivation-system-upgrade');
  });

  it('searches by keyword in a locale', () => {
    expect(centre.search('配对码', 'zh-CN').map((a) => a.slug)).toContain('activation-step-system-activation');
    expect(centre.search('printer paper', 'en').map((a) => a.slug)[0]).toBe('self-test-printer');
  });

  it('suggests the nearest slugs for an unknown one', () => {
    expect(centre.suggest('reactivation-relocate')[0]).toBe('reactivation-relocation');
  });

  it('refuses an article without front matter', () => {
    expect(() => parseArticle('# no front matter', 'x.md')).toThrow(/front matter/);
  });
});
