// The i18nProvider: react-admin's English messages with the console's own (en.ts) over them. Another language is
// one more messages file and one more entry in `catalogs`.
import type { TranslationMessages } from 'react-admin';
import polyglotI18nProvider from 'ra-i18n-polyglot';
import englishMessages from 'ra-language-english';
import { en } from './en';

const catalogs: Record<string, TranslationMessages> = { en: { ...englishMessages, ...en } };

export const i18nProvider = polyglotI18nProvider((locale) => catalogs[locale] ?? catalogs.en!, 'en', [{ locale: 'en', name: 'English' }], { allowMissing: false });
