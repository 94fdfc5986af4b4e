import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { entropyToPhrase, generatePhrase, normalizePhrase, parsePhrase, wordlist } from '../../../src/crypto/index.js'
import type { InvalidPhraseError } from '../../../src/crypto/index.js'
import { expectThrowsNamed } from './expect-error.js'

// BIP39 reference vectors (trezor/python-mnemonic vectors.json, 256-bit entropy).
const VECTORS: Array<[number, string]> = [
  [0x00, 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art'],
  [0x7f, 'legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title'],
  [0x80, 'letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless'],
  [0xff, 'zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote']
]

describe('recovery phrase', () => {
  it.each(VECTORS)('matches the BIP39 vector for entropy 0x%s repeated', (byte, phrase) => {
    const entropy = new Uint8Array(32).fill(byte)
    expect(entropyToPhrase(entropy, 'en')).toBe(phrase)
    const parsed = parsePhrase(phrase)
    expect(parsed.entropy).toEqual(entropy)
    expect(parsed.language).toBe('en')
    expect(parsed.words.join(' ')).toBe(phrase)
  })

  it('generates 24 words that parse back in the same language', () => {
    for (const language of ['en', 'pt'] as const) {
      const phrase = generatePhrase(language)
      expect(phrase.split(' ')).toHaveLength(24)
      expect(parsePhrase(phrase).language).toBe(language)
    }
  })

  it('generates from injected randomness deterministically', () => {
    const random = (n: number): Uint8Array => new Uint8Array(n).fill(0x7f)
    expect(generatePhrase('en', random)).toBe(VECTORS[1][1])
  })

  it('round-trips any entropy through either language', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.constantFrom('en', 'pt' as const), (entropy, language) => {
      const phrase = entropyToPhrase(entropy, language)
      const parsed = parsePhrase(phrase)
      expect(parsed.entropy).toEqual(entropy)
      expect(parsed.language).toBe(language)
    }), { numRuns: 200 })
  })

  it('has two disjoint 2048-word lists of plain lower-case ASCII', () => {
    const en = wordlist('en')
    const pt = wordlist('pt')
    expect(en).toHaveLength(2048)
    expect(pt).toHaveLength(2048)
    expect(pt.every(w => /^[a-z]+$/.test(w))).toBe(true)
    const enSet = new Set(en)
    expect(pt.filter(w => enSet.has(w))).toEqual([])
  })

  it('normalises spacing, case, numbering, punctuation and accents', () => {
    expect(normalizePhrase('  1. Abandon,\n2) ABILITY;\t3 - água  ')).toBe('abandon ability agua')
    expect(normalizePhrase('')).toBe('')
  })

  it('parses a messy transcription of a valid phrase', () => {
    const words = VECTORS[2][1].split(' ')
    const messy = words.map((w, i) => `${i + 1}. ${i % 2 === 0 ? w.toUpperCase() : w}`).join(',\n')
    expect(parsePhrase(messy).entropy).toEqual(new Uint8Array(32).fill(0x80))
  })

  it('parses Portuguese typed with accents', () => {
    const entropy = new Uint8Array(32).map((_, i) => i * 7)
    const phrase = entropyToPhrase(entropy, 'pt')
    const accented = phrase.replace(/a/g, 'á').replace(/e/g, 'ê').replace(/c/g, 'ç')
    expect(parsePhrase(accented).entropy).toEqual(entropy)
  })

  it('accepts unique prefixes of at least four letters (BIP39)', () => {
    const short = VECTORS[1][1].split(' ').map(w => w.slice(0, 4)).join(' ')
    const parsed = parsePhrase(short)
    expect(parsed.entropy).toEqual(new Uint8Array(32).fill(0x7f))
    expect(parsed.words.join(' ')).toBe(VECTORS[1][1])
  })

  it.each([0, 1, 12, 23, 25])('rejects %i words with ERR_PHRASE_WORD_COUNT', count => {
    const input = Array.from({ length: count }, () => 'abandon').join(' ')
    const err = expectThrowsNamed(() => parsePhrase(input), 'InvalidPhraseError', 'ERR_PHRASE_WORD_COUNT') as InvalidPhraseError
    expect(err.wordCount).toBe(count)
  })

  it('rejects an unknown word with its position and a suggestion', () => {
    const words = VECTORS[0][1].split(' ')
    words[5] = 'abandn'
    const err = expectThrowsNamed(() => parsePhrase(words.join(' ')), 'InvalidPhraseError', 'ERR_PHRASE_UNKNOWN_WORD') as InvalidPhraseError
    expect(err.word).toBe('abandn')
    expect(err.position).toBe(5)
    expect(err.suggestion).toBe('abandon')
    expect(err.message).toContain('word 6')
  })

  it('gives no suggestion when nothing is close', () => {
    const words = VECTORS[0][1].split(' ')
    words[0] = 'xyzzyqwv'
    const err = expectThrowsNamed(() => parsePhrase(words.join(' ')), 'InvalidPhraseError', 'ERR_PHRASE_UNKNOWN_WORD') as InvalidPhraseError
    expect(err.position).toBe(0)
    expect(err.suggestion).toBeUndefined()
  })

  it('rejects an English word in a Portuguese phrase as unknown', () => {
    const words = entropyToPhrase(new Uint8Array(32).fill(1), 'pt').split(' ')
    words[10] = 'zoo'
    const err = expectThrowsNamed(() => parsePhrase(words.join(' ')), 'InvalidPhraseError', 'ERR_PHRASE_UNKNOWN_WORD') as InvalidPhraseError
    expect(err.position).toBe(10)
  })

  it('rejects a valid-word phrase with a wrong checksum with ERR_PHRASE_CHECKSUM', () => {
    const words = VECTORS[0][1].split(' ')
    words[23] = 'zoo'
    expectThrowsNamed(() => parsePhrase(words.join(' ')), 'InvalidPhraseError', 'ERR_PHRASE_CHECKSUM')
  })

  it('detects swapped words through the checksum', () => {
    const words = VECTORS[2][1].split(' ')
    ;[words[0], words[1]] = [words[1], words[0]]
    expectThrowsNamed(() => parsePhrase(words.join(' ')), 'InvalidPhraseError', 'ERR_PHRASE_CHECKSUM')
  })

  it('rejects entropy that is not 32 bytes and unknown languages with RangeError', () => {
    expect(() => entropyToPhrase(new Uint8Array(16), 'en')).toThrow(RangeError)
    expect(() => entropyToPhrase(new Uint8Array(32), 'fr' as 'en')).toThrow(RangeError)
    expect(() => wordlist('es' as 'en')).toThrow(RangeError)
  })
})
