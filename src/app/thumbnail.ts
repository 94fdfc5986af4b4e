/**
 * Makes a small WebP preview of an image on the device (decoding happens off the main
 * thread inside createImageBitmap). Stored sealed with the memory's content key.
 */

/** Longest side of a thumbnail, in CSS pixels ×2 for sharp cards. */
export const THUMBNAIL_PX = 480

/** @returns WebP (or PNG) bytes, or undefined when the image cannot be decoded. */
export async function makeThumbnail (file: Blob): Promise<Uint8Array | undefined> {
  let bitmap: ImageBitmap
  try {
    bitmap = await createImageBitmap(file)
  } catch {
    return undefined
  }
  const scale = Math.min(1, THUMBNAIL_PX / Math.max(bitmap.width, bitmap.height))
  const width = Math.max(1, Math.round(bitmap.width * scale))
  const height = Math.max(1, Math.round(bitmap.height * scale))
  const canvas = new OffscreenCanvas(width, height)
  const ctx = canvas.getContext('2d')
  if (ctx == null) { bitmap.close(); return undefined }
  ctx.drawImage(bitmap, 0, 0, width, height)
  bitmap.close()
  const blob = await canvas.convertToBlob({ type: 'image/webp', quality: 0.8 })
  return new Uint8Array(await blob.arrayBuffer())
}
