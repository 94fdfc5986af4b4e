/**
 * The recovery phrase: BIP39, 24 words = 256 bits of entropy + 8-bit checksum, shown in
 * English or Portuguese. ../shared/DESIGN.md "Keys and identity".
 *
 * The two word lists share no word, so the language of a typed phrase is unambiguous. The
 * @scure/bip39 Portuguese list is plain ASCII (no accents); input is NFKD-normalised and
 * combining marks are dropped, so "água" typed with accents matches "agua".
 */
import { entropyToMnemonic, mnemonicToEntropy } from '@scure/bip39'
import { wordlist as englishList } from '@scure/bip39/wordlists/english.js'
import { wordlist as portugueseList } from '@scure/bip39/wordlists/portuguese.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { InvalidPhraseError } from './errors.js'

/** Languages a recovery phrase can be shown in. */
export type PhraseLanguage = 'en' | 'pt'

/** Words in a recovery phrase. */
export const PHRASE_WORDS = 24
/** Bytes of entropy behind a recovery phrase. */
export const PHRASE_ENTROPY_BYTES = 32

const LISTS: Record<PhraseLanguage, readonly string[]> = { en: englishList, pt: portugueseList }
const LOOKUP: Record<PhraseLanguage, Map<string, number>> = {
  en: new Map(englishList.map((w, i) => [w, i])),
  pt: new Map(portugueseList.map((w, i) => [w, i]))
}

function checkLanguage (language: unknown): asserts language is PhraseLanguage {
  if (language !== 'en' && language !== 'pt') throw new RangeError(`language: expected 'en' or 'pt', got ${String(language)}`)
}

/**
 * The 2048-word BIP39 list of `language`, in index order (for autocomplete).
 * @throws RangeError for an unknown language
 */
export function wordlist (language: PhraseLanguage): readonly string[] {
  checkLanguage(language)
  return LISTS[language]
}

/**
 * The phrase that encodes `entropy`, words separated by single spaces.
 * @param entropy - 32 bytes
 * @throws RangeError when `entropy` is not 32 bytes or the language is unknown
 */
export function entropyToPhrase (entropy: Uint8Array, language: PhraseLanguage): string {
  checkLanguage(language)
  if (!(entropy instanceof Uint8Array)) throw new TypeError('entropy: expected Uint8Array')
  if (entropy.length !== PHRASE_ENTROPY_BYTES) {
    throw new RangeError(`entropy: expected ${PHRASE_ENTROPY_BYTES} bytes, got ${entropy.length}`)
  }
  return entropyToMnemonic(entropy, LISTS[language] as string[])
}

/**
 * A new random 24-word phrase (256-bit entropy from the platform CSPRNG).
 * @param random - source of random bytes; inject only in tests
 * @example generatePhrase('pt') // 'abacate …' (24 words)
 * @throws RangeError for an unknown language
 */
export function generatePhrase (language: PhraseLanguage, random: (n: number) => Uint8Array = randomBytes): string {
  checkLanguage(language)
  const entropy = random(PHRASE_ENTROPY_BYTES)
  try {
    return entropyToPhrase(entropy, language)
  } finally {
    entropy.fill(0)
  }
}

/**
 * Canonical form of a typed, pasted or scanned phrase: NFKD, lower case, accents dropped,
 * anything that is not a letter (digits, "1." numbering, commas, line breaks) becomes a
 * separator, words joined by single spaces.
 * @example normalizePhrase('1. Abandon,\n2. ABILITY') // 'abandon ability'
 * @throws TypeError when `input` is not a string
 */
export function normalizePhrase (input: string): string {
  if (typeof input !== 'string') throw new TypeError(`input: expected string, got ${typeof input}`)
  return input
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}]+/gu, ' ')
    .trim()
}

/** Levenshtein distance, stopping early once it exceeds `max`. */
function distance (a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    let rowMin = i
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
      rowMin = Math.min(rowMin, cur[j])
    }
    if (rowMin > max) return max + 1
    prev = cur
  }
  return prev[b.length]
}

/** Closest word of `list` within edit distance 2, if exactly one is closest. */
function suggest (word: string, list: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = 3
  let tie = false
  for (const candidate of list) {
    const d = distance(word, candidate, bestDistance)
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
      tie = false
    } else if (d === bestDistance && best !== undefined) {
      tie = true
    }
  }
  return tie ? undefined : best
}

/**
 * Resolves a normalised word in `language`: an exact word, or (BIP39: the first four letters
 * identify a word) a prefix of at least four letters matching exactly one word.
 */
function resolveWord (word: string, language: PhraseLanguage): string | undefined {
  if (LOOKUP[language].has(word)) return word
  if (word.length < 4) return undefined
  const matches = LISTS[language].filter(w => w.startsWith(word))
  return matches.length === 1 ? matches[0] : undefined
}

/**
 * Parses a recovery phrase typed in English or Portuguese (any spacing, case, numbering or
 * punctuation; unique prefixes of four or more letters are accepted).
 * @returns the 32-byte entropy, the detected language and the 24 full words
 * @throws InvalidPhraseError with code ERR_PHRASE_WORD_COUNT (not 24 words),
 *   ERR_PHRASE_UNKNOWN_WORD (`word`, `position`, maybe `suggestion`), or ERR_PHRASE_CHECKSUM
 * @throws TypeError when `input` is not a string
 */
export function parsePhrase (input: string): { entropy: Uint8Array, language: PhraseLanguage, words: string[] } {
  const normalized = normalizePhrase(input)
  const typed = normalized === '' ? [] : normalized.split(' ')
  if (typed.length !== PHRASE_WORDS) {
    throw new InvalidPhraseError(`expected ${PHRASE_WORDS} words, got ${typed.length}`,
      InvalidPhraseError.codes.wordCount, { wordCount: typed.length })
  }
  // The lists are disjoint: pick the one that recognises more words (English on a tie).
  const score = (lang: PhraseLanguage): number => typed.filter(w => resolveWord(w, lang) !== undefined).length
  const language: PhraseLanguage = score('pt') > score('en') ? 'pt' : 'en'
  const words: string[] = []
  for (let position = 0; position < typed.length; position++) {
    const word = typed[position]
    const resolved = resolveWord(word, language)
    if (resolved === undefined) {
      const suggestion = suggest(word, LISTS[language])
      throw new InvalidPhraseError(
        `word ${position + 1} ("${word}") is not in the recovery word list` + (suggestion !== undefined ? `; did you mean "${suggestion}"?` : ''),
        InvalidPhraseError.codes.unknownWord, { word, position, suggestion })
    }
    words.push(resolved)
  }
  let entropy: Uint8Array
  try {
    entropy = mnemonicToEntropy(words.join(' '), LISTS[language] as string[])
  } catch (err) {
    throw new InvalidPhraseError('the words are valid but the phrase checksum does not match; check their order and spelling',
      InvalidPhraseError.codes.checksum, {}, { cause: err })
  }
  return { entropy, language, words }
}
