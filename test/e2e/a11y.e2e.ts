import { test, expect, type Page } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'
import { makePng, saveMemory } from './helpers.js'

async function expectNoSeriousViolations (page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze()
  const serious = results.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
  expect(serious.map(v => `${screen}: ${v.id} — ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)).toEqual([])
}

test('main screens have no serious or critical accessibility violations, in English and Portuguese', async ({ browser }) => {
  for (const lang of ['en', 'pt'] as const) {
    const ctx = await browser.newContext({ locale: lang === 'pt' ? 'pt-BR' : 'en-US' })
    const page = await ctx.newPage()
    await page.goto('/')
    await expect(page.locator('html')).toHaveAttribute('lang', lang === 'pt' ? 'pt-BR' : 'en')
    await expectNoSeriousViolations(page, `${lang} welcome`)
    await page.getByRole('button').first().click()
    await expect(page.getByTestId('vault-phrase')).toHaveCount(24)
    await expectNoSeriousViolations(page, `${lang} phrase`)
    const words = await page.getByTestId('vault-phrase').allTextContents()
    await page.getByRole('button').filter({ hasText: /written|anotei/ }).click()
    await expectNoSeriousViolations(page, `${lang} confirm`)
    const inputs = page.getByRole('textbox')
    for (let i = 0; i < 3; i++) {
      const position = Number((await inputs.nth(i).getAttribute('name'))?.split('-')[1])
      await inputs.nth(i).fill(words[position - 1])
    }
    await page.locator('form button[type=submit]').click()
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(lang === 'pt' ? 'Memórias' : 'Memories')
    await expectNoSeriousViolations(page, `${lang} empty gallery`)
    if (lang === 'en') {
      await saveMemory(page, 'Accessible memory', [
        { name: 'p.png', mimeType: 'image/png', buffer: makePng(40, 30, 5) },
        { name: 'n.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') }
      ])
      await expectNoSeriousViolations(page, `${lang} memory view`)
      await page.getByRole('link', { name: 'Memories', exact: true }).click()
      await expect(page.getByTestId('memory-card')).toHaveCount(1)
      await expectNoSeriousViolations(page, `${lang} gallery`)
    }
    await page.getByRole('link', { name: lang === 'pt' ? 'Nova memória' : 'New memory' }).click()
    await expectNoSeriousViolations(page, `${lang} new memory`)
    await page.getByRole('link', { name: lang === 'pt' ? 'Armazenamento' : 'Storage' }).click()
    await expect(page.getByTestId('storage-used')).not.toHaveText('—')
    await expectNoSeriousViolations(page, `${lang} storage`)
    await page.getByRole('link', { name: lang === 'pt' ? 'Malha' : 'Mesh', exact: true }).click()
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(lang === 'pt' ? 'Malha' : 'Mesh')
    await expectNoSeriousViolations(page, `${lang} mesh`)
    await ctx.close()
  }
})
