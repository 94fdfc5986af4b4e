/**
 * The recovery phrase as a QR code ([Note: Phrase QR]).
 *
 * [Note: Phrase QR]
 * A device that holds the vault can show its phrase as a QR code, and the recovery form of
 * another device can scan it (camera or photo, src/ui/qr-scan.ts) instead of typing 24 words.
 * The code carries exactly the text parsePhrase (src/crypto/phrase.ts) accepts: the words in
 * lower case joined by single spaces, nothing else (no URL, no prefix), so a scanned code goes
 * through the same checksum and messages as a typed phrase. The code is as secret as the
 * phrase: it is shown only on request, with a warning, and never leaves the page.
 *
 * This module is loaded with `import()` when the owner asks for the code, so the encoder is
 * not in the app shell.
 */
import { encode } from 'uqr'

/** A QR code as modules: `dark[y][x]` is true for a dark module. No quiet zone. */
export interface QrMatrix {
  size: number
  dark: boolean[][]
}

/** Modules of light margin around a code (ISO/IEC 18004 asks for 4). */
export const QR_QUIET_ZONE = 4

/**
 * The text a phrase QR code carries: lower-case words joined by single spaces.
 * @throws RangeError when `words` is empty
 * @example phraseQrText(['Abandon', ' ability ']) // 'abandon ability'
 */
export function phraseQrText (words: readonly string[]): string {
  const clean = words.map((w) => w.trim().toLowerCase()).filter((w) => w !== '')
  if (clean.length === 0) throw new RangeError('words: expected at least one word, got 0')
  return clean.join(' ')
}

/**
 * Encodes `text` as a QR code (byte mode, error correction M: survives a smudge or a glare
 * on a phone photo while staying small enough to scan from a screen).
 * @example encodeQr('abandon ability').size // 21
 */
export function encodeQr (text: string): QrMatrix {
  const qr = encode(text, { ecc: 'M', border: 0 })
  return { size: qr.size, dark: qr.data }
}

/**
 * One SVG path (`d`) drawing every dark module as a 1×1 square, offset by the quiet zone.
 * Use it with `viewBox="0 0 {size + 2 * QR_QUIET_ZONE} …"` on a light background.
 */
export function qrSvgPath (qr: QrMatrix): string {
  const parts: string[] = []
  for (let y = 0; y < qr.size; y++) {
    for (let x = 0; x < qr.size; x++) {
      if (qr.dark[y][x]) parts.push(`M${x + QR_QUIET_ZONE} ${y + QR_QUIET_ZONE}h1v1h-1z`)
    }
  }
  return parts.join('')
}

/** RGBA pixels, the shape of `ImageData` without needing the DOM class. */
export interface Pixels {
  data: Uint8ClampedArray
  width: number
  height: number
}

/**
 * Renders a code to RGBA pixels (black on white, with the quiet zone).
 * @param scale - pixels per module, an integer ≥ 1
 * @throws RangeError for a scale that is not a positive integer
 */
export function qrToPixels (qr: QrMatrix, scale: number): Pixels {
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`scale: expected a positive integer, got ${scale}`)
  const side = (qr.size + 2 * QR_QUIET_ZONE) * scale
  const data = new Uint8ClampedArray(side * side * 4).fill(255)
  for (let y = 0; y < side; y++) {
    const my = Math.floor(y / scale) - QR_QUIET_ZONE
    for (let x = 0; x < side; x++) {
      const mx = Math.floor(x / scale) - QR_QUIET_ZONE
      if (my >= 0 && my < qr.size && mx >= 0 && mx < qr.size && qr.dark[my][mx]) {
        const i = (y * side + x) * 4
        data[i] = 0; data[i + 1] = 0; data[i + 2] = 0
      }
    }
  }
  return { data, width: side, height: side }
}
