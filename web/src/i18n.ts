/**
 * Language and time for the dashboard (i18next + react-i18next). The language is the one chosen in the
 * dashboard (kept in localStorage), else the browser's; English and Japanese. Keys are the English
 * text itself (natural keys): English needs no table, Japanese is web/src/locales/ja.ts, and a test
 * checks every t() text of web/src has its Japanese. Times are shown in the viewer's time zone with the
 * offset, in the locale's date format.
 */
import i18n from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';
import { initReactI18next } from 'react-i18next';
import { en } from './locales/en.js';
import { ja } from './locales/ja.js';

export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'ja', name: '日本語' },
] as const;

void i18n
  .use(LanguageDetector)
  .use(initReactI18next)
  .init({
    resources: { en: { translation: en }, ja: { translation: ja } },
    fallbackLng: 'en',
    supportedLngs: ['en', 'ja'],
    nonExplicitSupportedLngs: true,
    load: 'languageOnly',
    // natural keys: the English sentence is the key, so '.' and ':' in it are text, not paths
    keySeparator: false,
    nsSeparator: false,
    interpolation: { escapeValue: false },
    detection: { order: ['localStorage', 'navigator'], lookupLocalStorage: 'acd.lang', caches: ['localStorage'] },
    returnEmptyString: false,
  });

document.documentElement.lang = i18n.resolvedLanguage ?? 'en';
i18n.on('languageChanged', (lng) => {
  document.documentElement.lang = lng.slice(0, 2);
});

/** the locale for numbers and dates: the browser's own (en-GB, ja-JP…) when it speaks the chosen language */
export function locale(): string {
  const lang = i18n.resolvedLanguage ?? 'en';
  const browser = typeof navigator !== 'undefined' ? navigator.languages ?? [navigator.language] : [];
  return browser.find((l) => l.toLowerCase().startsWith(lang)) ?? (lang === 'ja' ? 'ja-JP' : 'en-GB');
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** a moment in the viewer's time zone with its offset, e.g. 2026/12/08 5:01:02 GMT+9 or 7 Dec 2026, 20:01:02 UTC */
export function formatTime(at: Date): string {
  const loc = locale();
  let f = timeFormats.get(loc);
  if (!f) {
    f = new Intl.DateTimeFormat(loc, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'shortOffset' });
    if (loc.startsWith('ja')) f = new Intl.DateTimeFormat(loc, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'shortOffset' });
    timeFormats.set(loc, f);
  }
  return f.format(at);
}

/** a whole number in the locale's grouping */
export function formatNumber(n: number, digits?: number): string {
  return n.toLocaleString(locale(), digits === undefined ? undefined : { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export default i18n;
