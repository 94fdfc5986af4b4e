import { describe, expect, it } from 'vitest'
import { encodeQr, phraseQrText, qrSvgPath, qrToPixels, QR_QUIET_ZONE } from '../../../src/ui/qr-code.js'
import { decodeQrPixels, phraseFromQrText } from '../../../src/ui/qr-scan.js'
import { generatePhrase, parsePhrase } from '../../../src/crypto/index.js'

/** Deterministic bytes (xorshift32), so a failing phrase reproduces. */
function seeded (seed: number): (n: number) => Uint8Array {
  let x = seed >>> 0
  return (n) => {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; out[i] = x & 0xff }
    return out
  }
}

describe('phrase QR code', () => {
  it('carries the words in lower case joined by single spaces', () => {
    expect(phraseQrText([' Abandon', 'ABILITY ', 'able'])).toBe('abandon ability able')
    expect(() => phraseQrText([])).toThrow(RangeError)
  })

  for (const [language, seed] of [['en', 1], ['en', 2], ['pt', 3], ['pt', 4]] as const) {
    it(`round-trips a ${language} phrase through encoder, pixels and the JS decoder (seed ${seed})`, async () => {
      const phrase = generatePhrase(language, seeded(seed))
      const words = phrase.split(' ')
      expect(words).toHaveLength(24)
      const qr = encodeQr(phraseQrText(words))
      const pixels = qrToPixels(qr, 4)
      expect(pixels.width).toBe((qr.size + 2 * QR_QUIET_ZONE) * 4)
      const text = await decodeQrPixels(pixels)
      expect(text).toBe(phrase)
      const tidied = phraseFromQrText(text ?? '')
      expect(tidied).toBe(phrase)
      expect(() => parsePhrase(tidied)).not.toThrow()
    })
  }

  it('draws one square per dark module in the SVG path', () => {
    const qr = encodeQr('abandon ability')
    const dark = qr.dark.flat().filter(Boolean).length
    expect(qrSvgPath(qr).match(/M/g)).toHaveLength(dark)
  })

  it('rejects a scale that is not a positive integer', () => {
    const qr = encodeQr('x')
    expect(() => qrToPixels(qr, 0)).toThrow(RangeError)
    expect(() => qrToPixels(qr, 1.5)).toThrow(RangeError)
  })

  it('finds no code in a blank picture', async () => {
    const blank = { data: new Uint8ClampedArray(64 * 64 * 4).fill(255), width: 64, height: 64 }
    expect(await decodeQrPixels(blank)).toBeUndefined()
  })

  it('tidies whitespace of a scanned text', () => {
    expect(phraseFromQrText('  a \n b\t c ')).toBe('a b c')
  })
})
