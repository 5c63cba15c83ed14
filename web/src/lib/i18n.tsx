// The language of the app: zh-CN by default, English on request; remembered in localStorage.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { dictionaries, translate, type Locale, type MessageKey } from './messages';

export type TranslateFn = (key: MessageKey, params?: Record<string, string | number>) => string;

interface I18nValue { locale: Locale; t: TranslateFn; setLocale(locale: Locale): void; toggle(): void }

const storageKey = 'jihuo.locale';
const I18nContext = createContext<I18nValue | null>(null);

function initialLocale(): Locale {
  const stored = typeof localStorage !== 'undefined' ? localStorage.getItem(storageKey) : null;
  return stored === 'en' ? 'en' : 'zh-CN';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const setLocale = useCallback((next: Locale) => {
    localStorage.setItem(storageKey, next);
    document.documentElement.lang = next;
    setLocaleState(next);
  }, []);
  const value = useMemo<I18nValue>(() => ({
    locale,
    t: (key, params) => translate(dictionaries[locale], key, params),
    setLocale,
    toggle: () => setLocale(locale === 'zh-CN' ? 'en' : 'zh-CN'),
  }), [locale, setLocale]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18nValue {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}

/** Looks up a key built from data (a status, a reason code); falls back to the raw value. */
export function tOr(t: TranslateFn, key: string, fallback: string): string {
  const locale = dictionaries['zh-CN'];
  return key in locale ? t(key as MessageKey) : fallback;
}
