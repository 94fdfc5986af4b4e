/**
 * Reading a phrase QR code ([Note: Phrase QR] in src/ui/qr-code.ts) from the camera or a photo.
 *
 * The browser's `BarcodeDetector` is used when it reads QR codes (Chromium on Android and
 * macOS, for instance); elsewhere the `jsqr` decoder is loaded on first use. Nothing read here
 * leaves the page: the text only fills the phrase field.
 */
import type { Pixels } from './qr-code.js'

/** The part of the Shape Detection API used here (not in TypeScript's DOM library yet). */
interface BarcodeDetectorLike {
  detect: (source: ImageBitmapSource) => Promise<Array<{ rawValue: string }>>
}
interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorLike
  getSupportedFormats: () => Promise<string[]>
}

/** Reads the first QR code in an image or a video frame; `undefined` when there is none. */
export type QrReader = (source: ImageBitmap | HTMLVideoElement) => Promise<string | undefined>

/** Longest side, in pixels, a frame is scaled down to before the JS decoder sees it. */
export const MAX_DECODE_SIDE_PX = 1280

/** Why the camera could not be used: refused by the person or the browser, absent, or other. */
export type CameraProblem = 'denied' | 'none' | 'failed'

/**
 * Text read from a code, tidied like a typed phrase: whitespace runs become single spaces.
 * Validation is left to the recovery form (the same checksum and messages as typed text).
 */
export function phraseFromQrText (text: string): string {
  return text.trim().split(/\s+/).filter(Boolean).join(' ')
}

/**
 * Decodes RGBA pixels with the JS decoder (loaded on first call).
 * @returns the text of the first code found, or `undefined`
 */
export async function decodeQrPixels (pixels: Pixels): Promise<string | undefined> {
  const { default: jsQR } = await import('jsqr')
  const code = jsQR(pixels.data, pixels.width, pixels.height, { inversionAttempts: 'attemptBoth' })
  return code?.data
}

/** The browser's QR detector, when it has one that reads QR codes. */
async function nativeDetector (): Promise<BarcodeDetectorLike | undefined> {
  if (!('BarcodeDetector' in globalThis)) return undefined
  const Detector = (globalThis as unknown as { BarcodeDetector: BarcodeDetectorClass }).BarcodeDetector
  try {
    const formats = await Detector.getSupportedFormats()
    return formats.includes('qr_code') ? new Detector({ formats: ['qr_code'] }) : undefined
  } catch (err) {
    console.warn('BarcodeDetector unusable, falling back to jsqr', err)
    return undefined
  }
}

/** Draws an image or a video frame (scaled down to {@link MAX_DECODE_SIDE_PX}) and reads its pixels. */
function toPixels (source: ImageBitmap | HTMLVideoElement): Pixels | undefined {
  const w = source instanceof ImageBitmap ? source.width : source.videoWidth
  const h = source instanceof ImageBitmap ? source.height : source.videoHeight
  if (w === 0 || h === 0) return undefined
  const k = Math.min(1, MAX_DECODE_SIDE_PX / Math.max(w, h))
  const width = Math.max(1, Math.round(w * k))
  const height = Math.max(1, Math.round(h * k))
  let ctx: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null
  if (typeof OffscreenCanvas !== 'undefined') {
    ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true })
  } else {
    const canvas = document.createElement('canvas')
    canvas.width = width
    canvas.height = height
    ctx = canvas.getContext('2d', { willReadFrequently: true })
  }
  if (ctx == null) return undefined
  // White first: a transparent PNG would otherwise read as black modules on black.
  ctx.fillStyle = '#fff'
  ctx.fillRect(0, 0, width, height)
  ctx.drawImage(source, 0, 0, width, height)
  return ctx.getImageData(0, 0, width, height)
}

/**
 * A reader that uses `BarcodeDetector` when the browser reads QR codes with it, else `jsqr`.
 * @example const read = await createQrReader(); const text = await read(bitmap)
 */
export async function createQrReader (): Promise<QrReader> {
  const detector = await nativeDetector()
  if (detector != null) {
    return async (source) => {
      const found = await detector.detect(source)
      return found[0]?.rawValue
    }
  }
  return async (source) => {
    const pixels = toPixels(source)
    return pixels != null ? await decodeQrPixels(pixels) : undefined
  }
}

/**
 * Reads the QR code in a picture file.
 * @returns its text, or `undefined` when the picture has no readable code
 * @throws when the file is not an image the browser can decode
 */
export async function readQrFromFile (file: Blob, reader?: QrReader): Promise<string | undefined> {
  const read = reader ?? await createQrReader()
  const bitmap = await createImageBitmap(file)
  try {
    return await read(bitmap)
  } finally {
    bitmap.close()
  }
}

/**
 * Opens the camera, the rear one when there is a choice.
 * @throws CameraError with `problem` telling why the camera could not be used
 */
export async function openCamera (): Promise<MediaStream> {
  if (navigator.mediaDevices?.getUserMedia == null) throw new CameraError('none')
  try {
    return await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false })
  } catch (err) {
    const name = (err as { name?: string }).name
    const problem: CameraProblem = name === 'NotAllowedError' || name === 'SecurityError'
      ? 'denied'
      : name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError' ? 'none' : 'failed'
    throw new CameraError(problem, { cause: err })
  }
}

/** Stops every track of a stream (the camera light goes off). */
export function stopCamera (stream: MediaStream | undefined): void {
  for (const track of stream?.getTracks() ?? []) track.stop()
}

/** The camera could not be opened; `problem` says why. */
export class CameraError extends Error {
  static override readonly name = 'CameraError'
  static readonly code = 'ERR_CAMERA'
  override readonly name = 'CameraError'
  readonly code = CameraError.code
  constructor (readonly problem: CameraProblem, options?: ErrorOptions) {
    super(`camera: ${problem}`, options)
  }
}
