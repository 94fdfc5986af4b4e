import { test, expect } from '@playwright/test'
import { createVault, saveMemory, makePng } from './helpers.js'

test('two browser contexts get separate vaults and separate memories', async ({ browser }) => {
  const a = await browser.newContext()
  const b = await browser.newContext()
  try {
    const pageA = await a.newPage()
    const pageB = await b.newPage()
    const wordsA = await createVault(pageA)
    const wordsB = await createVault(pageB)
    expect(wordsA.join(' ')).not.toBe(wordsB.join(' '))
    await saveMemory(pageA, 'Only in A', [{ name: 'a.png', mimeType: 'image/png', buffer: makePng(20, 20, 7) }])
    await pageB.reload()
    await expect(pageB.getByRole('heading', { level: 1, name: /memories/i })).toBeVisible()
    await expect(pageB.getByTestId('memory-card')).toHaveCount(0)
    const ids = await Promise.all([pageA, pageB].map(async p => await p.evaluate(() => (globalThis as any).tesseras.library.vaultIdHex as string)))
    expect(ids[0]).toMatch(/^[0-9a-f]{64}$/)
    expect(ids[0]).not.toBe(ids[1])
  } finally {
    await a.close()
    await b.close()
  }
})

test('restore: a wrong phrase is explained and nothing is stored; the right one restores the same vault', async ({ browser }) => {
  const owner = await browser.newContext()
  const other = await browser.newContext()
  try {
    const ownerPage = await owner.newPage()
    const words = await createVault(ownerPage)
    const vaultId = await ownerPage.evaluate(() => (globalThis as any).tesseras.library.vaultIdHex as string)

    const page = await other.newPage()
    await page.goto('/')
    await page.getByRole('button', { name: /already have a recovery phrase/i }).click()
    const field = page.getByLabel('Recovery phrase', { exact: true })

    await field.fill(words.slice(0, 23).join(' '))
    await page.getByRole('button', { name: /restore my vault/i }).click()
    await expect(page.getByRole('alert')).toContainText('has 24 words; you typed 23')

    const misspelt = [...words]; misspelt[4] = 'zzzzqx'
    await field.fill(misspelt.join(' '))
    await page.getByRole('button', { name: /restore my vault/i }).click()
    await expect(page.getByRole('alert')).toContainText('Word 5 (“zzzzqx”) is not in the word list')

    const swapped = [...words]; [swapped[0], swapped[1]] = [swapped[1], swapped[0]]
    if (swapped[0] !== swapped[1]) {
      await field.fill(swapped.join(' '))
      await page.getByRole('button', { name: /restore my vault/i }).click()
      // A swap keeps every word valid; the checksum catches it (with probability 255/256).
      await expect(page.getByRole('alert')).toBeVisible()
    }
    expect(await page.evaluate(async () => await (globalThis as any).tesseras.stores.vault.get())).toBeUndefined()

    // Any spacing, newlines and case are accepted.
    await field.fill(`  ${words.slice(0, 12).join('  ').toUpperCase()}\n${words.slice(12).join(' \n ')}  `)
    await page.getByRole('button', { name: /restore my vault/i }).click()
    await expect(page.getByRole('heading', { level: 1, name: /memories/i })).toBeVisible()
    expect(await page.evaluate(() => (globalThis as any).tesseras.library.vaultIdHex as string)).toBe(vaultId)
  } finally {
    await owner.close()
    await other.close()
  }
})

test('the Portuguese interface shows a Portuguese phrase that restores the same keys in English', async ({ browser }) => {
  const ctx = await browser.newContext({ locale: 'pt-BR' })
  try {
    const page = await ctx.newPage()
    await page.goto('/')
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Guarde suas memórias por décadas')
    const words = await createVault(page)
    const vaultId = await page.evaluate(() => (globalThis as any).tesseras.library.vaultIdHex as string)
    const english = await page.evaluate(async () => await (globalThis as any).tesseras.library.phraseWords('en') as string[])
    expect(english).not.toEqual(words)
    const restored = await page.evaluate(async (phrase) => {
      const lib = (globalThis as any).tesseras.library
      await lib.restoreVault(phrase)
      return lib.vaultIdHex as string
    }, english.join(' '))
    expect(restored).toBe(vaultId)
  } finally {
    await ctx.close()
  }
})
