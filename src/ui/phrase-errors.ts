/**
 * Turns an InvalidPhraseError (src/crypto/phrase.ts: code, position, word, suggestion) into a
 * sentence in the UI language. Branches on `code`, never `instanceof` (STYLE §4).
 */
import type { Strings } from './i18n/en.js'
import { fmt } from './state/i18n.svelte.js'

/** What a phrase error carries. */
interface PhraseErrorData { code?: string, word?: string, position?: number, suggestion?: string, wordCount?: number, message?: string }

/**
 * A helpful message for a phrase that did not parse.
 * @param typed - the text entered (to count words when the error does not say)
 */
export function explainPhraseError (err: unknown, t: Strings, typed: string): string {
  const e = err as PhraseErrorData
  switch (e.code) {
    case 'ERR_PHRASE_WORD_COUNT':
      return fmt(t.restore.errWordCount, { n: e.wordCount ?? typed.trim().split(/\s+/).filter(Boolean).length })
    case 'ERR_PHRASE_UNKNOWN_WORD':
      return fmt(t.restore.errUnknownWord, {
        position: e.position != null ? e.position + 1 : '?',
        word: e.word ?? '',
        suggestion: e.suggestion != null ? fmt(t.restore.didYouMean, { word: e.suggestion }) : ''
      })
    case 'ERR_PHRASE_CHECKSUM':
      return t.restore.errChecksum
    default:
      return e.message ?? String(err)
  }
}
