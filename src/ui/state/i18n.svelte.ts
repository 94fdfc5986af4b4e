/**
 * UI language state (English and Portuguese) and message formatting.
 */
import { en, type Strings } from '../i18n/en.js'
import { pt } from '../i18n/pt.js'

export type Language = 'en' | 'pt'
const STORAGE_KEY = 'tesseras.language'
const dictionaries: Record<Language, Strings> = { en, pt }

/** Picks the initial language: saved choice, else the browser's, else English. */
export function initialLanguage (): Language {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY)
  if (saved === 'en' || saved === 'pt') return saved
  return (globalThis.navigator?.language ?? 'en').toLowerCase().startsWith('pt') ? 'pt' : 'en'
}

class I18n {
  lang = $state<Language>(initialLanguage())
  strings = $derived(dictionaries[this.lang])

  set (lang: Language): void {
    this.lang = lang
    globalThis.localStorage?.setItem(STORAGE_KEY, lang)
    if (typeof document !== 'undefined') document.documentElement.lang = lang === 'pt' ? 'pt-BR' : 'en'
  }
}

/** The one language state of the app. */
export const i18n = new I18n()

/** Replaces `{name}` placeholders. */
export function fmt (template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => String(params[key] ?? `{${key}}`))
}

/** Human-readable byte size in the current language (decimal units). */
export function formatBytes (bytes: number): string {
  const units = i18n.strings.bytes
  const locale = i18n.lang === 'pt' ? 'pt-BR' : 'en'
  const n = (v: number, d: number): string => v.toLocaleString(locale, { maximumFractionDigits: d })
  if (bytes < 1000) return `${n(bytes, 0)} ${units.B}`
  if (bytes < 1e6) return `${n(bytes / 1e3, 1)} ${units.kB}`
  if (bytes < 1e9) return `${n(bytes / 1e6, 1)} ${units.MB}`
  return `${n(bytes / 1e9, 2)} ${units.GB}`
}
